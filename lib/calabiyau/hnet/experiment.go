package hnet

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/calabiyau"
	"github.com/physnb/physnb/lib/preflight"
	"github.com/physnb/physnb/lib/progress"
)

// TrainExperiment configures training the moduli network ψ → H(ψ) across
// the Dwork family, with the loss on a fixed batch and σ on the evaluation
// grid before and after (`physnb calabiyau train`). The zero value is not
// useful: start from [DefaultTrain].
type TrainExperiment struct {
	Config
	Steps int `json:"steps"` // Adam steps, at least 1
	// GridPoints is the number of fresh points per ψ of the σ grid (5 radii
	// in [1, 100] x 10 phases, [EvalGrid]), at least calabiyau.MinPoints.
	GridPoints int `json:"grid_points"`
	// GridEvery evaluates the σ grid also every GridEvery steps during
	// training (TrainReport.Snapshots); 0: only before and after.
	GridEvery int `json:"grid_every"`
	// OnStep is called after every Adam step with its loss.
	OnStep progress.OnStepFn `json:"-"`
}

// DefaultTrain is the cyjax tutorial's network and training (DefaultConfig),
// 500 steps, σ from 500 points per ψ.
func DefaultTrain() TrainExperiment {
	return TrainExperiment{Config: DefaultConfig(), Steps: 500, GridPoints: 500}
}

// The evaluation grid of the tutorial: radii 1..100, 10 phases per radius.
const (
	gridRadius = 100
	gridRadii  = 5
	gridPhases = 10
)

// GridSnapshot is the σ grid (radius x phase) after some training steps.
type GridSnapshot struct {
	Step  int         `json:"step"`
	Sigma [][]float64 `json:"sigma"`
}

// TrainReport is what [TrainExperiment.Run] measured.
type TrainReport struct {
	Steps           int            `json:"steps"`
	K               int            `json:"k"`
	Sections        int            `json:"sections"`
	LearningRate    float64        `json:"learning_rate"`
	LossInitial     float64        `json:"loss_initial"` // on the fixed batch ([FixedBatch])
	LossFinal       float64        `json:"loss_final"`
	LossPerStep     []float64      `json:"loss_per_step"` // the training loss of every step (fresh batches)
	Radii           []float64      `json:"radii"`
	Phases          []float64      `json:"phases"`
	SigmaBefore     []float64      `json:"sigma_mean_before"` // mean σ over the phases, per radius
	SigmaAfter      []float64      `json:"sigma_mean_after"`
	SigmaGridBefore [][]float64    `json:"sigma_grid_before"` // σ per radius and phase
	SigmaGridAfter  [][]float64    `json:"sigma_grid_after"`
	Snapshots       []GridSnapshot `json:"snapshots,omitempty"` // every GridEvery steps (GridEvery > 0)
	SecondsPerStep  float64        `json:"seconds_per_step"`    // Adam steps with their sampling, without the grids
	Backend         string         `json:"backend"`
}

// maxSteps is the most Adam steps a run may take (days at the tutorial's sizes).
const maxSteps = 10_000_000

