package calabiyau

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/plots"
)

// SymmetryStudy compares the plain Donaldson iteration with the symmetric one
// (DonaldsonConfig.Symmetric) for several numbers of points per iteration.
// Both start from the same random numbers, and σ of each final metric is
// measured on one evaluation sample. The zero value is not useful: start from
// [DefaultSymmetryStudy].
type SymmetryStudy struct {
	// Base gives the variety, K, Iterations, EvalPoints and Seed; its Points
	// and Symmetric are set per run.
	Base   DonaldsonExperiment `json:"base"`
	Points []int               `json:"points"` // points per iteration, each at least max(MinPoints, N)
}

// DefaultSymmetryStudy is the Dwork quintic ψ = 10+3i at k = 4, 15
// iterations, from 300 to 30000 points per iteration.
func DefaultSymmetryStudy() SymmetryStudy {
	return SymmetryStudy{Base: DefaultDonaldson(), Points: []int{300, 1000, 3000, 10000, 30000}}
}

// SymmetryRow is σ after the plain and the symmetric iteration with a given number of points.
type SymmetryRow struct {
	Points          int     `json:"points"`
	Plain           float64 `json:"plain"`
	PlainStderr     float64 `json:"plain_stderr"`
	Symmetric       float64 `json:"symmetric"`
	SymmetricStderr float64 `json:"symmetric_stderr"`
}

// SymmetryReport is what [SymmetryStudy.Run] measured.
type SymmetryReport struct {
	K          int           `json:"k"`
	Sections   int           `json:"sections"`
	Orbits     int           `json:"orbits"` // independent entries of a symmetric H
	Iterations int           `json:"iterations"`
	Rows       []SymmetryRow `json:"rows"`
}

