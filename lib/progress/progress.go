// Package progress shows how a training run is going, wherever it runs:
// in a GoNB notebook, an HTML progress bar with a live plot of the loss; in a
// terminal, one progress line on stderr (a line every 10% when stderr is a log
// file, as in CI).
//
// It works with any hand-written loop:
//
//	p := progress.New("training", steps).Reference("exact bound", lnZ)
//	for i := 0; i < steps; i++ {
//		loss := trainStep()
//		if err := p.Step(loss); err != nil {   // NaN or Inf stops the run with a clear error
//			return err
//		}
//	}
//	p.Done()
//	steps, losses := p.History()
//
// with every physnb trainer, whose hook is an [OnStepFn] (a Bar's OnStep method
// is one):
//
//	exp.OnStep = progress.New("training", 0).OnStep
//
// and with GoMLX's train.Loop through [AttachToLoop].
//
// Updates are throttled (a few per second), so calling Step on every training
// step costs next to nothing.
package progress

import (
	"fmt"
	"html"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/physnb/physnb/lib/plots"
)

// Bar tracks one run of total steps.
type Bar struct {
	mu           sync.Mutex
	name         string
	total        int
	step         int
	start        time.Time
	lastDraw     time.Time
	lastPlot     time.Time
	lastLine     int // last decile printed to a non-terminal
	lastLineStep int // the step of that line
	steps        []float64
	values       map[string][]float64
	order        []string
	refs         []ref
	logY         bool
	plot         bool
	htmlID       string
	out          io.Writer
	isTTY        bool
	done         bool
	err          error
	plotEvery    time.Duration
	yLabel       string
	tracked      map[string]bool       // metrics OnStep records besides the losses
	update       func(id, html string) // the notebook display (gonbui.UpdateHTML; tests replace it)
}

type ref struct {
	name  string
	value float64
}

// New starts tracking a run of total steps (0 if unknown).
func New(name string, total int) *Bar {
	b := &Bar{name: name, total: total, start: time.Now(), values: map[string][]float64{},
		plot: true, out: os.Stderr, lastLine: -1, plotEvery: 2 * time.Second}
	if st, err := os.Stderr.Stat(); err == nil {
		b.isTTY = st.Mode()&os.ModeCharDevice != 0
	}
	if gonbui.IsNotebook {
		b.htmlID = "physnb-progress-" + gonbui.UniqueID()
	}
	return b
}

// Reference adds a dashed horizontal line to the live plot (an exact bound, a target).
func (b *Bar) Reference(name string, value float64) *Bar {
	b.refs = append(b.refs, ref{name, value})
	return b
}

// YLabel names the quantity on the live plot's y axis (default "loss").
func (b *Bar) YLabel(label string) *Bar { b.yLabel = label; return b }

// LogY draws the live loss plot on a logarithmic axis.
func (b *Bar) LogY() *Bar { b.logY = true; return b }

// NoPlot turns the live plot off (the bar remains).
func (b *Bar) NoPlot() *Bar { b.plot = false; return b }

// WithWriter sends terminal output to w instead of stderr (tests, logs).
func (b *Bar) WithWriter(w io.Writer, isTerminal bool) *Bar {
	b.out, b.isTTY = w, isTerminal
	return b
}

// Step records the loss of the next step. It returns an error, and records it,
// if the loss is NaN or infinite: the caller should stop training.
func (b *Bar) Step(loss float64) error {
	b.mu.Lock()
	next := b.step + 1
	b.mu.Unlock()
	return b.Observe(next, map[string]float64{"loss": loss})
}

// Observe records metrics at a given step (1-based). Metric names keep the
// order of their first appearance (sorted among those that appear at the same step); "loss" is checked for NaN and Inf, as are all others.
func (b *Bar) Observe(step int, metrics map[string]float64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	b.step = step
	b.steps = append(b.steps, float64(step))
	// New names in sorted order, not the map's: the live plot's colours
	// follow this order and must not change from one chart to the next.
	for _, name := range slices.Sorted(maps.Keys(metrics)) {
		v := metrics[name]
		if _, seen := b.values[name]; !seen {
			b.order = append(b.order, name)
			// Pad a metric that starts late, so series stay aligned with steps.
			b.values[name] = make([]float64, len(b.steps)-1)
			for i := range b.values[name] {
				b.values[name][i] = math.NaN()
			}
		}
		b.values[name] = append(b.values[name], v)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.err = fmt.Errorf("%s: %s became %v at step %d%s", b.name, name, v, step, b.lastFinite(name))
		}
	}
	// Metrics missing at this step are NaN (not drawn).
	for _, name := range b.order {
		if _, ok := metrics[name]; !ok {
			b.values[name] = append(b.values[name], math.NaN())
		}
	}
	now := time.Now()
	if b.err != nil || now.Sub(b.lastDraw) > 300*time.Millisecond || step == b.total {
		b.drawLocked(now, false)
	}
	return b.err
}

func (b *Bar) lastFinite(name string) string {
	vs := b.values[name]
	for i := len(vs) - 2; i >= 0; i-- {
		if !math.IsNaN(vs[i]) && !math.IsInf(vs[i], 0) {
			return fmt.Sprintf(" (last finite value %.6g at step %d): lower the learning rate or check the inputs", vs[i], int(b.steps[i]))
		}
	}
	return ": check the inputs and the initialisation"
}

// Err returns the error recorded by Step/Observe, if any.
func (b *Bar) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// Done draws the final state (with the whole curve).
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	b.done = true
	b.drawLocked(time.Now(), true)
	if b.htmlID != "" {
		gonbui.Sync() // the final state reaches the notebook before the program ends
	}
}

