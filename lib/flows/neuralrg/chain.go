package neuralrg

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/physnb/physnb/lib/flows"
	"github.com/physnb/physnb/lib/ising"
)

// ChainConfig returns a hybrid-chain setup with n measured flow proposals in
// all: 64 chains (fewer for small n), a burn-in of a tenth of each chain's
// steps (at least 10) and `local` Gibbs moves of the relaxation before every
// flow proposal (0: the plain independence sampler).
func (m *Model) ChainConfig(n, local int) flows.HybridConfig {
	chains := min(64, max(2, n/32))
	steps := max(2, n/chains)
	return flows.HybridConfig{Chains: chains, Steps: steps, Burn: max(10, steps/10), LocalMoves: local, Seed: m.Config.Seed + 17}
}

// ChainReport holds the Ising observables measured by a hybrid chain.
type ChainReport struct {
	Config flows.HybridConfig `json:"config"`
	// FlowAcceptance is the fraction of accepted flow proposals.
	FlowAcceptance float64 `json:"flow_acceptance"`
	// Energy is E/N, AbsMagnetisation <|m|>, StructureFactor S = <(Σs)²>/N.
	Energy           flows.Estimate `json:"energy_per_site"`
	AbsMagnetisation flows.Estimate `json:"abs_magnetisation"`
	StructureFactor  flows.Estimate `json:"structure_factor"`
	Seconds          float64        `json:"seconds"`
}

// Observables returns the three means.
func (c ChainReport) Observables() ising.Observables {
	return ising.Observables{EnergyPerSite: c.Energy.Mean, AbsMagnetisation: c.AbsMagnetisation.Mean, StructureFactor: c.StructureFactor.Mean}
}

// Errors returns the three error bars (the larger of the autocorrelation and
// between-chain ones).
func (c ChainReport) Errors() ising.Observables {
	return ising.Observables{EnergyPerSite: c.Energy.Err(), AbsMagnetisation: c.AbsMagnetisation.Err(), StructureFactor: c.StructureFactor.Err()}
}

// Chain samples the Ising model with the trained flow as the proposal of
// independence Metropolis steps interleaved with cfg.LocalMoves Gibbs moves of
// the relaxation ([ising.Relaxation.GibbsMove]), both exact for π, and
// measures the observables with the estimators of [ising.SpinEstimates].
func (m *Model) Chain(cfg flows.HybridConfig) (ChainReport, error) {
	start := time.Now()
	L, N := m.Config.L, m.Config.L*m.Config.L
	r := m.Relaxation
	whiten := m.Config.Whiten
	move := func(v []float64, rng *rand.Rand) error { return r.GibbsMove(v, whiten, rng) }
	e, am, sf := series(cfg), series(cfg), series(cfg)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6f6273)) // spin draws for |m|
	x := make([]float64, N)
	acc, err := flows.RunHybrid(m.Trainer, move, cfg, func(c, t int, v []float64) {
		if whiten {
			copy(x, r.Unwhiten(v))
		} else {
			copy(x, v)
		}
		o := ising.SpinEstimates(L, x, rng)
		e[c][t], am[c][t], sf[c][t] = o.EnergyPerSite, o.AbsMagnetisation, o.StructureFactor
	})
	if err != nil {
		return ChainReport{}, fmt.Errorf("neuralrg: chain: %w", err)
	}
	rep := ChainReport{Config: cfg, FlowAcceptance: acc}
	for _, o := range []struct {
		dst *flows.Estimate
		s   [][]float64
	}{{&rep.Energy, e}, {&rep.AbsMagnetisation, am}, {&rep.StructureFactor, sf}} {
		if *o.dst, err = flows.ChainEstimate(o.s); err != nil {
			return ChainReport{}, err
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// series allocates one measurement slot per chain and step.
func series(cfg flows.HybridConfig) [][]float64 {
	s := make([][]float64, cfg.Chains)
	for c := range s {
		s[c] = make([]float64, cfg.Steps)
	}
	return s
}
