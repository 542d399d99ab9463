package progress

import (
	"math"
	"strings"
)

// Step is what a trainer reports after each of its steps. A step is the
// trainer's own unit: an optimiser step for most, an epoch for trainers that
// report per epoch (their doc says which).
type Step struct {
	// Run names the run within an experiment that trains several (a transfer
	// mode, one seed of a study); "" when there is one. Step and Total count
	// within the run.
	Run   string
	Step  int // steps done, from 1
	Total int // steps planned; 0 if unknown
	// Epoch is the epoch the step belongs to (from 1), and EpochEnd marks its
	// last step, whose Metrics hold the epoch's evaluation; 0 and false for
	// trainers without epochs.
	Epoch    int
	EpochEnd bool
	Loss     float64 // the training loss at this step
	// Metrics are further named values at this step ("valid_loss",
	// "test_accuracy", "sigma", ...); nil when there are none.
	Metrics map[string]float64
}

// OnStepFn is the one hook type of physnb's trainers, shaped like GoMLX's
// train.OnStepFn: every trainer with a progress hook calls it after each
// step, and an error it returns stops the training and is returned by the
// trainer. nil is no hook.
//
// A progress bar attaches in one line:
//
//	exp.OnStep = progress.New("training", 0).OnStep
type OnStepFn func(Step) error

// Call runs fn on s if fn is not nil.
func (fn OnStepFn) Call(s Step) error {
	if fn == nil {
		return nil
	}
	return fn(s)
}

// Chain returns a hook that calls each non-nil hook in turn, stopping at the
// first error; nil if there are none.
func Chain(fns ...OnStepFn) OnStepFn {
	var set []OnStepFn
	for _, f := range fns {
		if f != nil {
			set = append(set, f)
		}
	}
	switch len(set) {
	case 0:
		return nil
	case 1:
		return set[0]
	}
	return func(s Step) error {
		for _, f := range set {
			if err := f(s); err != nil {
				return err
			}
		}
		return nil
	}
}

// OnStep records a trainer's step on the bar, so that a bar is a hook.
// It records the loss under "loss" (unless it is NaN and there are other
// metrics: a step that only evaluates), the metrics whose names end in
// "loss" (valid_loss, test_loss), and those named by [Bar.Track]; others
// (a learning rate, images per second) are not drawn. Names are prefixed
// with the run's name when the experiment names its runs. A bar made with
// total 0 takes the trainer's Total; the step that reaches it draws the
// final state. A NaN or infinite value stops training with a clear error.
func (b *Bar) OnStep(s Step) error {
	b.mu.Lock()
	if b.total == 0 && s.Total > 0 {
		b.total = s.Total
	}
	tracked := b.tracked
	b.mu.Unlock()
	m := make(map[string]float64, len(s.Metrics)+1)
	for k, v := range s.Metrics {
		if strings.HasSuffix(k, "loss") || tracked[k] {
			m[k] = v
		}
	}
	if !(math.IsNaN(s.Loss) && len(s.Metrics) > 0) {
		m["loss"] = s.Loss
	}
	if s.Run != "" {
		named := make(map[string]float64, len(m))
		for k, v := range m {
			named[s.Run+" "+k] = v
		}
		m = named
	}
	err := b.Observe(s.Step, m)
	if err == nil && s.Total > 0 && s.Step >= s.Total {
		b.Done()
	}
	return err
}

// Track makes [Bar.OnStep] record and draw these metrics too (besides the
// loss and the metrics named "...loss"): a test accuracy, σ.
func (b *Bar) Track(names ...string) *Bar {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tracked == nil {
		b.tracked = map[string]bool{}
	}
	for _, n := range names {
		b.tracked[n] = true
	}
	return b
}
