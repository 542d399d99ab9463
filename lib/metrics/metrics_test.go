package metrics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// The multi-class example of scikit-learn's classification_report docstring
// (sklearn 1.x, sklearn/metrics/_classification.py):
// y_true = [0, 1, 2, 2, 2], y_pred = [0, 0, 2, 2, 1] gives
//
//	class 0: precision 0.50 recall 1.00 f1 0.67 support 1
//	class 1: 0.00 0.00 0.00 1
//	class 2: 1.00 0.67 0.80 3
//	accuracy 0.60; macro avg 0.50 0.56 0.49; weighted avg 0.70 0.60 0.61
func TestReportScikitLearnExample(t *testing.T) {
	c, err := NewConfusion([]int{0, 1, 2, 2, 2}, []int{0, 0, 2, 2, 1}, 3)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: rows true, columns predicted.
	want := [][]int{{1, 0, 0}, {1, 0, 0}, {0, 1, 2}}
	for i := range want {
		for j := range want[i] {
			if c.Counts[i][j] != want[i][j] {
				t.Fatalf("confusion[%d][%d] = %d, want %d", i, j, c.Counts[i][j], want[i][j])
			}
		}
	}
	r := c.Report([]string{"class 0", "class 1", "class 2"})
	type row struct{ p, r, f float64 }
	wantRows := []row{{0.5, 1, 2.0 / 3}, {0, 0, 0}, {1, 2.0 / 3, 0.8}}
	for k, w := range wantRows {
		s := r.Classes[k]
		if !near(s.Precision, w.p, 1e-12) || !near(s.Recall, w.r, 1e-12) || !near(s.F1, w.f, 1e-12) {
			t.Errorf("class %d: got %+v, want %+v", k, s, w)
		}
	}
	if !near(r.Accuracy, 0.6, 1e-12) {
		t.Errorf("accuracy %g, want 0.6", r.Accuracy)
	}
	// macro: (0.5+0+1)/3, (1+0+2/3)/3, (2/3+0+0.8)/3
	if !near(r.Macro.Precision, 0.5, 1e-12) || !near(r.Macro.Recall, 5.0/9, 1e-12) || !near(r.Macro.F1, (2.0/3+0.8)/3, 1e-12) {
		t.Errorf("macro %+v", r.Macro)
	}
	// weighted (supports 1,1,3): 0.70 0.60 0.613...
	if !near(r.Weighted.Precision, 0.7, 1e-12) || !near(r.Weighted.Recall, 0.6, 1e-12) || !near(r.Weighted.F1, (2.0/3+3*0.8)/5, 1e-12) {
		t.Errorf("weighted %+v", r.Weighted)
	}
	if s := r.String(); !strings.Contains(s, "weighted avg") || !strings.Contains(s, "0.6133") {
		t.Errorf("report text:\n%s", s)
	}
}

// scikit-learn roc_curve docstring: y = [1, 1, 2, 2] with pos_label=2 and
// scores [0.1, 0.4, 0.35, 0.8] give fpr [0, 0, 0.5, 0.5, 1],
// tpr [0, 0.5, 0.5, 1, 1], thresholds [inf, 0.8, 0.4, 0.35, 0.1];
// roc_auc_score docstring of the same data: 0.75.
func TestROCScikitLearnExample(t *testing.T) {
	r, err := NewROC([]int{0, 0, 1, 1}, []float64{0.1, 0.4, 0.35, 0.8})
	if err != nil {
		t.Fatal(err)
	}
	wf := []float64{0, 0, 0.5, 0.5, 1}
	wt := []float64{0, 0.5, 0.5, 1, 1}
	wth := []float64{math.Inf(1), 0.8, 0.4, 0.35, 0.1}
	if len(r.FPR) != len(wf) {
		t.Fatalf("got %d points, want %d: %+v", len(r.FPR), len(wf), r)
	}
	for i := range wf {
		if r.FPR[i] != wf[i] || r.TPR[i] != wt[i] || r.Thresholds[i] != wth[i] {
			t.Errorf("point %d: (%g, %g, %g), want (%g, %g, %g)", i, r.FPR[i], r.TPR[i], r.Thresholds[i], wf[i], wt[i], wth[i])
		}
	}
	if a := r.AUC(); !near(a, 0.75, 1e-15) {
		t.Errorf("AUC = %g, want 0.75", a)
	}
}

// bruteAUC counts all positive/negative pairs: the definition of AUC as
// the Mann-Whitney probability, with ties worth 1/2.
func bruteAUC(y []int, s []float64) float64 {
	var win float64
	var pairs int
	for i := range y {
		for j := range y {
			if y[i] == 1 && y[j] == 0 {
				pairs++
				switch {
				case s[i] > s[j]:
					win++
				case s[i] == s[j]:
					win += 0.5
				}
			}
		}
	}
	return win / float64(pairs)
}

func TestAUCAgainstBruteForceWithTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 50; trial++ {
		n := 2 + rng.IntN(200)
		y := make([]int, n)
		s := make([]float64, n)
		for i := range y {
			y[i] = rng.IntN(2)
			// Coarse scores so that ties are frequent; positives shifted up.
			s[i] = math.Round((rng.NormFloat64()+float64(y[i]))*3) / 3
		}
		y[0], y[1] = 0, 1
		got, err := AUC(y, s)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteAUC(y, s); !near(got, want, 1e-12) {
			t.Fatalf("trial %d: AUC %g, brute force %g", trial, got, want)
		}
		// A strictly increasing map of the scores (a second sigmoid) keeps the AUC.
		s2 := make([]float64, n)
		for i := range s {
			s2[i] = 1 / (1 + math.Exp(-s[i]))
		}
		if got2, _ := AUC(y, s2); !near(got2, got, 1e-12) {
			t.Fatalf("AUC changed under a monotone map: %g vs %g", got2, got)
		}
	}
}

func TestPerfectAndInvertedScores(t *testing.T) {
	y := []int{0, 0, 0, 1, 1}
	if a, _ := AUC(y, []float64{1, 2, 3, 4, 5}); a != 1 {
		t.Errorf("perfect ranking AUC %g, want 1", a)
	}
	if a, _ := AUC(y, []float64{5, 4, 3, 2, 1}); a != 0 {
		t.Errorf("inverted ranking AUC %g, want 0", a)
	}
	if a, _ := AUC(y, []float64{1, 1, 1, 1, 1}); a != 0.5 {
		t.Errorf("constant scores AUC %g, want 0.5", a)
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name string
		err  func() error
		want string
	}{
		{"length", func() error { _, e := NewConfusion([]int{0, 1}, []int{0}, 2); return e }, "2 labels but 1"},
		{"range", func() error { _, e := NewConfusion([]int{0, 3}, []int{0, 1}, 2); return e }, "sample 1"},
		{"classes", func() error { _, e := NewConfusion([]int{0}, []int{0}, 1); return e }, "at least 2"},
		{"one class", func() error { _, e := NewROC([]int{1, 1}, []float64{0.1, 0.2}); return e }, "both classes"},
		{"nan", func() error { _, e := NewROC([]int{0, 1}, []float64{0.1, math.NaN()}); return e }, "score 1 is NaN"},
		{"nonbinary", func() error { _, e := NewROC([]int{0, 2}, []float64{0.1, 0.2}); return e }, "binary labels"},
	}
	for _, c := range cases {
		err := c.err()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}
