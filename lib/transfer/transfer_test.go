package transfer

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/transfer/internal/nettest"
	"github.com/physnb/physnb/lib/transfer/modelfile"
	"github.com/physnb/physnb/lib/transfer/netgraph"
	"github.com/physnb/physnb/lib/vision"
)

// After training, a frozen feature extractor still holds the file's weights,
// fine-tuning has moved them, and the from-scratch network never had them.
func TestModesFreezeFineTuneScratch(t *testing.T) {
	p := nettest.MNIST8(t)
	m, err := modelfile.ReadONNX(p)
	if err != nil {
		t.Fatal(err)
	}
	net, err := netgraph.New(m)
	if err != nil {
		t.Fatal(err)
	}
	d, err := vision.LoadDigits()
	if err != nil {
		t.Skipf("digits: %v", err)
	}
	tr := d.Head(64)
	b := backend.Must()
	h := Head{Features: MNIST8Features, InputScale: 255, Classes: 10}
	mu, sd, err := FeatureStats(b, net, tr, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(mu) != 256 {
		t.Fatalf("%d features, want 16*4*4 = 256", len(mu))
	}
	h.Mean, h.Std = mu, sd
	want := m.Initializers["Parameter5"].Float // first conv kernel [8, 1, 5, 5]
	for _, mode := range Modes {
		fn, err := Classifier(net, mode, h)
		if err != nil {
			t.Fatal(err)
		}
		c := classify.New(b, fn, 10).Seed(3)
		if _, err := c.Fit(tr, nil, classify.Config{Epochs: 2, BatchSize: 16, LearningRate: 1e-2, Seed: 3}); err != nil {
			t.Fatal(err)
		}
		v := c.Store.GetVariable("/model/onnx/Parameter5")
		if v == nil {
			t.Fatalf("%s: no variable /model/onnx/Parameter5", mode)
		}
		got := tensors.MustCopyFlatData[float32](v.MustValue())
		diff := 0.0
		n := min(len(got), len(want))
		for i := 0; i < n; i++ {
			diff = math.Max(diff, math.Abs(float64(got[i]-want[i])))
		}
		switch mode {
		case FeatureExtractor:
			if diff != 0 || v.Trainable {
				t.Errorf("frozen weights moved by %g (trainable %v)", diff, v.Trainable)
			}
		case FineTune:
			if diff == 0 || !v.Trainable {
				t.Errorf("fine-tuned weights did not move (trainable %v)", v.Trainable)
			}
		case Scratch:
			if diff < 1e-3 {
				t.Errorf("the scratch network holds the pretrained weights (max diff %g)", diff)
			}
		}
	}
	if _, err := Classifier(net, Mode("bogus"), h); err == nil {
		t.Error("unknown mode accepted")
	}
	h.Features = "no such value"
	if _, err := Classifier(net, FineTune, h); err == nil {
		t.Error("unknown feature value accepted")
	}
}
