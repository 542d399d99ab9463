package classify

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/metrics"
	"github.com/physnb/physnb/lib/plots"
)

// blobs returns two Gaussian clouds in 2-D, labels 0 and 1.
func blobs(n int, seed uint64) *Data {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &Data{Shape: []int{2}, Classes: []string{"a", "b"}, Name: "blobs"}
	for i := 0; i < n; i++ {
		y := i % 2
		d.X = append(d.X, float32(rng.NormFloat64()+2*float64(y)), float32(rng.NormFloat64()))
		d.Y = append(d.Y, y)
	}
	return d
}

// mlp is a one-hidden-layer network with one logit (the wine classifier's shape).
func mlp(hidden int) ModelFn {
	return func(scope *model.Scope, x *Node) *Node {
		h := activation.Relu(layers.DenseWithBias(scope.In("fc1"), x, hidden))
		return layers.DenseWithBias(scope.In("fc2"), h, 1)
	}
}

func probs(t *testing.T, c *Classifier, d *Data) []float64 {
	p, err := c.Probabilities(d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// StepLR must reach the optimizer: with the rate multiplied by 1e-12 after
// the first epoch, epochs 2 and 3 leave the model where epoch 1 left it;
// without the schedule they move it.
func TestStepLRReachesTheOptimizer(t *testing.T) {
	b := backend.Must()
	d := blobs(256, 3)
	run := func(epochs, step int, gamma float64) []float64 {
		c := New(b, mlp(8), 1).Seed(5)
		if _, err := c.Fit(d, nil, Config{Epochs: epochs, BatchSize: 32, LearningRate: 1e-2, Seed: 9, LRStep: step, LRGamma: gamma}); err != nil {
			t.Fatal(err)
		}
		return probs(t, c, d)
	}
	one := run(1, 0, 0)
	frozen := run(3, 1, 1e-12)
	free := run(3, 0, 0)
	if dd := maxAbsDiff(one, frozen); dd > 1e-5 {
		t.Errorf("with the rate cut to 1e-14 after epoch 1 the model still moved by %g", dd)
	}
	if dd := maxAbsDiff(one, free); dd < 1e-3 {
		t.Errorf("without the schedule epochs 2-3 changed the model by only %g: the test cannot tell", dd)
	}
}

// Weight decay must shrink the weights: the same run with a large L2 ends
// with smaller |logits|.
func TestWeightDecayShrinks(t *testing.T) {
	b := backend.Must()
	d := blobs(256, 4)
	meanAbsLogit := func(wd float64) float64 {
		c := New(b, mlp(8), 1).Seed(5)
		if _, err := c.Fit(d, nil, Config{Epochs: 5, BatchSize: 32, LearningRate: 1e-2, Seed: 9, WeightDecay: wd}); err != nil {
			t.Fatal(err)
		}
		z, err := c.Logits(d)
		if err != nil {
			t.Fatal(err)
		}
		s := 0.0
		for _, v := range z {
			s += math.Abs(float64(v))
		}
		return s / float64(len(z))
	}
	if plain, decayed := meanAbsLogit(0), meanAbsLogit(1); !(decayed < 0.7*plain) {
		t.Errorf("mean |logit| %g with weight decay 1 vs %g without", decayed, plain)
	}
}

func TestFitRejectsBadInput(t *testing.T) {
	b := backend.Must()
	d := blobs(64, 1)
	c := New(b, mlp(4), 1)
	if _, err := c.Fit(d, nil, Config{Epochs: 1, BatchSize: 0, LearningRate: 1e-3}); err == nil {
		t.Error("batch size 0 accepted")
	}
	if _, err := c.Fit(d, nil, Config{Epochs: 1, BatchSize: 8, LearningRate: 1e-3, LRStep: 2, LRGamma: 2}); err == nil || !strings.Contains(err.Error(), "(0, 1]") {
		t.Errorf("LRGamma 2: %v", err)
	}
	bad := blobs(64, 2)
	bad.Y[5] = 7
	if _, err := c.Fit(bad, nil, Config{Epochs: 1, BatchSize: 8, LearningRate: 1e-3}); err == nil || !strings.Contains(err.Error(), "sample 5") {
		t.Errorf("label 7: %v", err)
	}
	if _, err := c.Fit(d, nil, Config{Epochs: 1, BatchSize: 8, LearningRate: 1e-3}); err != nil {
		t.Fatal(err)
	}
	// Samples of another shape (3 features for a model trained on 2).
	other := &Data{X: make([]float32, 12), Shape: []int{3}, Y: make([]int, 4), Classes: []string{"a", "b"}, Name: "wrong"}
	if _, err := c.Logits(other); err == nil || !strings.Contains(err.Error(), "shape [3]") {
		t.Errorf("wrong sample shape: %v", err)
	}
	nan := blobs(8, 3)
	nan.X[3] = float32(math.NaN())
	if err := nan.Validate(); err == nil || !strings.Contains(err.Error(), "sample 1") {
		t.Errorf("NaN input: %v", err)
	}
}

// Row fractions by hand: true a = [3, 1] -> 0.750, 0.250; true b = [0, 4] ->
// 0.000, 1.000; a class with no samples gives a row of zeros, not NaN.
func TestPlotConfusion(t *testing.T) {
	cm := metrics.MustConfusion([]int{0, 0, 0, 0, 1, 1, 1, 1}, []int{0, 0, 0, 1, 1, 1, 1, 1}, 2)
	s, err := plots.SVG(PlotConfusion("cm", cm, []string{"a", "b"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">0.750<", ">0.250<", ">0.000<", ">1.000<", ">a<", ">b<"} {
		if !strings.Contains(s, want) {
			t.Errorf("%s missing from the figure", want)
		}
	}
	empty := metrics.MustConfusion([]int{0, 0}, []int{0, 2}, 3)
	if err := PlotConfusion("cm", empty, []string{"a", "b", "c"}).Err(); err != nil {
		t.Errorf("a class without samples: %v", err)
	}
}
