package neuralrg

import (
	"math"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/flows"
	"github.com/physnb/physnb/lib/ising"
)

// briefly returns a 4x4 flow trained for a few steps only: a poor proposal
// (importance ESS of a few per cent), the hard case for the samplers.
func briefly(t *testing.T, steps int) *Model {
	t.Helper()
	b, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(4)
	cfg.Batch, cfg.LearningRate, cfg.Seed = 128, 3e-3, 42
	m, err := New(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Train(steps, nil); err != nil {
		t.Fatal(err)
	}
	return m
}

// The densities in the acceptance ratio must be normalised consistently:
// E_q[π̃/q] = Z_relaxed for π̃ = exp(-E) exactly, so the importance-sampling
// estimate of lnZ_relaxed from flow samples must match Kaufman's lnZ - Fix.
// A missing log-det, prior constant or ½ ln det K' would be off by whole nats.
func TestImportanceWeightsNormalised(t *testing.T) {
	m := briefly(t, 30)
	rep, err := m.Evaluate(16384)
	if err != nil {
		t.Fatal(err)
	}
	got, want := rep.LnZRelaxedIS, -m.Bound // -Bound = lnZ - Fix = lnZ_relaxed
	// The relative error of the mean weight is √((1/ESS - 1)/n); allow 5 of them, at least 0.02 nats.
	if tol := math.Max(0.02, 5*math.Sqrt((1/rep.ESS-1)/float64(rep.Samples))); math.Abs(got-want) > tol {
		t.Errorf("ln E_q[π̃/q] = %.4f, exact lnZ_relaxed = %.4f (tolerance %.4f, ESS %.4f)", got, want, tol, rep.ESS)
	}
}

// The hybrid chain with a poor flow must reproduce the exact 4x4 averages
// (enumeration of all 2^16 states) within its error bars, and its error bar
// on E/N must be small enough for that to mean something.
func TestChainMatchesEnumeration(t *testing.T) {
	m := briefly(t, 30)
	ex, err := ising.BruteForce(4, m.Config.T)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := m.Chain(flows.HybridConfig{Chains: 32, Burn: 20, Steps: 300, LocalMoves: 4, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	got, e := rep.Observables(), rep.Errors()
	t.Logf("E/N %.4f ± %.4f, <|m|> %.4f ± %.4f, S %.3f ± %.3f; exact %.4f %.4f %.3f; flow acceptance %.3f, τ(E) %.1f",
		got.EnergyPerSite, e.EnergyPerSite, got.AbsMagnetisation, e.AbsMagnetisation, got.StructureFactor, e.StructureFactor,
		ex.EnergyPerSite, ex.AbsMagnetisation, ex.StructureFactor, rep.FlowAcceptance, rep.Energy.Tau)
	if math.Abs(got.EnergyPerSite-ex.EnergyPerSite) > 5*e.EnergyPerSite || e.EnergyPerSite > 0.015 {
		t.Errorf("E/N %.4f ± %.4f, exact %.4f", got.EnergyPerSite, e.EnergyPerSite, ex.EnergyPerSite)
	}
	if math.Abs(got.AbsMagnetisation-ex.AbsMagnetisation) > 5*e.AbsMagnetisation {
		t.Errorf("<|m|> %.4f ± %.4f, exact %.4f", got.AbsMagnetisation, e.AbsMagnetisation, ex.AbsMagnetisation)
	}
	if math.Abs(got.StructureFactor-ex.StructureFactor) > 5*e.StructureFactor {
		t.Errorf("S %.3f ± %.3f, exact %.3f", got.StructureFactor, e.StructureFactor, ex.StructureFactor)
	}
	if !(rep.FlowAcceptance > 0.05 && rep.FlowAcceptance < 1) {
		t.Errorf("flow acceptance %.3f", rep.FlowAcceptance)
	}
}