// Validate checks every parameter before any work.
func (e TrainExperiment) Validate() error {
	if err := e.Config.Validate(); err != nil {
		return err
	}
	switch {
	case e.Steps < 1 || e.Steps > maxSteps:
		return fmt.Errorf("hnet: --steps %d: want 1 to %d", e.Steps, maxSteps)
	case e.GridPoints < calabiyau.MinPoints:
		return fmt.Errorf("hnet: --grid-points %d are too few: want at least %d", e.GridPoints, calabiyau.MinPoints)
	case e.GridEvery < 0:
		return fmt.Errorf("hnet: grid every %d: want at least 0 (0: no snapshots)", e.GridEvery)
	}
	// Memory of a step's graph, measured with `physnb cy train` (about 5 kB
	// per point and modulus at k = 3, N = 35): the N x N metric per point.
	basis, err := calabiyau.NewMonomialBasis(e.Degree)
	if err != nil {
		return err
	}
	n := float64(basis.Size())
	perPoint := 256 + 8*n*n
	if float64(e.PsiBatch)*10*perPoint > preflight.Share*float64(preflight.Memory()) { // too many moduli at any sample size
		return preflight.CheckMemory("hnet", "--psi-batch", e.PsiBatch, func(b int) float64 {
			return float64(e.Points) * float64(b) * perPoint
		})
	}
	if err := preflight.CheckMemory("hnet", "--points", e.Points, func(p int) float64 {
		return float64(p) * float64(e.PsiBatch) * perPoint
	}); err != nil {
		return err
	}
	if err := preflight.CheckMemory("hnet", "--psi-batch", e.PsiBatch, func(b int) float64 {
		return float64(e.Points) * float64(b) * perPoint
	}); err != nil {
		return err
	}
	return preflight.CheckMemory("hnet", "--grid-points", e.GridPoints, func(p int) float64 { return float64(p) * perPoint })
}

// Run trains on b (nil: backend.Default()). ctx is checked between steps.
func (e TrainExperiment) Run(ctx context.Context, b compute.Backend) (*TrainReport, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if b == nil {
		var err error
		if b, err = backend.Default(); err != nil {
			return nil, err
		}
	}
	m, err := New(b, e.Config)
	if err != nil {
		return nil, err
	}
	eval, err := FixedBatch(m.Basis, e.PsiRadius, e.Seed)
	if err != nil {
		return nil, err
	}
	r := &TrainReport{Steps: e.Steps, K: e.Degree, Sections: m.Basis.Size(), LearningRate: e.LearningRate, Backend: backend.Describe(b)}
	if r.LossInitial, err = m.Loss(eval); err != nil {
		return nil, err
	}
	r.Radii, r.Phases = EvalGrid(gridRadius, gridRadii, gridPhases)
	if r.SigmaGridBefore, err = m.SigmaGrid(r.Radii, r.Phases, e.GridPoints); err != nil {
		return nil, err
	}
	var stepTime time.Duration
	for i := 1; i <= e.Steps; i++ {
		if ctx != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		start := time.Now()
		loss, err := m.Step()
		if err != nil {
			return nil, err
		}
		stepTime += time.Since(start)
		r.LossPerStep = append(r.LossPerStep, loss)
		if e.GridEvery > 0 && i%e.GridEvery == 0 && i < e.Steps {
			grid, err := m.SigmaGrid(r.Radii, r.Phases, e.GridPoints)
			if err != nil {
				return nil, err
			}
			r.Snapshots = append(r.Snapshots, GridSnapshot{Step: i, Sigma: grid})
		}
		if err := e.OnStep.Call(progress.Step{Step: i, Total: e.Steps, Loss: loss}); err != nil {
			return nil, err
		}
	}
	r.SecondsPerStep = stepTime.Seconds() / float64(e.Steps)
	if r.LossFinal, err = m.Loss(eval); err != nil {
		return nil, err
	}
	if r.SigmaGridAfter, err = m.SigmaGrid(r.Radii, r.Phases, e.GridPoints); err != nil {
		return nil, err
	}
	r.SigmaBefore, _, _ = GridStats(r.SigmaGridBefore)
	r.SigmaAfter, _, _ = GridStats(r.SigmaGridAfter)
	return r, nil
}

// FixedBatch is a batch to compare losses before and after training: 4
// moduli with |ψ| < radius and 2000 points each, the same for a given seed.
func FixedBatch(basis *calabiyau.MonomialBasis, radius float64, seed uint64) (*Points, error) {
	rng := rand.New(rand.NewPCG(seed, 13))
	var samples []*calabiyau.Sample
	for _, psi := range RandomPsi(rng, 4, radius) {
		q, err := calabiyau.NewDwork(psi)
		if err != nil {
			return nil, err
		}
		s, err := q.Sample(rng, 2000)
		if err != nil {
			return nil, err
		}
		samples = append(samples, s)
	}
	return NewPoints(basis, samples)
}
