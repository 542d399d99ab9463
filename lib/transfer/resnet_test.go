package transfer

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/classify"
)

// tinySpec is a ResNet with the parts of ResNet-18: a stride-2 stem
// convolution with batch norm, ReLU and a 3x3 stride-2 max pool, a stage
// whose block has an identity skip connection, a stage whose first block
// downsamples (stride-2 3x3 convolution, strided 1x1 convolution on the
// shortcut), global average pooling, Flatten and a Gemm head (transB = 1).
var tinySpec = ResNetSpec{Channels: 3, Stem: 5, StemWidth: 8, Blocks: []int{1, 2}, Widths: []int{8, 12}, Classes: 5}

const (
	tinyChannels = 3
	tinySize     = 16
	tinyFeatures = ResNetFeatures
)

// newTinyResNet returns tinySpec with every weight random, batch norms
// included (the builder's are the identity), as float32 values in the model.
func newTinyResNet(rng *rand.Rand) *Model {
	m, err := tinySpec.Model(rng)
	if err != nil {
		panic(err)
	}
	for name, t := range m.Initializers {
		lo, hi := -0.5, 0.5
		switch {
		case strings.HasSuffix(name, ".bn.weight"):
			lo, hi = 0.5, 1.5
		case strings.HasSuffix(name, "running_var"):
			lo, hi = 0.5, 2
		}
		for i := range t.Float {
			t.Float[i] = float32(lo + (hi-lo)*rng.Float64())
		}
	}
	return m
}

// hostValue is a value of the host interpreter: an NCHW image or a matrix.
type hostValue struct {
	im         *img
	mat        []float64
	rows, cols int
}