// History returns the steps and the values of a metric ("loss" by default).
func (b *Bar) History(metric ...string) (steps, values []float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	name := "loss"
	if len(metric) > 0 {
		name = metric[0]
	}
	return append([]float64(nil), b.steps...), append([]float64(nil), b.values[name]...)
}

// Elapsed is the time since New.
func (b *Bar) Elapsed() time.Duration { return time.Since(b.start) }

func (b *Bar) summary(now time.Time) string {
	elapsed := now.Sub(b.start)
	rate := float64(b.step) / math.Max(elapsed.Seconds(), 1e-9)
	var sb strings.Builder
	if b.total > 0 {
		fmt.Fprintf(&sb, "%s %d/%d", b.name, b.step, b.total)
	} else {
		fmt.Fprintf(&sb, "%s step %d", b.name, b.step)
	}
	for _, name := range b.order {
		vs := b.values[name]
		if len(vs) > 0 && !math.IsNaN(vs[len(vs)-1]) {
			fmt.Fprintf(&sb, " · %s %.5g", name, vs[len(vs)-1])
		}
	}
	fmt.Fprintf(&sb, " · %.1f steps/s · %s", rate, elapsed.Round(100*time.Millisecond))
	if b.total > 0 && b.step < b.total && rate > 0 {
		eta := time.Duration(float64(b.total-b.step) / rate * float64(time.Second))
		fmt.Fprintf(&sb, " · ETA %s", eta.Round(time.Second))
	}
	return sb.String()
}

func (b *Bar) drawLocked(now time.Time, final bool) {
	b.lastDraw = now
	text := b.summary(now)
	if b.err != nil {
		text += " · " + b.err.Error()
	}
	if b.htmlID != "" {
		b.drawHTML(now, text, final)
		return
	}
	switch {
	case b.isTTY:
		fmt.Fprintf(b.out, "\r\033[K%s", text)
		if final || b.err != nil {
			fmt.Fprintln(b.out)
		}
	default:
		decile := -1
		if b.total > 0 {
			decile = 10 * b.step / b.total
		}
		if (final && b.step != b.lastLineStep) || b.err != nil || decile > b.lastLine {
			fmt.Fprintln(b.out, text)
			b.lastLine, b.lastLineStep = decile, b.step
		}
	}
}

// drawHTML updates the bar and the live plot in two displays of their own
// (ids htmlID and htmlID+"-plot"): the bar at every update, the plot every
// plotEvery and at the end, so that a bar update never erases the plot.
func (b *Bar) drawHTML(now time.Time, text string, final bool) {
	frac := 0.0
	if b.total > 0 {
		frac = math.Min(1, float64(b.step)/float64(b.total))
	}
	colour := "#0072b2"
	if b.err != nil {
		colour = "#c00"
	}
	update := b.update
	if update == nil {
		update = gonbui.UpdateHTML
	}
	update(b.htmlID, fmt.Sprintf(`<div style="font-family:sans-serif;font-size:13px">`+
		`<div style="width:420px;height:12px;border:1px solid #999;border-radius:3px">`+
		`<div style="width:%.1f%%;height:100%%;background:%s"></div></div>`+
		`<div style="margin:3px 0 6px 0">%s</div></div>`, 100*frac, colour, html.EscapeString(text)))
	if b.plot && len(b.steps) > 1 && (final || b.lastPlot.IsZero() || now.Sub(b.lastPlot) > b.plotEvery) {
		b.lastPlot = now
		update(b.htmlID+"-plot", "<div>"+plots.HTML(b.figure())+"</div>")
	}
}

// Figure returns the curves recorded so far as a figure.
func (b *Bar) Figure() *plots.Figure {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.figure()
}

func (b *Bar) figure() *plots.Figure {
	yLabel := b.yLabel
	if yLabel == "" {
		yLabel = "loss"
	}
	f := plots.New(b.name, "training step", yLabel).WithSize(14, 8)
	for _, name := range b.order {
		xs, ys := finitePoints(b.steps, b.values[name], b.logY)
		f.Line(name, xs, ys)
	}
	for _, r := range b.refs {
		f.HLine(r.name, r.value)
	}
	if b.logY {
		f.LogY()
	}
	return f
}

func finitePoints(xs, ys []float64, positive bool) (fx, fy []float64) {
	for i := range ys {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) || (positive && ys[i] <= 0) {
			continue
		}
		fx, fy = append(fx, xs[i]), append(fy, ys[i])
	}
	return
}

// AttachToLoop reports a GoMLX train.Loop's progress with a Bar: the loss (the
// loop's first metric) and any other scalar metrics are recorded at each step.
// The returned Bar holds the history once the loop has run.
func AttachToLoop(loop *train.Loop, name string, totalSteps int) *Bar {
	b := New(name, totalSteps)
	loop.OnStep("physnb-progress", 0, func(loop *train.Loop, metrics []*tensors.Tensor) error {
		values := map[string]float64{}
		for i, m := range metrics {
			if i >= len(loop.Trainer.TrainMetrics()) || !m.Shape().IsScalar() {
				continue
			}
			mName := strings.ToLower(loop.Trainer.TrainMetrics()[i].Name())
			if i == 0 {
				mName = "loss"
			}
			values[mName] = scalarFloat(m)
		}
		return b.Observe(int(loop.LoopStep)+1, values)
	})
	loop.OnEnd("physnb-progress", 0, func(loop *train.Loop, metrics []*tensors.Tensor) error {
		b.Done()
		return nil
	})
	return b
}

func scalarFloat(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	case int32:
		return float64(v)
	case int64:
		return float64(v)
	}
	return math.NaN()
}
