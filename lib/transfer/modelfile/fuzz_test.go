package modelfile_test

// Fuzz targets for the ONNX and TFLite readers. `go test` runs each on its
// seed corpus: models built here, the real files of the shared data folder
// when it is present (mnist-8.onnx, its reference tensors, MobileNet v1),
// and the regression inputs under testdata/fuzz/FuzzX/. To fuzz one longer,
// one at a time:
//
//	GOEXPERIMENT=simd go test -run='^$' -fuzz='^FuzzReadTFLite$' -fuzztime=5m -parallel=1 ./lib/transfer/modelfile/

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/internal/alloccheck"
	"github.com/physnb/physnb/lib/transfer/modelfile"
)

// sharedFile returns a file of the shared data folder ($PHYSNB_DATA, else
// ../shared/data from the repository root), or nil when there is none.
func sharedFile(name string) []byte {
	dirs := append(filepath.SplitList(os.Getenv(data.EnvVar)), filepath.Join("..", "..", "..", "..", "shared", "data"))
	for _, d := range dirs {
		if b, err := os.ReadFile(filepath.Join(d, filepath.FromSlash(name))); err == nil {
			return b
		}
	}
	return nil
}

// checkTensor asserts that a decoded tensor's values fill its dimensions.
func checkTensor(t *testing.T, x *modelfile.Tensor) {
	t.Helper()
	n := 1
	for _, d := range x.Dims {
		if d < 0 {
			t.Fatalf("tensor %q: dims %v", x.Name, x.Dims)
		}
		n *= int(d)
	}
	switch x.DataType {
	case modelfile.TypeFloat:
		if len(x.Float) != n || x.Int64 != nil {
			t.Fatalf("tensor %q: %d floats, %d ints for dims %v", x.Name, len(x.Float), len(x.Int64), x.Dims)
		}
	case modelfile.TypeInt64:
		if len(x.Int64) != n || x.Float != nil {
			t.Fatalf("tensor %q: %d ints, %d floats for dims %v", x.Name, len(x.Int64), len(x.Float), x.Dims)
		}
	default:
		t.Fatalf("tensor %q of data type %d decoded", x.Name, x.DataType)
	}
	if x.Size() != n {
		t.Fatalf("Size %d, dims %v", x.Size(), x.Dims)
	}
}

// checkModel asserts what a decoded model promises.
func checkModel(t *testing.T, m *modelfile.Model) {
	t.Helper()
	if len(m.Nodes) == 0 {
		t.Fatal("a model without nodes")
	}
	for name, x := range m.Initializers {
		if name != x.Name {
			t.Fatalf("initializer %q stored as %q", x.Name, name)
		}
		checkTensor(t, x)
	}
	for _, n := range m.Nodes {
		for _, a := range n.Attrs {
			if a.Tensor != nil {
				checkTensor(t, a.Tensor)
			}
		}
	}
	for _, vi := range append(append([]modelfile.ValueInfo{}, m.Inputs...), m.Outputs...) {
		for _, d := range vi.Dims {
			if d < -1 {
				t.Fatalf("value %q: dims %v", vi.Name, vi.Dims)
			}
		}
	}
	if len(m.InputMean) != len(m.InputStd) {
		t.Fatalf("%d means and %d standard deviations", len(m.InputMean), len(m.InputStd))
	}
	for i := range m.InputMean {
		if s, mu := float64(m.InputStd[i]), float64(m.InputMean[i]); !(s > 0) || math.IsInf(s, 0) || math.IsNaN(mu) || math.IsInf(mu, 0) {
			t.Fatalf("input standardisation: mean %v, std %v", mu, s)
		}
	}
}

func FuzzDecodeModel(f *testing.F) {
	tiny := tinyModel(rand.New(rand.NewPCG(1, 2)))
	b := tiny.Encode()
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte{0x3a, 0x02, 0x0a, 0x00}) // a graph with one empty node
	if b := sharedFile(data.MNIST8Model); b != nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		alloccheck.Bounded(t, len(in), func() {
			m, err := modelfile.DecodeModel(in)
			if err != nil {
				return
			}
			checkModel(t, m)
		})
	})
}

func FuzzDecodeTensor(f *testing.F) {
	f.Add(modelfile.EncodeTensor(&modelfile.Tensor{Name: "w", Dims: []int64{2, 3}, DataType: modelfile.TypeFloat, Float: []float32{1, 2, 3, 4, 5, 6}}))
	f.Add(modelfile.EncodeTensor(&modelfile.Tensor{Name: "s", Dims: []int64{2}, DataType: modelfile.TypeInt64, Int64: []int64{-1, 8}}))
	f.Add(modelfile.EncodeTensor(&modelfile.Tensor{Name: "e", Dims: []int64{0, 4}, DataType: modelfile.TypeFloat}))
	for _, set := range []string{"0", "1", "2"} {
		for _, file := range []string{"input_0.pb", "output_0.pb"} {
			if b := sharedFile("weights/mnist-8/test_data_set_" + set + "/" + file); b != nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		alloccheck.Bounded(t, len(in), func() {
			x, err := modelfile.DecodeTensor(in)
			if err != nil {
				return
			}
			checkTensor(t, x)
		})
	})
}