// hostForward evaluates the model node by node with the host loops of
// ops_test.go (an implementation independent of the GoMLX one) and returns
// the output as a [rows, cols] matrix.
func hostForward(m *Model, x *img) []float64 {
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
	x, xf := randomImage(rng, 3, tinyChannels, tinySize, tinySize)
	m := newTinyResNet(rng)
	want := hostForward(m, x)
	if len(want) != 3*tinySpec.Classes {
		t.Fatalf("host computes %d logits", len(want))
	}
	path := filepath.Join(t.TempDir(), "tiny-resnet.onnx")
	if err := m.Write(path); err != nil {
		t.Fatal(err)
	}
	net, err := LoadNetwork(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(net.Model.Nodes) != len(m.Nodes) || len(net.Model.Initializers) != len(m.Initializers) {
		t.Fatalf("read back %d nodes and %d initializers, wrote %d and %d", len(net.Model.Nodes), len(net.Model.Initializers), len(m.Nodes), len(m.Initializers))
	}
	out, err := net.Run(backend.Must(), tensors.FromFlatDataAndDimensions(xf, 3, tinyChannels, tinySize, tinySize), "")
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
	if f, err := net.HeadInput(); err != nil || f != tinyFeatures {
		t.Errorf("HeadInput = %q, %v; want %q", f, err, tinyFeatures)
	}
}

// variables returns the values of the store's variables under /model/onnx
// and /model/head, and whether each is trainable.
func variables(t *testing.T, c *classify.Classifier) (map[string][]float32, map[string]bool) {
	vals, trainable := map[string][]float32{}, map[string]bool{}
	for v := range c.Store.IterVariables() {
		p := v.Path()
		if !strings.HasPrefix(p, "/model/onnx/") && !strings.HasPrefix(p, "/model/head/") {
			continue
		}
		vals[p] = tensors.MustCopyFlatData[float32](v.MustValue())
		trainable[p] = v.Trainable
	}
	if len(vals) == 0 {
		t.Fatal("no variables under /model/onnx or /model/head")
	}
	return vals, trainable
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// Training on the tiny ResNet: the frozen feature extractor moves only the
// new head; fine-tuning moves the convolutions and the batch-norm scales and
// shifts too, but never the batch-norm running statistics; from scratch the
// batch norms start as the identity.
func TestTinyResNetModesTrainWhatTheyShould(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	m := newTinyResNet(rng)
	net, err := m.Network()
	if err != nil {
		t.Fatal(err)
	}
	const n = 24
	d := &classify.Data{Shape: []int{tinySize, tinySize, tinyChannels}, Name: "random images", Classes: []string{"a", "b", "c"}}
	for i := 0; i < n; i++ {
		d.Y = append(d.Y, i%3)
		for j := 0; j < tinySize*tinySize*tinyChannels; j++ {
			d.X = append(d.X, float32(rng.Float64()))
		}
	}
	b := backend.Must()
	// InputSize resizes the 16x16 images to 20x20 inside the graph, as --size does.
	h := Head{Features: tinyFeatures, InputMean: ImageNetMean, InputStd: ImageNetStd, InputSize: 20, Classes: 3}
	if h.Mean, h.Std, err = net.FeatureStats(b, d, h); err != nil {
		t.Fatal(err)
	}
	if len(h.Mean) != 12 {
		t.Fatalf("%d features, want the 12 channels of the last block", len(h.Mean))
	}
	file := func(p string) []float32 { return m.Initializers[strings.TrimPrefix(p, "/model/onnx/")].Float }
	for _, mode := range Modes {
		fn, err := net.Classifier(mode, h)
		if err != nil {
			t.Fatal(err)
		}
		c := classify.New(b, fn, 3).Seed(5)
		if _, err := c.Fit(d, nil, classify.Config{Epochs: 2, BatchSize: 8, LearningRate: 1e-2, Seed: 5}); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		vals, trainable := variables(t, c)
		if want := len(m.Initializers); len(vals) != want { // the new head's weights and biases take the place of fc.weight and fc.bias
			t.Fatalf("%s: %d variables, want %d", mode, len(vals), want)
		}
		for p, v := range vals {
			head := strings.HasPrefix(p, "/model/head/")
			stat := strings.HasSuffix(p, ".running_mean") || strings.HasSuffix(p, ".running_var")
			wantTrainable := head || (mode != FeatureExtractor && !stat)
			if trainable[p] != wantTrainable {
				t.Errorf("%s: %s trainable %v, want %v", mode, p, trainable[p], wantTrainable)
			}
			if head {
				continue
			}
			moved := maxDiff(v, file(p))
			switch {
			case mode == Scratch && stat:
				fill := float32(0)
				if strings.HasSuffix(p, ".running_var") {
					fill = 1
				}
				for _, f := range v {
					if f != fill {
						t.Errorf("scratch: %s = %g, want the identity batch norm's %g", p, f, fill)
						break
					}
				}
			case mode == Scratch:
			case mode == FeatureExtractor || stat:
				if moved != 0 {
					t.Errorf("%s: %s moved by %g from the file's values", mode, p, moved)
				}
			default: // fine-tuned weights, batch-norm scales and shifts
				if moved == 0 {
					t.Errorf("fine-tune: %s did not move", p)
				}
			}
		}
	}
}

func TestRunReportsShapeErrors(t *testing.T) {
	m := newTinyResNet(rand.New(rand.NewPCG(1, 3)))
	net, err := m.Network()
	if err != nil {
		t.Fatal(err)
	}
	// 2 channels instead of 3: the stem convolution cannot be built.
	_, err = net.Run(backend.Must(), tensors.FromFlatDataAndDimensions(make([]float32, 2*8*8), 1, 2, 8, 8), "")
	if err == nil || !strings.Contains(err.Error(), `"conv1"`) {
		t.Errorf("wrong channel count: error %v, want one naming the stem convolution", err)
	}
}

// The frozen feature extractor trained on features computed once equals the
// same head trained through the frozen network every epoch: the same losses
// epoch by epoch, up to float32 rounding.
func TestFrozenExtractorOnCachedFeatures(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	net, err := newTinyResNet(rng).Network()
	if err != nil {
		t.Fatal(err)
	}
	random := func(n int) *classify.Data {
		d := &classify.Data{Shape: []int{tinySize, tinySize, tinyChannels}, Classes: []string{"a", "b", "c"}}
		for i := 0; i < n; i++ {
			d.Y = append(d.Y, rng.IntN(3))
			for j := 0; j < tinySize*tinySize*tinyChannels; j++ {
				d.X = append(d.X, float32(rng.Float64()))
			}
		}
		return d
	}
	train, test := random(40), random(20)
	b := backend.Must()
	h := Head{Features: tinyFeatures, InputMean: ImageNetMean, InputStd: ImageNetStd, Classes: 3}
	if h.Mean, h.Std, err = net.FeatureStats(b, train, h); err != nil {
		t.Fatal(err)
	}
	cfg := classify.Config{Epochs: 3, BatchSize: 8, LearningRate: 1e-2, Seed: 7}
	cached, err := net.fitOnFeatures(b, h, train, test, cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	fn, err := net.Classifier(FeatureExtractor, h)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := classify.New(b, fn, 3).Seed(7).Fit(train, test, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range direct.Epochs {
		c := cached.Epochs[i]
		if math.Abs(c.TrainLoss-e.TrainLoss) > 1e-4 || math.Abs(c.TestLoss-e.TestLoss) > 1e-4 || c.TestAcc != e.TestAcc {
			t.Errorf("epoch %d: cached features train/test loss %.6f/%.6f acc %.3f, through the network %.6f/%.6f acc %.3f",
				e.Epoch, c.TrainLoss, c.TestLoss, c.TestAcc, e.TrainLoss, e.TestLoss, e.TestAcc)
		}
	}
	if len(direct.Epochs) != 3 || len(cached.Epochs) != 3 || direct.Epochs[0].TrainLoss == direct.Epochs[2].TrainLoss {
		t.Fatalf("histories of %d and %d epochs, losses %v", len(direct.Epochs), len(cached.Epochs), direct.Epochs)
	}
}
