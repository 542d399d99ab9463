package transfer

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/transfer/internal/nettest"
	"github.com/physnb/physnb/lib/transfer/netgraph"
)

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
	m := nettest.NewTinyResNet(rng)
	net, err := netgraph.New(m)
	if err != nil {
		t.Fatal(err)
	}
	const n = 24
	d := &classify.Data{Shape: []int{nettest.TinySize, nettest.TinySize, nettest.TinyChannels}, Name: "random images", Classes: []string{"a", "b", "c"}}
	for i := 0; i < n; i++ {
		d.Y = append(d.Y, i%3)
		for j := 0; j < nettest.TinySize*nettest.TinySize*nettest.TinyChannels; j++ {
			d.X = append(d.X, float32(rng.Float64()))
		}
	}
	b := backend.Must()
	// InputSize resizes the 16x16 images to 20x20 inside the graph, as --size does.
	h := Head{Features: nettest.TinyFeatures, InputMean: ImageNetMean, InputStd: ImageNetStd, InputSize: 20, Classes: 3}
	if h.Mean, h.Std, err = FeatureStats(b, net, d, h); err != nil {
		t.Fatal(err)
	}
	if len(h.Mean) != 12 {
		t.Fatalf("%d features, want the 12 channels of the last block", len(h.Mean))
	}
	file := func(p string) []float32 { return m.Initializers[strings.TrimPrefix(p, "/model/onnx/")].Float }
	for _, mode := range Modes {
		fn, err := Classifier(net, mode, h)
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

// The frozen feature extractor trained on features computed once equals the
// same head trained through the frozen network every epoch: the same losses
// epoch by epoch, up to float32 rounding.
func TestFrozenExtractorOnCachedFeatures(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	net, err := netgraph.New(nettest.NewTinyResNet(rng))
	if err != nil {
		t.Fatal(err)
	}
	random := func(n int) *classify.Data {
		d := &classify.Data{Shape: []int{nettest.TinySize, nettest.TinySize, nettest.TinyChannels}, Classes: []string{"a", "b", "c"}}
		for i := 0; i < n; i++ {
			d.Y = append(d.Y, rng.IntN(3))
			for j := 0; j < nettest.TinySize*nettest.TinySize*nettest.TinyChannels; j++ {
				d.X = append(d.X, float32(rng.Float64()))
			}
		}
		return d
	}
	train, test := random(40), random(20)
	b := backend.Must()
	h := Head{Features: nettest.TinyFeatures, InputMean: ImageNetMean, InputStd: ImageNetStd, Classes: 3}
	if h.Mean, h.Std, err = FeatureStats(b, net, train, h); err != nil {
		t.Fatal(err)
	}
	cfg := classify.Config{Epochs: 3, BatchSize: 8, LearningRate: 1e-2, Seed: 7}
	cached, err := fitOnFeatures(b, net, h, train, test, cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	fn, err := Classifier(net, FeatureExtractor, h)
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
