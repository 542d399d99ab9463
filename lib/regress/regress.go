// Package regress fits a small neural network y = f(x) to samples of a
// function of one variable: the smallest complete training run, used by the
// getting-started notebook to show the whole loop (model, loss, optimiser,
// progress, prediction) before the walkthroughs build their own.
//
// The network is a multilayer perceptron with tanh hidden layers (smooth, as
// physical potentials are), trained on the mean squared error with Adam.
// Inputs and targets are standardised internally, so the same defaults work
// whether x is in ångström or in metres.
//
//	fit, err := regress.New().Hidden(32, 32).Steps(2000).Fit(xs, ys)
//	pred, err := fit.Predict(xsTest)
package regress

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/dataset"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/progress"
)

// Config holds the hyperparameters; build it with [New] and its options.
type Config struct {
	backend  compute.Backend
	hidden   []int
	steps    int
	batch    int
	lr       float64
	seed     uint64
	showProg bool
}

// New returns the defaults: two hidden layers of 32, 2000 Adam steps at
// learning rate 1e-2, batch 64, seed 42, with a progress bar.
func New() *Config {
	return &Config{hidden: []int{32, 32}, steps: 2000, batch: 64, lr: 1e-2, seed: 42, showProg: true}
}

// Backend sets the backend (default: the shared one of lib/backend).
func (c *Config) Backend(b compute.Backend) *Config { c.backend = b; return c }

// Hidden sets the widths of the hidden layers.
func (c *Config) Hidden(widths ...int) *Config { c.hidden = widths; return c }

// Steps sets the number of training steps.
func (c *Config) Steps(n int) *Config { c.steps = n; return c }

// BatchSize sets the mini-batch size (capped at the number of samples).
func (c *Config) BatchSize(n int) *Config { c.batch = n; return c }

// LearningRate sets Adam's learning rate.
func (c *Config) LearningRate(lr float64) *Config { c.lr = lr; return c }

// Seed sets the seed of the initial weights and of the batch order.
func (c *Config) Seed(s uint64) *Config { c.seed = s; return c }

// Quiet turns the progress display off.
func (c *Config) Quiet() *Config { c.showProg = false; return c }

// Fit is a trained network.
type Fit struct {
	store         *model.Store
	backend       compute.Backend
	hidden        []int
	xMean, xScale float64
	yMean, yScale float64
	// Steps and Losses are the training curve (loss on standardised targets).
	Steps, Losses []float64
}

func (c *Config) validate(xs, ys []float64) error {
	switch {
	case len(xs) != len(ys):
		return fmt.Errorf("regress: %d x values but %d y values", len(xs), len(ys))
	case len(xs) < 2:
		return fmt.Errorf("regress: need at least 2 samples, got %d", len(xs))
	case c.steps < 1:
		return fmt.Errorf("regress: steps = %d, need at least 1", c.steps)
	case c.batch < 1:
		return fmt.Errorf("regress: batch size = %d, need at least 1", c.batch)
	case !(c.lr > 0):
		return fmt.Errorf("regress: learning rate = %v, need > 0", c.lr)
	}
	for _, w := range c.hidden {
		if w < 1 {
			return fmt.Errorf("regress: hidden width %d, need at least 1", w)
		}
	}
	for i := range xs {
		if math.IsNaN(xs[i]) || math.IsInf(xs[i], 0) || math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) {
			return fmt.Errorf("regress: sample %d is not finite (x=%v, y=%v)", i, xs[i], ys[i])
		}
	}
	return nil
}

func meanScale(v []float64) (mean, scale float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		scale += (x - mean) * (x - mean)
	}
	scale = math.Sqrt(scale / float64(len(v)))
	if scale == 0 {
		scale = 1
	}
	return
}

func column(v []float64, mean, scale float64) [][]float32 {
	out := make([][]float32, len(v))
	for i, x := range v {
		out[i] = []float32{float32((x - mean) / scale)}
	}
	return out
}

// mlp is the network on standardised inputs: tanh hidden layers, linear output.
func mlp(hidden []int) func(scope *model.Scope, x *graph.Node) *graph.Node {
	return func(scope *model.Scope, x *graph.Node) *graph.Node {
		h := x
		for i, w := range hidden {
			h = graph.Tanh(layers.DenseWithBias(scope.In("hidden_%d", i), h, w))
		}
		return layers.DenseWithBias(scope.In("output"), h, 1)
	}
}

// Fit trains the network on the samples (xs[i], ys[i]).
func (c *Config) Fit(xs, ys []float64) (*Fit, error) {
	if err := c.validate(xs, ys); err != nil {
		return nil, err
	}
	b := c.backend
	if b == nil {
		var err error
		if b, err = backend.Default(); err != nil {
			return nil, err
		}
	}
	f := &Fit{store: model.NewStore(), backend: b, hidden: c.hidden}
	f.xMean, f.xScale = meanScale(xs)
	f.yMean, f.yScale = meanScale(ys)
	f.store.SetParam(model.ParamInitialSeed, int64(c.seed))
	ds, err := dataset.InMemoryFromData(b, "samples", []any{column(xs, f.xMean, f.xScale)}, []any{column(ys, f.yMean, f.yScale)})
	if err != nil {
		return nil, fmt.Errorf("regress: building the data set: %w", err)
	}
	ds.BatchSize(min(c.batch, len(xs)), true).Shuffle().Infinite(true)
	trainer := train.NewTrainer(b, f.store, mlp(c.hidden), loss.MeanSquaredError,
		optimizer.Adam().LearningRate(c.lr).Done(), nil, nil)
	loop := train.NewLoop(trainer)
	bar := progress.AttachToLoop(loop, "fitting", c.steps).LogY().YLabel("MSE (standardised units)")
	if !c.showProg {
		bar.NoPlot().WithWriter(discard{}, false)
	}
	if _, err := loop.RunSteps(ds, c.steps); err != nil {
		if bErr := bar.Err(); bErr != nil {
			return nil, bErr
		}
		return nil, fmt.Errorf("regress: training: %w", err)
	}
	f.Steps, f.Losses = bar.History()
	return f, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Predict evaluates the trained network at xs.
func (f *Fit) Predict(xs []float64) ([]float64, error) {
	if len(xs) == 0 {
		return nil, errors.New("regress: Predict needs at least one x")
	}
	exec, err := model.NewExec(f.backend, f.store, mlp(f.hidden))
	if err != nil {
		return nil, err
	}
	out, err := exec.Call(column(xs, f.xMean, f.xScale))
	if err != nil {
		return nil, fmt.Errorf("regress: predicting: %w", err)
	}
	flat := tensors.MustCopyFlatData[float32](out[0])
	ys := make([]float64, len(flat))
	for i, v := range flat {
		ys[i] = float64(v)*f.yScale + f.yMean
	}
	return ys, nil
}
