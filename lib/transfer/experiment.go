package transfer

import (
	"fmt"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/vision"
)

// MNIST8Features is the value of mnist-8 used as features: the output of its
// second max-pool, 16 x 4 x 4 = 256 numbers per image.
const MNIST8Features = "Pooling160_Output_0"

// Experiment configures the offline transfer-learning comparison: mnist-8
// (pretrained on MNIST digits) on a new labelled budget of Target images.
type Experiment struct {
	Target    string // "digits" (scikit-learn 8x8 digits) or vision.FashionMNIST
	Labels    int    // labelled training images
	TestLimit int    // test images (0: the rest of digits, or all 10000 Fashion-MNIST test images)
	Epochs    int
	Seed      uint64
	OnEpoch   func(Mode, classify.EpochStats)
}

// Outcome is what [Experiment.Run] measured.
type Outcome struct {
	Target      string
	References  []Reference // mnist-8 against the model zoo's outputs
	ZeroShotAcc float64     // digits only: mnist-8 as it is, no training (NaN otherwise)
	Train, Test *classify.Data
	Results     []Result
}

// LoadMNIST8 reads the pretrained network through the data layer.
func LoadMNIST8() (*Network, string, error) {
	p, err := data.Path(data.MNIST8Model)
	if err != nil {
		return nil, "", err
	}
	m, err := ReadONNX(p)
	if err != nil {
		return nil, "", err
	}
	n, err := m.Network()
	return n, p, err
}

// Run checks mnist-8 against its reference outputs, then trains the three
// modes on the same labelled images and tests them on the same held-out set.
func (e Experiment) Run(b compute.Backend) (*Outcome, error) {
	if e.Labels < 10 || e.Epochs < 1 {
		return nil, fmt.Errorf("transfer: need at least 10 labels and 1 epoch, got %d and %d", e.Labels, e.Epochs)
	}
	net, path, err := LoadMNIST8()
	if err != nil {
		return nil, err
	}
	out := &Outcome{Target: e.Target}
	if out.References, err = net.CheckReferences(b, path); err != nil {
		return nil, err
	}
	switch e.Target {
	case "digits":
		d, err := vision.LoadDigits()
		if err != nil {
			return nil, err
		}
		tr, te, err := d.Split(0.5, e.Seed)
		if err != nil {
			return nil, err
		}
		out.Train, out.Test = tr.Head(e.Labels), te.Head(e.TestLimit)
		zs := classify.New(b, func(scope *model.Scope, x *Node) *Node {
			return net.Forward(scope.In("onnx"), TransposeAllAxes(MulScalar(x, 255), 0, 3, 1, 2), "")
		}, 10)
		ev, err := zs.Evaluate(out.Test)
		if err != nil {
			return nil, err
		}
		out.ZeroShotAcc = ev.Accuracy
	case vision.FashionMNIST:
		if out.Train, out.Test, err = vision.LoadImages(vision.FashionMNIST, e.Labels, e.TestLimit); err != nil {
			return nil, err
		}
		out.ZeroShotAcc = -1
	default:
		return nil, fmt.Errorf("transfer: target %q, want \"digits\" or %q", e.Target, vision.FashionMNIST)
	}
	if out.Train.Len() < e.Labels {
		return nil, fmt.Errorf("transfer: only %d training images for a budget of %d labels", out.Train.Len(), e.Labels)
	}
	mu, sd, err := net.FeatureStats(b, out.Train, MNIST8Features, 255)
	if err != nil {
		return nil, err
	}
	h := Head{Features: MNIST8Features, InputScale: 255, Classes: 10, Mean: mu, Std: sd}
	for _, mode := range Modes {
		fn, err := net.Classifier(mode, h)
		if err != nil {
			return nil, err
		}
		mode := mode
		cfg := classify.Config{Epochs: e.Epochs, BatchSize: 32, LearningRate: 1e-3, Seed: e.Seed}
		if e.OnEpoch != nil {
			cfg.OnEpoch = func(s classify.EpochStats) { e.OnEpoch(mode, s) }
		}
		c := classify.New(b, fn, 10).Seed(int64(e.Seed))
		hist, err := c.Fit(out.Train, out.Test, cfg)
		if err != nil {
			return nil, fmt.Errorf("transfer: %s: %w", mode, err)
		}
		out.Results = append(out.Results, Result{Mode: mode, History: hist, TestAcc: hist.Last().TestAcc, TestLoss: hist.Last().TestLoss})
	}
	return out, nil
}