// FuzzReadTFLite decodes a TFLite flatbuffer and converts it as ReadTFLite
// does.
func FuzzReadTFLite(f *testing.F) {
	f.Add([]byte("\x08\x00\x00\x00TFL3"))
	f.Add([]byte("\x0c\x00\x00\x00TFL3\x04\x00\x04\x00\x04\x00\x00\x00"))
	if b := sharedFile(data.MobileNetV1); b != nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		alloccheck.Bounded(t, len(in), func() {
			tm, err := modelfile.DecodeTFLite(in)
			if err != nil {
				return
			}
			for _, x := range tm.Tensors {
				n := 1
				for _, d := range x.Shape {
					if d < 0 {
						t.Fatalf("tensor %s: shape %v", x.Name, x.Shape)
					}
					n *= d
				}
				if n != modelfile.TensorSize(&x) {
					t.Fatalf("tensor %s: size %d, shape %v", x.Name, modelfile.TensorSize(&x), x.Shape)
				}
			}
			m, err := modelfile.Convert(tm)
			if err != nil {
				return
			}
			checkModel(t, m)
			if len(m.Inputs) != 1 || len(m.Inputs[0].Dims) != 4 {
				t.Fatalf("inputs %v", m.Inputs)
			}
			for _, d := range m.Inputs[0].Dims {
				if d < 1 {
					t.Fatalf("input dims %v", m.Inputs[0].Dims)
				}
			}
		})
	})
}

// Sizes that multiply to the right count only by sign or overflow, a shape
// with a negative extent and a name given to two weights are refused.
func TestMalformedONNX(t *testing.T) {
	tensor := func(dims []int64, vals ...float32) []byte {
		return modelfile.EncodeTensor(&modelfile.Tensor{Name: "w", Dims: dims, DataType: modelfile.TypeFloat, Float: vals})
	}
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"two negative dims", tensor([]int64{-1, -1}, 7), "negative dimension"},
		{"dims that overflow to 0", tensor([]int64{1 << 32, 1 << 32}), "more than"},
		{"a count that does not fill the dims", tensor([]int64{2, 2}, 1, 2, 3), "3 values for dims [2 2]"},
	} {
		if _, err := modelfile.DecodeTensor(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	m := tinyModel(rand.New(rand.NewPCG(1, 2)))
	m.Inputs[0].Dims = []int64{1, 1, -4, 4}
	if _, err := modelfile.DecodeModel(m.Encode()); err == nil || !strings.Contains(err.Error(), `"X": dimension 2 of the shape is -4`) {
		t.Errorf("negative input dimension: error %v", err)
	}
	m = tinyModel(rand.New(rand.NewPCG(1, 2)))
	m.Initializers["B"].Name = "W" // two initializers named W
	if _, err := modelfile.DecodeModel(m.Encode()); err == nil || !strings.Contains(err.Error(), `two initializers named "W"`) {
		t.Errorf("duplicate initializer: error %v", err)
	}
}

// Converting a decoded MobileNet whose indices, input shape or
// quantization were corrupted gives an error naming the problem.
func TestMalformedTFLite(t *testing.T) {
	b := tfliteBytes(t, data.MobileNetV1)
	decode := func() *modelfile.TFLModel {
		tm, err := modelfile.DecodeTFLite(b)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	if _, err := modelfile.Convert(decode()); err != nil {
		t.Fatalf("the intact model: %v", err)
	}
	conv := -1 // the first convolution
	for i, op := range decode().Ops {
		if op.Code == modelfile.TFLConv2D && conv < 0 {
			conv = i
		}
	}
	for _, c := range []struct {
		name  string
		spoil func(tm *modelfile.TFLModel)
		want  string
	}{
		{"graph input -1", func(tm *modelfile.TFLModel) { tm.Inputs = []int{-1} }, "outside 0.."},
		{"graph output past the tensors", func(tm *modelfile.TFLModel) { tm.Outputs = []int{len(tm.Tensors)} }, "outside 0.."},
		{"an absent first input", func(tm *modelfile.TFLModel) { tm.Ops[conv].Inputs = []int{-1, tm.Ops[conv].Inputs[1]} }, "input 0 is absent"},
		{"an absent kernel", func(tm *modelfile.TFLModel) { tm.Ops[conv].Inputs = []int{tm.Ops[conv].Inputs[0], -1} }, "input 1 is absent"},
		{"2^31 input channels", func(tm *modelfile.TFLModel) { tm.Tensors[tm.Inputs[0]].Shape[3] = 1<<31 - 1 }, "C in 1..4"},
		{"a zero-sized input", func(tm *modelfile.TFLModel) { tm.Tensors[tm.Inputs[0]].Shape[1] = 0 }, "H, W >= 1"},
		{"a negative quantization axis", func(tm *modelfile.TFLModel) {
			k := &tm.Tensors[tm.Ops[conv].Inputs[1]]
			k.Scale, k.QuantDim = []float32{1, 2}, -1
		}, "along axis -1"},
		{"a kernel without its data", func(tm *modelfile.TFLModel) {
			k := &tm.Tensors[tm.Ops[conv].Inputs[1]]
			k.Data = k.Data[:1]
		}, "holds 1 bytes"},
	} {
		tm := decode()
		c.spoil(tm)
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: panic %v", c.name, p)
				}
			}()
			if _, err := modelfile.Convert(tm); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
			}
		}()
	}
}