// Validate checks every parameter before any work.
func (s SymmetryStudy) Validate() error {
	if len(s.Points) == 0 {
		return fmt.Errorf("calabiyau: symmetry study without points per iteration: want at least one value")
	}
	for _, n := range s.Points {
		e := s.Base
		e.Points = n
		if err := e.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Run iterates on the host; b is not used and may be nil.
func (s SymmetryStudy) Run(ctx context.Context, _ compute.Backend) (*SymmetryReport, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	q, b, _ := s.Base.Setup()
	sym, err := NewSymmetry(q, b)
	if err != nil {
		return nil, err
	}
	eval, err := q.Sample(rand.New(rand.NewPCG(s.Base.Seed, 7)), s.Base.EvalPoints)
	if err != nil {
		return nil, err
	}
	r := &SymmetryReport{K: s.Base.K, Sections: b.Size(), Orbits: sym.Orbits(), Iterations: s.Base.Iterations}
	for _, n := range s.Points {
		row := SymmetryRow{Points: n}
		for _, symmetric := range []bool{false, true} {
			m, err := Donaldson(q, b, rand.New(rand.NewPCG(s.Base.Seed, 8)), DonaldsonConfig{Iterations: s.Base.Iterations, Points: n,
				Symmetric: symmetric, OnStep: ctxHook(ctx)})
			if err != nil {
				return nil, err
			}
			sig, se, err := m.Sigma(eval)
			if err != nil {
				return nil, err
			}
			if symmetric {
				row.Symmetric, row.SymmetricStderr = sig, se
			} else {
				row.Plain, row.PlainStderr = sig, se
			}
		}
		r.Rows = append(r.Rows, row)
	}
	return r, nil
}

// Figure plots σ against the points per iteration, plain and symmetric.
func (r *SymmetryReport) Figure() *plots.Figure {
	var ns, plain, symmetric []float64
	for _, row := range r.Rows {
		ns, plain, symmetric = append(ns, float64(row.Points)), append(plain, row.Plain), append(symmetric, row.Symmetric)
	}
	return plots.New(fmt.Sprintf("Donaldson's algorithm with and without the symmetries, k = %d, %d iterations", r.K, r.Iterations),
		"points per T-operator iteration", "σ accuracy").Line("plain", ns, plain).Line("symmetric H", ns, symmetric).LogX()
}

// DegreeStudy measures σ at H = 1 and of the balanced metric for several
// degrees k, with 2N² + ExtraPoints points per iteration for N sections
// (cyjax: (10N² + 50000)/5, ExtraPoints = 10000) and a fresh evaluation
// sample per degree. The zero value is not useful: start from
// [DefaultDegreeStudy].
type DegreeStudy struct {
	// Base gives the variety, Iterations, EvalPoints and Seed; its K and
	// Points are set per degree (Symmetric is not used).
	Base        DonaldsonExperiment `json:"base"`
	Degrees     []int               `json:"degrees"`      // each 1..MaxDegree
	ExtraPoints int                 `json:"extra_points"` // at least 0
}

// DefaultDegreeStudy is cyjax's Fermat quintic study: k = 1..5, 10
// iterations of (10N² + 50000)/5 points, σ on 20000 points.
func DefaultDegreeStudy() DegreeStudy {
	base := DefaultDonaldson()
	base.Family, base.Psi, base.Iterations = "fermat", "0", 10
	return DegreeStudy{Base: base, Degrees: []int{1, 2, 3, 4, 5}, ExtraPoints: 10000}
}

// DegreeRow is one degree of a [DegreeStudy].
type DegreeRow struct {
	K           int     `json:"k"`
	Sections    int     `json:"sections"`
	Points      int     `json:"points"` // per iteration
	SigmaOne    float64 `json:"sigma_identity"`
	Sigma       float64 `json:"sigma_balanced"`
	SigmaStderr float64 `json:"sigma_balanced_stderr"`
}

// DegreeReport is what [DegreeStudy.Run] measured.
type DegreeReport struct {
	Family     string      `json:"family"`
	Psi        string      `json:"psi"`
	Iterations int         `json:"iterations"`
	Rows       []DegreeRow `json:"rows"`
}

// Validate checks every parameter before any work.
func (s DegreeStudy) Validate() error {
	if len(s.Degrees) == 0 {
		return fmt.Errorf("calabiyau: degree study without degrees: want at least one k in 1..%d", MaxDegree)
	}
	if s.ExtraPoints < 0 {
		return fmt.Errorf("calabiyau: extra points %d: want at least 0", s.ExtraPoints)
	}
	for _, k := range s.Degrees {
		e := s.Base
		e.K = k
		_, b, err := e.Setup()
		if err != nil {
			return err
		}
		e.Points = 2*b.Size()*b.Size() + s.ExtraPoints
		if err := e.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Run iterates on the host; b is not used and may be nil.
func (s DegreeStudy) Run(ctx context.Context, _ compute.Backend) (*DegreeReport, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(s.Base.Seed, 4))
	r := &DegreeReport{Family: s.Base.Family, Psi: s.Base.Psi, Iterations: s.Base.Iterations}
	for _, k := range s.Degrees {
		g := s.Base.Geometry
		g.K = k
		q, b, _ := g.Setup()
		row := DegreeRow{K: k, Sections: b.Size(), Points: 2*b.Size()*b.Size() + s.ExtraPoints}
		eval, err := q.Sample(rng, s.Base.EvalPoints)
		if err != nil {
			return nil, err
		}
		if row.SigmaOne, _, err = NewMetric(q, b).Sigma(eval); err != nil {
			return nil, err
		}
		m, err := Donaldson(q, b, rng, DonaldsonConfig{Iterations: s.Base.Iterations, Points: row.Points, OnStep: ctxHook(ctx)})
		if err != nil {
			return nil, err
		}
		if row.Sigma, row.SigmaStderr, err = m.Sigma(eval); err != nil {
			return nil, err
		}
		r.Rows = append(r.Rows, row)
	}
	return r, nil
}

// Figure plots σ of the balanced metric (with its ±1 standard-error band)
// and of H = 1 against k.
func (r *DegreeReport) Figure() *plots.Figure {
	var ks, bal, lo, hi, one []float64
	for _, row := range r.Rows {
		ks, bal, one = append(ks, float64(row.K)), append(bal, row.Sigma), append(one, row.SigmaOne)
		lo, hi = append(lo, row.Sigma-row.SigmaStderr), append(hi, row.Sigma+row.SigmaStderr)
	}
	title := "Fermat quintic: σ accuracy of the balanced metric"
	if r.Family != "fermat" {
		title = fmt.Sprintf("Dwork quintic ψ = %s: σ accuracy of the balanced metric", r.Psi)
	}
	return plots.New(title, "degree k of the sections", "σ accuracy").Band("balanced ±1 s.e.", ks, lo, hi).
		Line(fmt.Sprintf("balanced (%d iterations)", r.Iterations), ks, bal).Dashed("H = 1", ks, one)
}

// VolumeStudy estimates the Ω-volume of a Dwork quintic from samples of
// growing size, and checks that every point lies on the variety. The zero
// value is not useful: start from [DefaultVolumeStudy].
type VolumeStudy struct {
	Psi   string `json:"psi"`   // the Dwork modulus, written like "10+3i"
	Sizes []int  `json:"sizes"` // sample sizes, each at least MinPoints
	Seed  uint64 `json:"seed"`
}

// DefaultVolumeStudy is cyjax's ψ = 10+3i (volume 0.947 ± 0.001) from 500 to 32000 points.
func DefaultVolumeStudy() VolumeStudy {
	return VolumeStudy{Psi: "10+3i", Sizes: []int{500, 2000, 8000, 32000}, Seed: 1}
}

// VolumeRow is the estimate from one sample.
type VolumeRow struct {
	Points int     `json:"points"`
	Volume float64 `json:"volume"`
	Stderr float64 `json:"stderr"`
	// Residual is the largest |Q(z)|/Σ|z_i|^5 of the sample's points.
	Residual float64 `json:"residual"`
}

// VolumeReport is what [VolumeStudy.Run] measured.
type VolumeReport struct {
	Psi  string      `json:"psi"`
	Rows []VolumeRow `json:"rows"`
}

// Validate checks every parameter before any work.
func (s VolumeStudy) Validate() error {
	if _, err := (Geometry{Family: "dwork", Psi: s.Psi, K: 1}).quintic(); err != nil {
		return err
	}
	if len(s.Sizes) == 0 {
		return fmt.Errorf("calabiyau: volume study without sample sizes: want at least one")
	}
	for _, n := range s.Sizes {
		if n < MinPoints {
			return fmt.Errorf("calabiyau: sample size %d is too few: want at least %d", n, MinPoints)
		}
	}
	return nil
}

// Run samples on the host; b is not used and may be nil.
func (s VolumeStudy) Run(ctx context.Context, _ compute.Backend) (*VolumeReport, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	q, _ := (Geometry{Family: "dwork", Psi: s.Psi, K: 1}).quintic()
	rng := rand.New(rand.NewPCG(s.Seed, 1))
	r := &VolumeReport{Psi: s.Psi}
	for _, n := range s.Sizes {
		if ctx != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		sample, err := q.Sample(rng, n)
		if err != nil {
			return nil, err
		}
		row := VolumeRow{Points: n, Residual: sample.MaxResidual()}
		if row.Volume, row.Stderr, err = sample.Volume(); err != nil {
			return nil, err
		}
		r.Rows = append(r.Rows, row)
	}
	return r, nil
}

// CyjaxVolume is the Ω-volume of the Dwork quintic ψ = 10+3i that cyjax reports (± 0.001).
const CyjaxVolume = 0.947

// Figure plots the estimate with its ±1 standard-error band against the
// sample size, and cyjax's value.
func (r *VolumeReport) Figure() *plots.Figure {
	var ns, vols, lo, hi []float64
	for _, row := range r.Rows {
		ns, vols = append(ns, float64(row.Points)), append(vols, row.Volume)
		lo, hi = append(lo, row.Volume-row.Stderr), append(hi, row.Volume+row.Stderr)
	}
	f := plots.New(fmt.Sprintf("Ω-volume of the Dwork quintic ψ = %s", r.Psi), "number of sample points", "volume (cyjax normalisation)").LogX()
	f.Band("±1 standard error", ns, lo, hi).Line("Monte Carlo estimate", ns, vols)
	if r.Psi == "10+3i" {
		f.HLine(fmt.Sprintf("cyjax: %g ± 0.001", CyjaxVolume), CyjaxVolume)
	}
	return f
}
