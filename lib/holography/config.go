// Package holography learns the bulk metric of a holographic (AdS/CFT) dual
// from boundary data, following Hashimoto, Sugishita, Tanaka and Tomiya,
// "Deep Learning and AdS/CFT", Phys. Rev. D 98, 046019 (2018), arXiv:1802.08313.
//
// The network is the bulk itself. A scalar field φ(η) with Π = ∂η φ obeys, in
// the proper radial coordinate η of the black hole (package blackhole),
//
//	∂η φ = Π,    ∂η Π = -H(η) Π + m² φ + V'(φ),    V(φ) = λ φ⁴/4,
//
// and each RK4 step of that equation from the boundary cut-off η_UV down to
// the horizon cut-off η_IR is one layer (package ode). The metric function
// H(η) = ∂η log √(-g) plays the role of the weights. A boundary configuration
// (φ, Π) at η_UV is "positive" (the field is regular at the horizon) when the
// horizon condition
//
//	F = (2/η) Π - m² φ - V'(φ)   at η = η_IR
//
// is small, |F| < ε. Data are labelled with the true black-hole metric; the
// network then learns H(η) back from the labels alone, through the smooth
// final layer t(F) = 1 - exp(-|F|^2.5 / w) and a mean-squared error.
//
// Three parameterisations of the learnable H are provided: [Ansatz] (the PyTorch
// walkthrough's: 1/η plus a polynomial near the horizon, a polynomial near the
// boundary, matched smoothly at η*), [HorizonSeries] (1/η + a₁η + a₂η³ + …,
// the form of H near any regular horizon) and [PerLayer] (the paper's: one
// free value per layer with a smoothness regulariser).
//
// A run of the walkthrough is a [TrainExperiment] (the command line's
// `physnb holography train` and the notebook call the same one); the
// holographic QCD follow-up (arXiv:1809.10536) is a [QCDExperiment]:
//
//	e := holography.DefaultTrain()        // Schwarzschild data, ansatz K = 3, grid start
//	e.Metric, e.Charge = holography.MetricRN, 0.9
//	e.Param = holography.ParamSeries      // the horizon series 1/η + a₁η + a₂η³
//	rep, err := e.Run(ctx, backend)       // rep.HRelErrRMS, rep.H, rep.EpochLoss, ...
//
// [ChargeStudy] and [SeedStudy] repeat a run over data sets; the examples
// (ExampleTrainExperiment_Run) are small runs with their output.
package holography

import (
	"fmt"
	"math"
)

// FinalLayer chooses the quantity F read off at the horizon cut-off.
type FinalLayer int

const (
	// HorizonCondition is the paper's F = (2/η)Π - m²φ - V'(φ) at η_IR: the
	// regularity condition of the field at a horizon, where H ≈ 1/η.
	HorizonCondition FinalLayer = iota
	// MomentumOnly is the PyTorch walkthrough's simplification F = Π(η_IR).
	MomentumOnly
)

func (f FinalLayer) String() string {
	switch f {
	case HorizonCondition:
		return "horizon condition (2/η)Π - m²φ - V'(φ)"
	case MomentumOnly:
		return "momentum Π"
	}
	return fmt.Sprintf("FinalLayer(%d)", int(f))
}

// Config fixes the physics of the network: the layers, the cut-offs, the
// scalar field's mass and coupling, the final-layer condition and the box
// from which boundary data are drawn.
type Config struct {
	Layers  int     // number of RK4 layers N between the cut-offs
	EtaUV   float64 // boundary-side cut-off, where the data live
	EtaIR   float64 // horizon-side cut-off, where F is read
	MassSq  float64 // m²
	Lambda  float64 // λ in V = λφ⁴/4
	Epsilon float64 // a configuration is positive when |F| < ε
	Final   FinalLayer

	// Boundary data are drawn uniformly from [PhiMin, PhiMax] × [PiMin, PiMax].
	PhiMin, PhiMax, PiMin, PiMax float64
}

