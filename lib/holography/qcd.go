package holography

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/physnb/physnb/lib/data"
)

// Holographic QCD (Hashimoto, Sugishita, Tanaka, Tomiya, "Deep learning and
// holographic QCD", Phys. Rev. D 98, 106014 (2018), arXiv:1809.10536): the
// same network, now in d = 4 boundary dimensions (AdS₅), learns a bulk
// metric, the quartic coupling λ and the AdS radius L from lattice data of
// the chiral condensate ⟨q̄q⟩ against the quark mass m_q.
//
// The bulk scalar has m² = -3 (in units of the AdS radius), dual to the
// operator q̄q of dimension 3. Far from the horizon, where H → d = 4, the
// equation φ'' + 4φ' + 3φ = λφ³ has the asymptotic solution
//
//	φ = α e^{-η} + β e^{-3η} - (λ/2) α³ η e^{-3η} + O(e^{-5η}),
//
// and the AdS/CFT dictionary identifies α = √N_c L m_q / (2π) and
// β = π L³ ⟨q̄q⟩ / √N_c (N_c = 3). A point (m_q, ⟨q̄q⟩) on the lattice curve
// therefore fixes (φ, Π) at the boundary cut-off η_UV; it is "positive"
// when the field it starts is regular at the horizon, read off (as in the
// paper) as Π(η_IR) ≈ 0.

// QCD constants of the paper's setup.
const (
	QCDDim    = 4  // boundary spacetime dimension d: H → d far from the horizon
	QCDMassSq = -3 // m² of the bulk scalar dual to q̄q (Δ = 3)
	QCDColors = 3  // N_c in the dictionary for α and β
)

// QCDConfig fixes the holographic QCD network and its data.
type QCDConfig struct {
	Layers       int     // N Euler layers (paper: 15)
	EtaUV, EtaIR float64 // cut-offs (paper: 1 and 0.1)
	Epsilon      float64 // positive when |Π(η_IR)| < ε (paper: 0.1)
	Dev          float64 // width of the tanh edges of the smooth final layer
	// Data box: m_q ∈ [0, MassMax] GeV, ⟨q̄q⟩ ∈ [0, CondMax] GeV³, and the
	// positive band: |⟨q̄q⟩ - fit(m_q)| < |noise|, noise ~ N(0, Noise²).
	MassMax, CondMax, Noise float64
}

// DefaultQCDConfig returns the paper's network (15 layers from η = 1 to
// η = 0.1, ε = 0.1) and its data box m_q ≤ 0.022 GeV, ⟨q̄q⟩ ≤ 0.11 GeV³ with
// a band of standard deviation 0.004 GeV³ around the fitted lattice curve.
// The edge width 0.01 of the final layer is the paper's code's.
func DefaultQCDConfig() QCDConfig {
	return QCDConfig{Layers: 15, EtaUV: 1, EtaIR: 0.1, Epsilon: 0.1, Dev: 0.01,
		MassMax: 0.022, CondMax: 0.11, Noise: 0.004}
}

// Validate reports the first parameter outside its valid range.
func (c QCDConfig) Validate() error {
	pos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case c.Layers < 1:
		return fmt.Errorf("holography: QCD network with %d layers: need at least 1", c.Layers)
	case !(pos(c.EtaIR) && c.EtaUV > c.EtaIR) || math.IsInf(c.EtaUV, 0):
		return fmt.Errorf("holography: QCD cut-offs out of order: need η_UV > η_IR > 0, got η_UV=%g, η_IR=%g", c.EtaUV, c.EtaIR)
	case !pos(c.Epsilon) || !pos(c.Dev):
		return fmt.Errorf("holography: QCD final layer ε=%g, width %g must be > 0", c.Epsilon, c.Dev)
	case !pos(c.MassMax) || !pos(c.CondMax) || !pos(c.Noise):
		return fmt.Errorf("holography: QCD data box m_q ≤ %g, ⟨q̄q⟩ ≤ %g, noise %g must be > 0", c.MassMax, c.CondMax, c.Noise)
	}
	return nil
}

// Step is the (negative) layer step Δη = (η_IR - η_UV)/N.
func (c QCDConfig) Step() float64 { return (c.EtaIR - c.EtaUV) / float64(c.Layers) }

// LayerEta is η at the start of layer i.
func (c QCDConfig) LayerEta(i int) float64 { return c.EtaUV + float64(i)*c.Step() }

// BoundaryCoefficients returns the dictionary's α = √N_c L m_q/(2π) and
// β = π L³ ⟨q̄q⟩/√N_c for m_q in GeV, ⟨q̄q⟩ in GeV³ and L in GeV⁻¹.
func BoundaryCoefficients(mq, cond, radius float64) (alpha, beta float64) {
	sq := math.Sqrt(QCDColors)
	return radius * sq / (2 * math.Pi) * mq, radius * radius * radius * math.Pi / sq * cond
}

