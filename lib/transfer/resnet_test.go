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

// tinyResNet builds, node by node, a ResNet-shaped ONNX graph with random
// weights and evaluates the same network with the host loops of
// ops_test.go. It has what a torchvision or model-zoo ResNet-18 export has:
// a stride-2 stem convolution with batch norm, ReLU and a 3x3/stride-2 max
// pool, a basic block with an identity skip connection, a downsampling block
// (stride-2 3x3 convolution, 1x1 stride-2 convolution on the shortcut),
// global average pooling, Flatten and a Gemm head with transB = 1.
type tinyResNet struct {
	ws    *weights
	nodes []*Op
	host  map[string]*img // the host's value of each graph value
	last  string
}

const (
	tinyChannels = 3
	tinySize     = 16
	tinyClasses  = 5
	tinyFeatures = "pooled" // the Flatten output, the head's input
)

func (r *tinyResNet) node(op, out string, inputs []string, a map[string]*Attribute) {
	if a == nil {
		a = map[string]*Attribute{}
	}
	r.nodes = append(r.nodes, &Op{Name: out + "_node", OpType: op, Inputs: inputs, Outputs: []string{out}, Attrs: a})
	r.last = out
}

// convBN is Conv (no bias, as torchvision's) followed by BatchNormalization.
func (r *tinyResNet) convBN(in, out string, o, k, s, p int) {
	x := r.host[in]
	w := r.ws.add(out+"_w", -0.5, 0.5, int64(o), int64(x.c), int64(k), int64(k))
	r.node("Conv", out+"_conv", []string{in, out + "_w"}, attrs("kernel_shape", []int64{int64(k), int64(k)},
		"strides", []int64{int64(s), int64(s)}, "pads", []int64{int64(p), int64(p), int64(p), int64(p)}))
	c := hostConv(x, w, o, k, s, pads{p, p, p, p}, nil)
	g, b := r.ws.add(out+"_gamma", 0.5, 1.5, int64(o)), r.ws.add(out+"_beta", -0.5, 0.5, int64(o))
	m, v := r.ws.add(out+"_mean", -0.3, 0.3, int64(o)), r.ws.add(out+"_var", 0.5, 2, int64(o))
	r.node("BatchNormalization", out, []string{out + "_conv", out + "_gamma", out + "_beta", out + "_mean", out + "_var"}, attrs("epsilon", float32(1e-5)))
	r.host[out] = hostBatchNorm(c, g, b, m, v, 1e-5)
}

func (r *tinyResNet) relu(in, out string) {
	r.node("Relu", out, []string{in}, nil)
	r.host[out] = hostRelu(r.host[in])
}

func (r *tinyResNet) add(a, b, out string) {
	r.node("Add", out, []string{a, b}, nil)
	r.host[out] = hostAdd(r.host[a], r.host[b])
}

// block is a basic residual block; stride 2 adds the 1x1 downsampling shortcut.
func (r *tinyResNet) block(in, out string, o, s int) {
	r.convBN(in, out+"_a", o, 3, s, 1)
	r.relu(out+"_a", out+"_ar")
	r.convBN(out+"_ar", out+"_b", o, 3, 1, 1)
	short := in
	if s != 1 {
		r.convBN(in, out+"_down", o, 1, s, 0)
		short = out + "_down"
	}
	r.add(out+"_b", short, out+"_sum")
	r.relu(out+"_sum", out)
}

func newTinyResNet(rng *rand.Rand, x *img) (*Model, []float64) {
	r := &tinyResNet{ws: &weights{rng, map[string]*Tensor{}}, host: map[string]*img{"X": x}}
	r.convBN("X", "stem", 8, 5, 2, 2) // 16x16 -> 8x8
	r.relu("stem", "stem_r")
	r.node("MaxPool", "pool", []string{"stem_r"}, attrs("kernel_shape", []int64{3, 3}, "strides", []int64{2, 2}, "pads", []int64{1, 1, 1, 1}))
	r.host["pool"] = hostMaxPool(r.host["stem_r"], 3, 2, pads{1, 1, 1, 1}) // 8x8 -> 4x4
	r.block("pool", "layer1", 8, 1)
	r.block("layer1", "layer2", 12, 2) // 4x4 -> 2x2
	r.node("GlobalAveragePool", "gap", []string{"layer2"}, nil)
	r.node("Flatten", tinyFeatures, []string{"gap"}, attrs("axis", int64(1)))
	feat := hostGlobalAverage(r.host["layer2"])
	w, b := r.ws.add("fc_w", -0.5, 0.5, tinyClasses, 12), r.ws.add("fc_b", -0.5, 0.5, tinyClasses)
	r.node("Gemm", "logits", []string{tinyFeatures, "fc_w", "fc_b"}, attrs("transB", int64(1), "alpha", float32(1), "beta", float32(1)))
	m := &Model{Nodes: r.nodes, Initializers: r.ws.init, Opset: 11,
		Inputs:  []ValueInfo{{Name: "X", Dims: []int64{-1, tinyChannels, tinySize, tinySize}}},
		Outputs: []ValueInfo{{Name: "logits", Dims: []int64{-1, tinyClasses}}}}
	return m, hostGemmTransB(feat, x.b, 12, w, tinyClasses, b)
}

// The tiny ResNet goes through the file format (write, read back) and its
// forward pass matches the host loops.
func TestTinyResNetForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	x, xf := randomImage(rng, 3, tinyChannels, tinySize, tinySize)
	m, want := newTinyResNet(rng, x)
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
	x, _ := randomImage(rng, 1, tinyChannels, tinySize, tinySize)
	m, _ := newTinyResNet(rng, x)
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
	h := Head{Features: tinyFeatures, InputScale: 1, InputMean: ImageNetMean, InputStd: ImageNetStd, InputSize: 20, Classes: 3}
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
		for p, v := range vals {
			head := strings.HasPrefix(p, "/model/head/")
			stat := strings.HasSuffix(p, "_mean") || strings.HasSuffix(p, "_var")
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
				if strings.HasSuffix(p, "_var") {
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
			case strings.HasSuffix(p, "_w") || strings.HasSuffix(p, "_gamma") || strings.HasSuffix(p, "_beta"):
				if moved == 0 {
					t.Errorf("fine-tune: %s did not move", p)
				}
			}
		}
	}
}

func TestRunReportsShapeErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	x, _ := randomImage(rng, 1, tinyChannels, tinySize, tinySize)
	m, _ := newTinyResNet(rng, x)
	net, err := m.Network()
	if err != nil {
		t.Fatal(err)
	}
	// 2 channels instead of 3: the stem convolution cannot be built.
	_, err = net.Run(backend.Must(), tensors.FromFlatDataAndDimensions(make([]float32, 2*8*8), 1, 2, 8, 8), "")
	if err == nil || !strings.Contains(err.Error(), "stem_conv") {
		t.Errorf("wrong channel count: error %v, want one naming the stem convolution", err)
	}
}
