package neuralrg

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/ising"
)

// ChainStudy runs several samplers built on one trained flow for growing
// chain lengths and compares them with the exact references: the plain
// independence sampler (0 local moves), whose heavy-tailed importance weights
// leave a bias on 8x8 at T_c, against hybrid chains that interleave Gibbs
// sweeps of the relaxation with the flow proposals ([Model.Chain]). The zero
// value is not useful: start from [DefaultChainStudy].
type ChainStudy struct {
	// Flow is the flow's experiment: it is trained by [Experiment.Train], or
	// resumed from Flow.Out when that holds the run (no further training
	// once Flow.Epochs are done). Flow.Samples sets the number of chains, as
	// in [Model.ChainConfig], and Flow.Seed the Wolff reference's seed.
	Flow Experiment `json:"flow"`
	// LocalMoves lists the samplers: Gibbs moves per flow proposal (0: plain
	// independence).
	LocalMoves []int `json:"local_moves"`
	// Lengths are the measured rounds per chain (the burn-in is a tenth, at
	// least 10).
	Lengths []int `json:"lengths"`
}

// DefaultChainStudy compares the plain independence sampler with the hybrid
// chain of 16 Gibbs moves per proposal, 16 to 256 rounds per chain, on the
// flow of [Default].
func DefaultChainStudy() ChainStudy {
	return ChainStudy{Flow: Default(), LocalMoves: []int{0, 16}, Lengths: []int{16, 32, 64, 128, 256}}
}

// Validate reports the first bad parameter with its valid range.
func (s ChainStudy) Validate() error {
	if len(s.LocalMoves) == 0 || len(s.Lengths) == 0 {
		return fmt.Errorf("neuralrg: chain study of %d samplers and %d lengths: want at least one of each", len(s.LocalMoves), len(s.Lengths))
	}
	for _, k := range s.LocalMoves {
		if k < 0 {
			return fmt.Errorf("neuralrg: chain study: local moves %d: want at least 0", k)
		}
	}
	for _, n := range s.Lengths {
		if n < 2 {
			return fmt.Errorf("neuralrg: chain study: chain length %d: want at least 2", n)
		}
	}
	return s.Flow.Validate()
}

// SamplerRuns are the runs of one sampler, one per chain length.
type SamplerRuns struct {
	Name       string        `json:"name"`
	LocalMoves int           `json:"local_moves"`
	Runs       []ChainReport `json:"runs"`
}

// SamplerName is "plain independence" for 0 local moves, else "hybrid, k
// Gibbs moves per proposal".
func SamplerName(localMoves int) string {
	if localMoves == 0 {
		return "plain independence"
	}
	return fmt.Sprintf("hybrid, %d Gibbs moves per proposal", localMoves)
}

// EnergyCurve returns, per run, the measured flow proposals of all chains,
// E/N and E/N ∓ its error bar, for a plot against chain length.
func (s SamplerRuns) EnergyCurve() (proposals, energy, lo, hi []float64) {
	for _, r := range s.Runs {
		proposals = append(proposals, float64(r.Config.Chains*r.Config.Steps))
		energy = append(energy, r.Energy.Mean)
		lo, hi = append(lo, r.Energy.Mean-r.Energy.Err()), append(hi, r.Energy.Mean+r.Energy.Err())
	}
	return proposals, energy, lo, hi
}

// Longest is the run with the longest chains (the last).
func (s SamplerRuns) Longest() ChainReport { return s.Runs[len(s.Runs)-1] }

// ChainStudyReport is what [ChainStudy.Run] measured.
type ChainStudyReport struct {
	L int     `json:"L"`
	T float64 `json:"T"`
	// Reference ± ReferenceErr are the exact averages (enumeration) for small
	// L, else Kaufman's exact energy with Wolff's <|m|> and S ([ising.Reference]).
	Reference    ising.Observables `json:"reference"`
	ReferenceErr ising.Observables `json:"reference_err"`
	Samplers     []SamplerRuns     `json:"samplers"`
	Seconds      float64           `json:"seconds"`
	Backend      string            `json:"backend"`
}

// Run trains or loads the flow, computes the references and runs every
// sampler at every chain length.
func (s ChainStudy) Run(ctx context.Context, b compute.Backend) (*ChainStudyReport, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	m, err := s.Flow.Train(ctx, b)
	if err != nil {
		return nil, err
	}
	r := &ChainStudyReport{L: m.Config.L, T: m.Config.T, Backend: backend.Describe(b)}
	if r.Reference, r.ReferenceErr, err = ising.Reference(m.Config.L, m.Config.T, s.Flow.Seed); err != nil {
		return nil, err
	}
	for _, local := range s.LocalMoves {
		runs := SamplerRuns{Name: SamplerName(local), LocalMoves: local}
		for _, steps := range s.Lengths {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			cfg := m.ChainConfig(s.Flow.Samples, local)
			cfg.Steps, cfg.Burn = steps, max(10, steps/10)
			ch, err := m.Chain(cfg)
			if err != nil {
				return nil, err
			}
			runs.Runs = append(runs.Runs, ch)
		}
		r.Samplers = append(r.Samplers, runs)
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// Table is one line per run: chains, acceptance, τ(E), and the observables
// with their error bars (E/N also in error bars from the reference).
func (r *ChainStudyReport) Table() string {
	var sb strings.Builder
	for _, s := range r.Samplers {
		for _, c := range s.Runs {
			fmt.Fprintf(&sb, "%-38s %2d chains x %4d: acceptance %.3f, tau(E) %6.1f, E/N %.4f ± %.4f (%.1fσ), <|m|> %.4f ± %.4f, S %.3f ± %.3f\n",
				s.Name, c.Config.Chains, c.Config.Steps, c.FlowAcceptance, c.Energy.Tau, c.Energy.Mean, c.Energy.Err(),
				ising.Sigmas(c.Energy.Mean, c.Energy.Err(), r.Reference.EnergyPerSite, r.ReferenceErr.EnergyPerSite),
				c.AbsMagnetisation.Mean, c.AbsMagnetisation.Err(), c.StructureFactor.Mean, c.StructureFactor.Err())
		}
	}
	fmt.Fprintf(&sb, "reference: E/N %.4f, <|m|> %.4f ± %.4f, S %.3f ± %.3f\n", r.Reference.EnergyPerSite,
		r.Reference.AbsMagnetisation, r.ReferenceErr.AbsMagnetisation, r.Reference.StructureFactor, r.ReferenceErr.StructureFactor)
	return sb.String()
}