// BoundaryField returns (φ, Π) at η for quark mass mq (GeV) and condensate
// cond (GeV³), AdS radius radius (GeV⁻¹) and coupling lambda, from the
// asymptotic solution and its η-derivative.
func BoundaryField(eta, mq, cond, radius, lambda float64) (phi, pi float64) {
	a, b := BoundaryCoefficients(mq, cond, radius)
	e1, e3 := math.Exp(-eta), math.Exp(-3*eta)
	phi = a*e1 + b*e3 - lambda/2*a*a*a*eta*e3
	pi = -a*e1 - 3*b*e3 + 1.5*lambda*a*a*a*eta*e3 - lambda/2*a*a*a*e3
	return phi, pi
}

// PropagateQCD integrates the field equation on the host with the paper's
// Euler layers and constant H per layer, from (m_q, ⟨q̄q⟩) at η_UV, and
// returns Π at η_IR.
func PropagateQCD(cfg QCDConfig, h []float64, radius, lambda, mq, cond float64) float64 {
	phi, pi := BoundaryField(cfg.EtaUV, mq, cond, radius, lambda)
	dt := cfg.Step()
	for _, H := range h {
		phi, pi = phi+dt*pi, pi+dt*(-H*pi+QCDMassSq*phi+lambda*phi*phi*phi)
	}
	return pi
}

// QCDLattice holds the lattice points (m_q in GeV, ⟨q̄q⟩ in GeV³).
type QCDLattice struct{ Mass, Cond []float64 }

// LoadQCDLattice reads the chiral-condensate data of the paper from the
// data directory (lib/data entry QCDCondensate).
func LoadQCDLattice() (*QCDLattice, error) {
	path, err := data.Path(data.QCDCondensate)
	if err != nil {
		return nil, err
	}
	c, err := data.ReadCSV(path, data.NoHeader())
	if err != nil {
		return nil, err
	}
	rows, err := c.Floats()
	if err != nil {
		return nil, err
	}
	l := &QCDLattice{}
	for i, r := range rows {
		if len(r) != 2 {
			return nil, fmt.Errorf("holography: %s row %d has %d columns, want 2 (m_q, condensate)", path, i+1, len(r))
		}
		l.Mass, l.Cond = append(l.Mass, r[0]), append(l.Cond, r[1])
	}
	return l, nil
}

// Fit returns the least-squares polynomial of the given degree through the
// lattice points, as a function of m_q: the curve the positive data follow.
func (l *QCDLattice) Fit(degree int) (func(float64) float64, []float64, error) {
	if degree < 1 || degree >= len(l.Mass) {
		return nil, nil, fmt.Errorf("holography: polynomial of degree %d through %d lattice points", degree, len(l.Mass))
	}
	poly := func(p []float64, x float64) float64 {
		s := 0.0
		for j := len(p) - 1; j >= 0; j-- {
			s = s*x + p[j]
		}
		return s
	}
	coef, err := fitAffine(poly, degree+1, l.Mass, l.Cond, false)
	if err != nil {
		return nil, nil, err
	}
	return func(x float64) float64 { return poly(coef, x) }, coef, nil
}

// GenerateQCD draws (m_q, ⟨q̄q⟩) uniformly from the data box and labels a
// point positive (0) when |⟨q̄q⟩ - curve(m_q)| < |ξ|, ξ ~ N(0, Noise²) drawn
// afresh for each point (the paper's blurred band around the lattice curve),
// negative (1) otherwise, until each class has perClass points. The returned
// Dataset holds m_q in Phi and ⟨q̄q⟩ in Pi.
func GenerateQCD(cfg QCDConfig, curve func(float64) float64, perClass int, seed uint64) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if perClass < 1 {
		return nil, fmt.Errorf("holography: %d QCD samples per class: need at least 1", perClass)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9cd))
	d := &Dataset{}
	pos, neg := 0, 0
	for draws := 0; pos < perClass || neg < perClass; draws++ {
		if draws > 1000*perClass {
			return nil, fmt.Errorf("holography: %d draws gave %d positives: the curve misses the box", draws, pos)
		}
		m, c := cfg.MassMax*rng.Float64(), cfg.CondMax*rng.Float64()
		positive := math.Abs(c-curve(m)) < math.Abs(cfg.Noise*rng.NormFloat64())
		switch {
		case positive && pos < perClass:
			pos++
			d.Phi, d.Pi, d.Label = append(d.Phi, m), append(d.Pi, c), append(d.Label, 0)
		case !positive && neg < perClass:
			neg++
			d.Phi, d.Pi, d.Label = append(d.Phi, m), append(d.Pi, c), append(d.Label, 1)
		}
	}
	d.shuffle(rng)
	return d, nil
}
