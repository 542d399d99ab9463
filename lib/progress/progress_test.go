package progress

import (
	"bytes"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/dataset"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/physnb/physnb/lib/backend"
)

func TestLogLinesAndHistory(t *testing.T) {
	var buf bytes.Buffer
	b := New("fit", 100).WithWriter(&buf, false)
	for i := 0; i < 100; i++ {
		if err := b.Step(1 / float64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	b.Done()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// One line per decile reached (0..10) at most, plus the final one.
	if len(lines) < 2 || len(lines) > 12 {
		t.Fatalf("got %d log lines:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[len(lines)-1], "fit 100/100") {
		t.Fatalf("last line %q", lines[len(lines)-1])
	}
	steps, losses := b.History()
	if len(steps) != 100 || losses[99] != 0.01 || steps[99] != 100 {
		t.Fatalf("history wrong: %d steps, last %v", len(steps), losses[len(losses)-1])
	}
	if _, err := b.Figure().SVG(); err != nil {
		t.Fatal(err)
	}
}

func TestNaNStopsWithClearError(t *testing.T) {
	var buf bytes.Buffer
	b := New("fit", 10).WithWriter(&buf, false)
	_ = b.Step(0.5)
	err := b.Step(math.NaN())
	if err == nil || !strings.Contains(err.Error(), "NaN at step 2") || !strings.Contains(err.Error(), "0.5") {
		t.Fatalf("want an error naming the step and last finite loss, got %v", err)
	}
	if b.Step(0.1) == nil {
		t.Fatal("the error must stick")
	}
}

func TestAttachToLoop(t *testing.T) {
	be := backend.Must()
	store := model.NewStore()
	// Fit y = 2x with one weight: the loss must fall.
	modelFn := func(scope *model.Scope, x *graph.Node) *graph.Node {
		w := scope.VariableWithValue("w", float32(0)).NodeValue(x.Graph())
		return graph.Mul(x, w)
	}
	trainer := train.NewTrainer(be, store, modelFn, loss.MeanSquaredError,
		optimizer.Adam().LearningRate(0.1).Done(), nil, nil)
	xs := [][]float32{{1}, {2}, {3}, {4}}
	ys := [][]float32{{2}, {4}, {6}, {8}}
	ds, err := dataset.InMemoryFromData(be, "line", []any{xs}, []any{ys})
	if err != nil {
		t.Fatal(err)
	}
	ds.BatchSize(4, true).Infinite(true)
	loop := train.NewLoop(trainer)
	var buf bytes.Buffer
	b := AttachToLoop(loop, "line fit", 50)
	b.WithWriter(&buf, false)
	if _, err := loop.RunSteps(ds, 50); err != nil {
		t.Fatal(err)
	}
	_, losses := b.History()
	if len(losses) != 50 || !(losses[49] < 0.1*losses[0]) {
		t.Fatalf("loss did not fall: first %v last %v (n=%d)", losses[0], losses[len(losses)-1], len(losses))
	}
	_ = tensors.FromValue(1)
}

func TestBarIsAHook(t *testing.T) {
	var buf bytes.Buffer
	b := New("fit", 0).WithWriter(&buf, false).Track("test_accuracy")
	var seen []int
	hook := Chain(nil, b.OnStep, func(s Step) error { seen = append(seen, s.Step); return nil })
	for i := 1; i <= 4; i++ {
		s := Step{Step: i, Total: 4, Epoch: (i + 1) / 2, EpochEnd: i%2 == 0, Loss: 1 / float64(i)}
		if s.EpochEnd {
			s.Metrics = map[string]float64{"test_accuracy": 0.5 + 0.1*float64(i), "learning_rate": 1e-3}
		}
		if err := hook(s); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 4 {
		t.Fatalf("the chain must reach every hook: %v", seen)
	}
	if strings.Count(buf.String(), "fit 4/4") != 1 {
		t.Fatalf("the bar must take the trainer's total and finish: %q", buf.String())
	}
	steps, acc := b.History("test_accuracy")
	if len(steps) != 4 || !math.IsNaN(acc[0]) || acc[3] != 0.9 {
		t.Fatalf("epoch metrics: %v %v", steps, acc)
	}
	if _, lr := b.History("learning_rate"); len(lr) != 0 {
		t.Fatalf("untracked metrics must not be drawn: %v", lr)
	}
	if err := b.OnStep(Step{Step: 5, Loss: math.Inf(1)}); err == nil || !strings.Contains(err.Error(), "step 5") {
		t.Fatalf("an infinite loss must stop training: %v", err)
	}
	runs := New("compare", 0).WithWriter(&buf, false)
	for _, run := range []string{"scratch", "fine-tune"} {
		for i := 1; i <= 2; i++ {
			if err := runs.OnStep(Step{Run: run, Step: i, Total: 2, Loss: float64(i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, l := runs.History("fine-tune loss"); len(l) != 4 || !math.IsNaN(l[0]) || l[3] != 2 {
		t.Fatalf("named runs get their own series: %v", l)
	}
	if Chain() != nil || OnStepFn(nil).Call(Step{}) != nil {
		t.Fatal("no hooks is the nil hook")
	}
}

// In a notebook the bar and the live plot have displays of their own: the
// frequent bar updates never replace the plot, and the plot is drawn once
// there are two points, then every plotEvery, and at the end.
func TestNotebookBarKeepsThePlot(t *testing.T) {
	b := New("fit", 0)
	b.htmlID = "bar"
	b.plotEvery = time.Hour
	shown := map[string]string{}
	updates := map[string]int{}
	b.update = func(id, h string) { shown[id] = h; updates[id]++ }
	hasPlot := func() bool {
		return strings.Contains(shown["bar-plot"], "<svg") || strings.Contains(shown["bar-plot"], "<img")
	}
	for i := 1; i <= 40; i++ {
		if err := b.Observe(i, map[string]float64{"loss": 1 / float64(i)}); err != nil {
			t.Fatal(err)
		}
		b.lastDraw = time.Time{} // as if 300 ms had passed: every step updates the bar
		if i >= 2 && !hasPlot() {
			t.Fatalf("step %d: the live plot is not on the page", i)
		}
		if strings.Contains(shown["bar"], "<svg") || strings.Contains(shown["bar"], "<img") {
			t.Fatal("the bar's display must hold only the bar")
		}
	}
	b.Done()
	if !strings.Contains(shown["bar"], "fit step 40") || !hasPlot() {
		t.Fatalf("final bar %q, plot shown: %v", shown["bar"], hasPlot())
	}
	if updates["bar"] < 40 || updates["bar-plot"] != 2 {
		t.Fatalf("bar drawn %d times (want ≥ 40), plot %d times (want 2: first time and at the end)", updates["bar"], updates["bar-plot"])
	}
}

// Metrics that first appear at the same step are ordered by name, not by the
// map's iteration, so that the live plots of two runs give each curve the
// same colour (the order of the series sets the colours).
func TestObserveOrdersNewMetricsByName(t *testing.T) {
	for range 20 {
		b := New("run", 10).WithWriter(io.Discard, false)
		if err := b.Observe(1, map[string]float64{"valid_loss": 1, "loss": 2, "seed 2 loss": 3, "accuracy": 0.5}); err != nil {
			t.Fatal(err)
		}
		if err := b.Observe(2, map[string]float64{"loss": 1, "late": 4, "b_late": 5}); err != nil {
			t.Fatal(err)
		}
		want := []string{"accuracy", "loss", "seed 2 loss", "valid_loss", "b_late", "late"}
		if !slices.Equal(b.order, want) {
			t.Fatalf("order %q, want %q", b.order, want)
		}
	}
}
