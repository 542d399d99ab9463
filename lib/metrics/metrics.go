// Package metrics scores classifiers: the confusion matrix, per-class
// precision, recall and F1 (a "classification report"), and the ROC curve with
// the area under it (AUC).
//
// For a binary classifier with positive class P and negative class N,
//
//	precision = TP / (TP + FP)       recall (= TPR) = TP / (TP + FN)
//	F1 = 2 precision recall / (precision + recall)
//	FPR = FP / (FP + TN)
//
// The ROC curve traces (FPR, TPR) as the decision threshold on a score sweeps
// from +inf down to -inf; AUC is the area under it, which equals the
// probability that a random positive scores above a random negative (ties
// count one half): the Mann-Whitney U statistic divided by n_P n_N
// (Hanley & McNeil, Radiology 143:29, 1982). Scores may be probabilities or
// logits: the curve only depends on their order, which is why applying a
// sigmoid to an output that already went through one (as the lesson's code
// does) leaves the AUC unchanged but squeezes the thresholds into (0.5, 0.73).
//
// Example:
//
//	cm, _ := metrics.NewConfusion(yTrue, yPred, 2)
//	fmt.Print(cm.Report([]string{"red", "white"}))
//	roc, _ := metrics.NewROC(yTrue, scores)
//	fmt.Printf("AUC = %.4f\n", roc.AUC())
package metrics

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Confusion is a confusion matrix: Counts[i][j] is the number of samples of
// true class i predicted as class j (rows true, columns predicted, as in
// scikit-learn).
type Confusion struct {
	Counts [][]int `json:"counts"`
}

// NewConfusion counts predictions against labels for numClasses classes.
// Labels and predictions must have the same length and lie in [0, numClasses).
func NewConfusion(yTrue, yPred []int, numClasses int) (*Confusion, error) {
	if numClasses < 2 {
		return nil, fmt.Errorf("metrics: numClasses=%d, need at least 2", numClasses)
	}
	if len(yTrue) != len(yPred) {
		return nil, fmt.Errorf("metrics: %d labels but %d predictions", len(yTrue), len(yPred))
	}
	if len(yTrue) == 0 {
		return nil, fmt.Errorf("metrics: no samples")
	}
	c := &Confusion{Counts: make([][]int, numClasses)}
	for i := range c.Counts {
		c.Counts[i] = make([]int, numClasses)
	}
	for k := range yTrue {
		t, p := yTrue[k], yPred[k]
		if t < 0 || t >= numClasses || p < 0 || p >= numClasses {
			return nil, fmt.Errorf("metrics: sample %d has label %d, prediction %d: both must be in [0, %d)", k, t, p, numClasses)
		}
		c.Counts[t][p]++
	}
	return c, nil
}

// MustConfusion is [NewConfusion] for notebook cells: it panics on error.
func MustConfusion(yTrue, yPred []int, numClasses int) *Confusion {
	c, err := NewConfusion(yTrue, yPred, numClasses)
	if err != nil {
		panic(err)
	}
	return c
}

// NumClasses is the size of the matrix.
func (c *Confusion) NumClasses() int { return len(c.Counts) }

