package modelfile_test

import (
	"cmp"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/transfer/internal/nettest"
	"github.com/physnb/physnb/lib/transfer/modelfile"
	"github.com/physnb/physnb/lib/transfer/netgraph"
)

// tinyModel is a small CNN in ONNX form: Conv 3x3 (2 filters, pads 1) + bias,
// Relu, MaxPool 2x2, Reshape to [1, 8], Gemm with a [8, 3] weight and bias.
func tinyModel(rng *rand.Rand) *modelfile.Model {
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	m := &modelfile.Model{
		Initializers: map[string]*modelfile.Tensor{
			"W":     {Name: "W", Dims: []int64{2, 1, 3, 3}, DataType: modelfile.TypeFloat, Float: rnd(18)},
			"B":     {Name: "B", Dims: []int64{2}, DataType: modelfile.TypeFloat, Float: rnd(2)},
			"shape": {Name: "shape", Dims: []int64{2}, DataType: modelfile.TypeInt64, Int64: []int64{1, 8}},
			"W2":    {Name: "W2", Dims: []int64{8, 3}, DataType: modelfile.TypeFloat, Float: rnd(24)},
			"C":     {Name: "C", Dims: []int64{3}, DataType: modelfile.TypeFloat, Float: rnd(3)},
		},
		Inputs:  []modelfile.ValueInfo{{Name: "X", Dims: []int64{1, 1, 4, 4}}},
		Outputs: []modelfile.ValueInfo{{Name: "Y", Dims: []int64{1, 3}}},
	}
	m.Nodes = []*modelfile.Op{
		{Name: "conv", OpType: "Conv", Inputs: []string{"X", "W", "B"}, Outputs: []string{"c"},
			Attrs: map[string]*modelfile.Attribute{"kernel_shape": {Name: "kernel_shape", Ints: []int64{3, 3}}, "pads": {Name: "pads", Ints: []int64{1, 1, 1, 1}}}},
		{Name: "relu", OpType: "Relu", Inputs: []string{"c"}, Outputs: []string{"r"}, Attrs: map[string]*modelfile.Attribute{}},
		{Name: "pool", OpType: "MaxPool", Inputs: []string{"r"}, Outputs: []string{"p"},
			Attrs: map[string]*modelfile.Attribute{"kernel_shape": {Name: "kernel_shape", Ints: []int64{2, 2}}, "strides": {Name: "strides", Ints: []int64{2, 2}}}},
		{Name: "flat", OpType: "Reshape", Inputs: []string{"p", "shape"}, Outputs: []string{"f"}, Attrs: map[string]*modelfile.Attribute{}},
		{Name: "fc", OpType: "Gemm", Inputs: []string{"f", "W2", "C"}, Outputs: []string{"Y"}, Attrs: map[string]*modelfile.Attribute{}},
	}
	return m
}

// bruteTiny evaluates tinyModel with plain loops, straight from the ONNX
// operator definitions (Conv is a cross-correlation; NCHW layout).
func bruteTiny(m *modelfile.Model, x []float32) []float64 {
	W, B, W2, C := m.Initializers["W"].Float, m.Initializers["B"].Float, m.Initializers["W2"].Float, m.Initializers["C"].Float
	var conv [2][4][4]float64
	for o := 0; o < 2; o++ {
		for i := 0; i < 4; i++ {
			for j := 0; j < 4; j++ {
				s := float64(B[o])
				for di := 0; di < 3; di++ {
					for dj := 0; dj < 3; dj++ {
						ii, jj := i+di-1, j+dj-1
						if ii >= 0 && ii < 4 && jj >= 0 && jj < 4 {
							s += float64(W[o*9+di*3+dj]) * float64(x[ii*4+jj])
						}
					}
				}
				conv[o][i][j] = math.Max(s, 0)
			}
		}
	}
	var f []float64 // NCHW flatten of the 2x2 max-pool
	for o := 0; o < 2; o++ {
		for i := 0; i < 2; i++ {
			for j := 0; j < 2; j++ {
				f = append(f, math.Max(math.Max(conv[o][2*i][2*j], conv[o][2*i][2*j+1]), math.Max(conv[o][2*i+1][2*j], conv[o][2*i+1][2*j+1])))
			}
		}
	}
	y := make([]float64, 3)
	for k := 0; k < 3; k++ {
		y[k] = float64(C[k])
		for i := 0; i < 8; i++ {
			y[k] += f[i] * float64(W2[i*3+k])
		}
	}
	return y
}

func TestTinyModelRoundTripAndForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	m := tinyModel(rng)
	path := filepath.Join(t.TempDir(), "tiny.onnx")
	if err := m.Write(path); err != nil {
		t.Fatal(err)
	}
	m2, err := modelfile.ReadONNX(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Nodes) != 5 || m2.Nodes[0].OpType != "Conv" || len(m2.Initializers) != 5 || m2.Inputs[0].Name != "X" {
		t.Fatalf("decoded model differs: %d nodes, %d initializers, inputs %v", len(m2.Nodes), len(m2.Initializers), m2.Inputs)
	}
	if got := m2.Nodes[0].Attrs["pads"].Ints; len(got) != 4 || got[0] != 1 {
		t.Fatalf("pads attribute decoded as %v", got)
	}
	net, err := netgraph.New(m2)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 16)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	out, err := net.Run(backend.Must(), tensors.FromFlatDataAndDimensions(x, 1, 1, 4, 4), "")
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](out)
	want := bruteTiny(m, x)
	for k := range want {
		if math.Abs(float64(got[k])-want[k]) > 1e-5 {
			t.Fatalf("output %d: %g, loops give %g", k, got[k], want[k])
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	b := tinyModel(rng).Encode()
	dir := t.TempDir()
	trunc := filepath.Join(dir, "trunc.onnx")
	os.WriteFile(trunc, b[:len(b)/2], 0o644)
	if _, err := modelfile.ReadONNX(trunc); err == nil || !strings.Contains(err.Error(), trunc) {
		t.Errorf("truncated model: error %v, want one naming the file", err)
	}
	m := tinyModel(rng)
	m.Nodes[1].OpType = "Softsign"
	if _, err := netgraph.New(m); err == nil || !strings.Contains(err.Error(), "Softsign") {
		t.Errorf("unsupported op: error %v", err)
	}
	if _, err := modelfile.DecodeModel([]byte{0x08, 0x03}); err == nil {
		t.Error("a model without a graph was accepted")
	}
}

// The ONNX model zoo ships three inputs with the outputs ONNX Runtime
// computed; float32 sums of up to 400 terms of size ~1e3 allow ~1e-3 abs.
func TestMNIST8ReproducesModelZooOutputs(t *testing.T) {
	p := nettest.MNIST8(t)
	m, err := modelfile.ReadONNX(p)
	if err != nil {
		t.Fatal(err)
	}
	// data/README.md: 5998 parameters, i.e. all initializer elements; of these
	// 8*25+8 + 16*8*25+16 + 256*10+10 = 5994 are float weights and 2+2 the
	// int64 target shapes of the two Reshape nodes.
	all, weights := 0, 0
	for _, w := range m.Initializers {
		all += w.Size()
		if w.DataType == modelfile.TypeFloat {
			weights += w.Size()
		}
	}
	if all != 5998 || weights != 5994 {
		t.Errorf("%d initializer values (%d float weights), want 5998 (5994)", all, weights)
	}
	net, err := netgraph.New(m)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := net.CheckReferences(backend.Must(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 3 {
		t.Fatalf("%d reference cases, want 3", len(refs))
	}
	for _, r := range refs {
		if r.MaxAbsDiff > 1e-6*r.MaxAbs+1e-2 {
			t.Errorf("%s: max |diff| %g on outputs up to %g", r.Dir, r.MaxAbsDiff, r.MaxAbs)
		}
		if argmax(r.Got) != argmax(r.Want) {
			t.Errorf("%s: predicted digit %d, reference %d", r.Dir, argmax(r.Got), argmax(r.Want))
		}
		t.Logf("%s: max |diff| %.3g, max |output| %.4g", filepath.Base(r.Dir), r.MaxAbsDiff, r.MaxAbs)
	}
}

func argmax[T cmp.Ordered](v []T) int {
	k := 0
	for i := range v {
		if v[i] > v[k] {
			k = i
		}
	}
	return k
}
