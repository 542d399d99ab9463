package netgraph

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/transfer/internal/nettest"
	"github.com/physnb/physnb/lib/transfer/modelfile"
)

// hostValue is a value of the host interpreter: an NCHW image or a matrix.
type hostValue struct {
	im         *img
	mat        []float64
	rows, cols int
}

// hostForward evaluates the model node by node with the host loops of
// ops_test.go (an implementation independent of the GoMLX one) and returns
// the output as a [rows, cols] matrix.
func hostForward(m *modelfile.Model, x *img) []float64 {
	vals := map[string]hostValue{m.Inputs[0].Name: {im: x}}
	f64 := func(name string) []float64 {
		t := m.Initializers[name]
		v := make([]float64, len(t.Float))
		for i, f := range t.Float {
			v[i] = float64(f)
		}
		return v
	}
	for _, nd := range m.Nodes {
		in := func(i int) *img { return vals[nd.Inputs[i]].im }
		var y hostValue
		switch nd.OpType {
		case "Conv":
			w := m.Initializers[nd.Inputs[1]]
			p := nd.Attrs["pads"].Ints
			y.im = hostConv(in(0), f64(nd.Inputs[1]), int(w.Dims[0]), int(w.Dims[2]), int(nd.Attrs["strides"].Ints[0]),
				pads{int(p[0]), int(p[1]), int(p[2]), int(p[3])}, nil)
		case "BatchNormalization":
			y.im = hostBatchNorm(in(0), f64(nd.Inputs[1]), f64(nd.Inputs[2]), f64(nd.Inputs[3]), f64(nd.Inputs[4]), float64(nd.Attrs["epsilon"].Float))
		case "Relu":
			y.im = hostRelu(in(0))
		case "Add":
			y.im = hostAdd(in(0), in(1))
		case "MaxPool":
			p := nd.Attrs["pads"].Ints
			y.im = hostMaxPool(in(0), int(nd.Attrs["kernel_shape"].Ints[0]), int(nd.Attrs["strides"].Ints[0]), pads{int(p[0]), int(p[1]), int(p[2]), int(p[3])})
		case "GlobalAveragePool":
			y.im = newImg(in(0).b, in(0).c, 1, 1)
			y.im.v = hostGlobalAverage(in(0))
		case "Flatten":
			a := in(0)
			y = hostValue{mat: a.v, rows: a.b, cols: len(a.v) / a.b}
		case "Gemm":
			a, w := vals[nd.Inputs[0]], m.Initializers[nd.Inputs[1]]
			out := int(w.Dims[0])
			y = hostValue{mat: hostGemmTransB(a.mat, a.rows, a.cols, f64(nd.Inputs[1]), out, f64(nd.Inputs[2])), rows: a.rows, cols: out}
		default:
			panic("hostForward: no host loops for " + nd.OpType)
		}
		vals[nd.Outputs[0]] = y
	}
	return vals[m.Outputs[0].Name].mat
}

// The tiny ResNet goes through the file format (write, read back) and its
// forward pass matches the host loops.
func TestTinyResNetForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	x, xf := randomImage(rng, 3, nettest.TinyChannels, nettest.TinySize, nettest.TinySize)
	m := nettest.NewTinyResNet(rng)
	want := hostForward(m, x)
	if len(want) != 3*nettest.TinySpec.Classes {
		t.Fatalf("host computes %d logits", len(want))
	}
	path := filepath.Join(t.TempDir(), "tiny-resnet.onnx")
	if err := m.Write(path); err != nil {
		t.Fatal(err)
	}
	net, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(net.Model.Nodes) != len(m.Nodes) || len(net.Model.Initializers) != len(m.Initializers) {
		t.Fatalf("read back %d nodes and %d initializers, wrote %d and %d", len(net.Model.Nodes), len(net.Model.Initializers), len(m.Nodes), len(m.Initializers))
	}
	out, err := net.Run(backend.Must(), tensors.FromFlatDataAndDimensions(xf, 3, nettest.TinyChannels, nettest.TinySize, nettest.TinySize), "")
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](out)
	if len(got) != len(want) {
		t.Fatalf("%d logits (shape %s), host computes %d", len(got), out.Shape(), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > 1e-4*(1+math.Abs(want[i])) {
			t.Fatalf("logit %d: %g, host loops %g", i, got[i], want[i])
		}
	}
	if f, err := net.HeadInput(); err != nil || f != nettest.TinyFeatures {
		t.Errorf("HeadInput = %q, %v; want %q", f, err, nettest.TinyFeatures)
	}
}

func TestRunReportsShapeErrors(t *testing.T) {
	m := nettest.NewTinyResNet(rand.New(rand.NewPCG(1, 3)))
	net, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	// 2 channels instead of 3: the stem convolution cannot be built.
	_, err = net.Run(backend.Must(), tensors.FromFlatDataAndDimensions(make([]float32, 2*8*8), 1, 2, 8, 8), "")
	if err == nil || !strings.Contains(err.Error(), `"conv1"`) {
		t.Errorf("wrong channel count: error %v, want one naming the stem convolution", err)
	}
}
