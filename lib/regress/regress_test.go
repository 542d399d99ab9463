package regress

import (
	"math"
	"strings"
	"testing"
)

// A smooth function of one variable must be learned to a small error: sin on
// [-3, 3] (amplitude 1) with a 16-16 tanh network and 1500 Adam steps.
func TestFitsSine(t *testing.T) {
	var xs, ys []float64
	for i := 0; i < 200; i++ {
		x := -3 + 6*float64(i)/199
		xs, ys = append(xs, x), append(ys, math.Sin(x))
	}
	fit, err := New().Hidden(16, 16).Steps(1500).Quiet().Fit(xs, ys)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := fit.Predict(xs)
	if err != nil {
		t.Fatal(err)
	}
	var se float64
	for i := range xs {
		se += (pred[i] - ys[i]) * (pred[i] - ys[i])
	}
	if rmse := math.Sqrt(se / float64(len(xs))); rmse > 0.05 {
		t.Fatalf("RMSE %.4f > 0.05", rmse)
	}
	if len(fit.Losses) != 1500 || !(fit.Losses[len(fit.Losses)-1] < fit.Losses[0]) {
		t.Fatalf("loss curve: %d points, first %v last %v", len(fit.Losses), fit.Losses[0], fit.Losses[len(fit.Losses)-1])
	}
}

func TestBadInput(t *testing.T) {
	cases := map[string]struct {
		c      *Config
		xs, ys []float64
		want   string
	}{
		"lengths": {New(), []float64{1, 2}, []float64{1}, "2 x values but 1"},
		"nan":     {New(), []float64{1, math.NaN()}, []float64{1, 2}, "sample 1 is not finite"},
		"steps":   {New().Steps(0), []float64{1, 2}, []float64{1, 2}, "steps = 0"},
		"lr":      {New().LearningRate(-1), []float64{1, 2}, []float64{1, 2}, "learning rate"},
	}
	for name, tc := range cases {
		_, err := tc.c.Quiet().Fit(tc.xs, tc.ys)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", name, err, tc.want)
		}
	}
}