// Total is the number of samples counted.
func (c *Confusion) Total() int {
	n := 0
	for _, row := range c.Counts {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Accuracy is the fraction on the diagonal.
func (c *Confusion) Accuracy() float64 {
	d := 0
	for i := range c.Counts {
		d += c.Counts[i][i]
	}
	return float64(d) / float64(c.Total())
}

// ClassScores are the one-vs-rest scores of one class.
type ClassScores struct {
	Name      string  `json:"class"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"` // number of true samples of the class
}

// Report holds a classification report: per class scores, their plain (macro)
// and support-weighted averages, and the accuracy.
type Report struct {
	Classes  []ClassScores `json:"classes"`
	Macro    ClassScores   `json:"macro"`
	Weighted ClassScores   `json:"weighted"`
	Accuracy float64       `json:"accuracy"`
	Total    int           `json:"total"`
}

// safeDiv returns a/b, or 0 when b is 0 (scikit-learn's zero_division=0).
func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Report computes precision, recall, F1 and support per class. names may be
// nil (classes are then called "0", "1", ...).
func (c *Confusion) Report(names []string) *Report {
	n := c.NumClasses()
	r := &Report{Classes: make([]ClassScores, n), Total: c.Total(), Accuracy: c.Accuracy()}
	r.Macro.Name, r.Weighted.Name = "macro avg", "weighted avg"
	for k := 0; k < n; k++ {
		tp := float64(c.Counts[k][k])
		var predicted, actual float64
		for i := 0; i < n; i++ {
			predicted += float64(c.Counts[i][k])
			actual += float64(c.Counts[k][i])
		}
		s := ClassScores{Name: fmt.Sprint(k), Support: int(actual)}
		if k < len(names) {
			s.Name = names[k]
		}
		s.Precision = safeDiv(tp, predicted)
		s.Recall = safeDiv(tp, actual)
		s.F1 = safeDiv(2*s.Precision*s.Recall, s.Precision+s.Recall)
		r.Classes[k] = s
		w := actual / float64(r.Total)
		r.Macro.Precision += s.Precision / float64(n)
		r.Macro.Recall += s.Recall / float64(n)
		r.Macro.F1 += s.F1 / float64(n)
		r.Weighted.Precision += w * s.Precision
		r.Weighted.Recall += w * s.Recall
		r.Weighted.F1 += w * s.F1
	}
	r.Macro.Support, r.Weighted.Support = r.Total, r.Total
	return r
}

// String formats the report as a table in the layout of scikit-learn's
// classification_report.
func (r *Report) String() string {
	width := len("weighted avg")
	for _, c := range r.Classes {
		width = max(width, len(c.Name))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s %10s %10s %10s %10s\n\n", width, "", "precision", "recall", "f1-score", "support")
	row := func(s ClassScores) {
		fmt.Fprintf(&b, "%*s %10.4f %10.4f %10.4f %10d\n", width, s.Name, s.Precision, s.Recall, s.F1, s.Support)
	}
	for _, c := range r.Classes {
		row(c)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "%*s %10s %10s %10.4f %10d\n", width, "accuracy", "", "", r.Accuracy, r.Total)
	row(r.Macro)
	row(r.Weighted)
	return b.String()
}

// String prints the matrix with true classes as rows.
func (c *Confusion) String() string {
	var b strings.Builder
	for _, row := range c.Counts {
		for j, v := range row {
			if j > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "%6d", v)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// ROC is a receiver operating characteristic curve: the points (FPR[i], TPR[i])
// are reached by predicting "positive" for every score >= Thresholds[i].
// The first point is (0, 0) with threshold +Inf; only thresholds where the
// curve changes are kept (scores that tie form one point), as in scikit-learn's
// roc_curve with drop_intermediate=False.
type ROC struct {
	FPR, TPR, Thresholds []float64
	Positives, Negatives int
}

// NewROC builds the ROC curve of scores against binary labels (1 = positive,
// 0 = negative). Both classes must be present; scores must not be NaN.
func NewROC(yTrue []int, scores []float64) (*ROC, error) {
	if len(yTrue) != len(scores) {
		return nil, fmt.Errorf("metrics: %d labels but %d scores", len(yTrue), len(scores))
	}
	idx := make([]int, len(scores))
	r := &ROC{}
	for i := range idx {
		idx[i] = i
		switch yTrue[i] {
		case 0:
			r.Negatives++
		case 1:
			r.Positives++
		default:
			return nil, fmt.Errorf("metrics: ROC needs binary labels 0/1, sample %d has %d", i, yTrue[i])
		}
		if math.IsNaN(scores[i]) {
			return nil, fmt.Errorf("metrics: score %d is NaN", i)
		}
	}
	if r.Positives == 0 || r.Negatives == 0 {
		return nil, fmt.Errorf("metrics: ROC needs both classes, got %d positives and %d negatives", r.Positives, r.Negatives)
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	r.FPR, r.TPR, r.Thresholds = []float64{0}, []float64{0}, []float64{math.Inf(1)}
	tp, fp := 0, 0
	for k, i := range idx {
		if yTrue[i] == 1 {
			tp++
		} else {
			fp++
		}
		// Emit a point only after the last of a run of equal scores.
		if k+1 < len(idx) && scores[idx[k+1]] == scores[i] {
			continue
		}
		r.FPR = append(r.FPR, float64(fp)/float64(r.Negatives))
		r.TPR = append(r.TPR, float64(tp)/float64(r.Positives))
		r.Thresholds = append(r.Thresholds, scores[i])
	}
	return r, nil
}

// MustROC is [NewROC] for notebook cells: it panics on error.
func MustROC(yTrue []int, scores []float64) *ROC {
	r, err := NewROC(yTrue, scores)
	if err != nil {
		panic(err)
	}
	return r
}

// AUC is the area under the curve by the trapezoidal rule. Because the curve
// steps diagonally through tied scores, this equals the Mann-Whitney
// probability P(score+ > score-) + P(score+ = score-)/2 exactly.
func (r *ROC) AUC() float64 {
	a := 0.0
	for i := 1; i < len(r.FPR); i++ {
		a += (r.FPR[i] - r.FPR[i-1]) * (r.TPR[i] + r.TPR[i-1]) / 2
	}
	return a
}

// AUC is shorthand for NewROC(yTrue, scores).AUC().
func AUC(yTrue []int, scores []float64) (float64, error) {
	r, err := NewROC(yTrue, scores)
	if err != nil {
		return 0, err
	}
	return r.AUC(), nil
}

// Accuracy is the fraction of equal entries.
func Accuracy(yTrue, yPred []int) (float64, error) {
	if len(yTrue) != len(yPred) || len(yTrue) == 0 {
		return 0, fmt.Errorf("metrics: accuracy of %d labels vs %d predictions", len(yTrue), len(yPred))
	}
	ok := 0
	for i := range yTrue {
		if yTrue[i] == yPred[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(yTrue)), nil
}

// Threshold turns scores into 0/1 predictions: 1 where score >= t.
func Threshold(scores []float64, t float64) []int {
	out := make([]int, len(scores))
	for i, s := range scores {
		if s >= t {
			out[i] = 1
		}
	}
	return out
}