// DefaultConfig returns the paper's physics (arXiv:1802.08313): N = 10 layers
// from η = 1 to η = 0.1, m² = -1, λ = 1, ε = 0.1, the horizon condition as
// final layer; boundary data are drawn from the walkthrough's box φ ∈ [0, 1.7],
// Π ∈ [-0.2, 0.7], which contains the whole (thin) positive band: on a 300×300
// grid of the larger box [-0.5, 2]×[-1, 1] all positives of Schwarzschild lie in
// φ ∈ [-0.3, 1.7], Π ∈ [-0.09, 0.7].
func DefaultConfig() Config {
	return Config{
		Layers: 10, EtaUV: 1, EtaIR: 0.1, MassSq: -1, Lambda: 1, Epsilon: 0.1,
		Final:  HorizonCondition,
		PhiMin: 0, PhiMax: 1.7, PiMin: -0.2, PiMax: 0.7,
	}
}

// Validate reports the first parameter outside its valid range.
func (c Config) Validate() error {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	switch {
	case c.Layers < 1:
		return fmt.Errorf("holography: %d layers: need at least 1", c.Layers)
	case bad(c.EtaUV) || bad(c.EtaIR) || !(c.EtaUV > c.EtaIR && c.EtaIR > 0):
		return fmt.Errorf("holography: cut-offs out of order: need η_UV > η_IR > 0 (boundary above horizon), got η_UV=%g, η_IR=%g", c.EtaUV, c.EtaIR)
	case bad(c.MassSq) || bad(c.Lambda):
		return fmt.Errorf("holography: m²=%g, λ=%g must be finite", c.MassSq, c.Lambda)
	case bad(c.Epsilon) || c.Epsilon <= 0:
		return fmt.Errorf("holography: ε=%g must be > 0", c.Epsilon)
	case c.Final != HorizonCondition && c.Final != MomentumOnly:
		return fmt.Errorf("holography: unknown final layer %d", int(c.Final))
	case bad(c.PhiMin) || bad(c.PhiMax) || !(c.PhiMax > c.PhiMin):
		return fmt.Errorf("holography: φ range [%g, %g] is empty", c.PhiMin, c.PhiMax)
	case bad(c.PiMin) || bad(c.PiMax) || !(c.PiMax > c.PiMin):
		return fmt.Errorf("holography: Π range [%g, %g] is empty", c.PiMin, c.PiMax)
	}
	return nil
}

// Step returns the layer step Δη = (η_IR - η_UV)/N (negative: the network runs
// from the boundary towards the horizon).
func (c Config) Step() float64 { return (c.EtaIR - c.EtaUV) / float64(c.Layers) }

// LayerEta returns η at the start of layer i (i = N gives η_IR).
func (c Config) LayerEta(i int) float64 { return c.EtaUV + float64(i)*c.Step() }

// StageEtas returns, for each layer, η at the three RK4 stage points
// (start, middle, end).
func (c Config) StageEtas() [][3]float64 {
	out := make([][3]float64, c.Layers)
	h := c.Step()
	for i := range out {
		e := c.LayerEta(i)
		out[i] = [3]float64{e, e + h/2, e + h}
	}
	return out
}

// DV returns V'(φ) = λφ³.
func (c Config) DV(phi float64) float64 { return c.Lambda * phi * phi * phi }

// F returns the final-layer quantity at η_IR for a field (φ, Π) there.
func (c Config) F(phi, pi float64) float64 {
	if c.Final == MomentumOnly {
		return pi
	}
	return 2/c.EtaIR*pi - c.MassSq*phi - c.DV(phi)
}

// HardT is the walkthrough's sharp final layer: 0 when |F| < ε (positive,
// regular at the horizon), 1 otherwise.
func HardT(f, eps float64) float64 {
	if math.Abs(f) < eps {
		return 0
	}
	return 1
}

// DefaultTWidth is w in the smooth final layer t(F) = 1 - exp(-|F|^2.5/w)
// of the walkthrough (w = 0.03, so t = 1/2 at |F| ≈ 0.21).
const DefaultTWidth = 0.03

// SmoothT is the differentiable final layer t(F) = 1 - exp(-|F|^2.5 / w).
func SmoothT(f, w float64) float64 {
	return 1 - math.Exp(-math.Pow(math.Abs(f), 2.5)/w)
}
