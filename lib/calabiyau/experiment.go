package calabiyau

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/preflight"
	"github.com/physnb/physnb/lib/progress"
)

// Geometry is what the σ and Donaldson experiments share: the variety, the
// sections, the symmetry restriction and the random seed.
type Geometry struct {
	Family string `json:"family"` // "dwork" or "fermat"
	Psi    string `json:"psi"`    // the Dwork modulus ψ, written like "10+3i" (0 for fermat)
	K      int    `json:"k"`      // degree of the monomial sections, 1..MaxDegree (reduced basis from k = 5)
	// Symmetric restricts H to the quintic's permutation and phase
	// symmetries in Donaldson iterations (DonaldsonConfig.Symmetric).
	Symmetric bool   `json:"symmetric"`
	Seed      uint64 `json:"seed"`
}

// Setup builds the variety and its (reduced) basis of sections.
func (g Geometry) Setup() (*Quintic, *MonomialBasis, error) {
	q, err := g.quintic()
	if err != nil {
		return nil, nil, fmt.Errorf("calabiyau: --family %s --psi %s: %s (want family fermat with psi 0, or dwork with a complex psi like 10+3i, psi^5 != 1)",
			g.Family, g.Psi, strings.TrimPrefix(err.Error(), "calabiyau: "))
	}
	if g.K < 1 || g.K > MaxDegree {
		return nil, nil, fmt.Errorf("calabiyau: --k %d: want 1 to %d (the degree of the monomial sections)", g.K, MaxDegree)
	}
	b, err := NewReducedBasis(g.K)
	if err != nil {
		return nil, nil, fmt.Errorf("calabiyau: --k %d: %s", g.K, strings.TrimPrefix(err.Error(), "calabiyau: "))
	}
	return q, b, nil
}

// Rough sizes for the budgets of the experiments: a point's coordinates,
// weight and sections (16 bytes per complex number, some copies), and the
// most point-section products (points x N²) a run may take, about an hour.
const maxPointWork = 1e12

func bytesPerPoint(sections int) float64 { return 256 + 64*float64(sections) }

// checkPoints refuses a sample of points (the flag's value) beyond memory.
func checkPoints(flag string, points, sections int) error {
	return preflight.CheckMemory("calabiyau", flag, points, func(p int) float64 { return float64(p) * bytesPerPoint(sections) })
}

// checkWork refuses iterations x points beyond maxPointWork, naming both flags.
func checkWork(itFlag string, iterations int, ptFlag string, points, sections int) error {
	n2 := float64(sections) * float64(sections)
	if float64(iterations)*MinPoints*n2 > maxPointWork { // too many iterations at any sample size
		return preflight.CheckSteps("calabiyau", itFlag, iterations, "point-section products", func(it int) float64 {
			return float64(it) * float64(points) * n2
		}, maxPointWork)
	}
	if err := preflight.CheckSteps("calabiyau", ptFlag, points, "point-section products", func(p int) float64 {
		return float64(max(iterations, 1)) * float64(p) * n2
	}, maxPointWork); err != nil {
		return err
	}
	return preflight.CheckSteps("calabiyau", itFlag, iterations, "point-section products", func(it int) float64 {
		return float64(it) * float64(points) * n2
	}, maxPointWork)
}

func (g Geometry) quintic() (*Quintic, error) {
	z, err := ParsePsi(g.Psi)
	if err != nil {
		return nil, err
	}
	return NewQuintic(g.Family, z)
}

// SigmaExperiment configures one measurement of the σ accuracy (and the
// Ω-volume) on fresh points, of H = 1 or of the balanced metric after some
// Donaldson iterations (`physnb calabiyau sigma`). The zero value is not
// useful: start from [DefaultSigma].
type SigmaExperiment struct {
	Geometry
	Points             int `json:"points"`              // Monte Carlo points for σ and the volume, at least MinPoints
	BalancedIterations int `json:"balanced_iterations"` // Donaldson iterations before measuring (0: H = 1)
	IterationPoints    int `json:"iteration_points"`    // fresh points per Donaldson iteration, at least max(MinPoints, N)
	// KeepEta reports the normalised η of every point (SigmaReport.Eta), for histograms.
	KeepEta bool `json:"keep_eta"`
	// OnStep is called after every Donaldson iteration (see DonaldsonConfig.OnStep).
	OnStep progress.OnStepFn `json:"-"`
}

// DefaultSigma is σ at H = 1 on the Dwork quintic ψ = 10+3i, k = 3, from 20000 points.
func DefaultSigma() SigmaExperiment {
	return SigmaExperiment{Geometry: Geometry{Family: "dwork", Psi: "10+3i", K: 3, Seed: 1},
		Points: 20000, IterationPoints: 20000}
}

// SigmaReport is what [SigmaExperiment.Run] measured.
type SigmaReport struct {
	Family             string    `json:"family"`
	Psi                string    `json:"psi"`
	K                  int       `json:"k"`
	Sections           int       `json:"sections"`
	BalancedIterations int       `json:"balanced_iterations"`
	Symmetric          bool      `json:"symmetric"`
	Sigma              float64   `json:"sigma"`
	SigmaStderr        float64   `json:"sigma_stderr"`
	Volume             float64   `json:"volume"`
	VolumeStderr       float64   `json:"volume_stderr"`
	Points             int       `json:"points"`
	Seconds            float64   `json:"seconds"`       // Donaldson iterations, sampling and σ
	Eta                []float64 `json:"eta,omitempty"` // normalised η per point (KeepEta)
}

// Validate checks every parameter before any work.
func (e SigmaExperiment) Validate() error {
	_, b, err := e.Geometry.Setup()
	if err != nil {
		return err
	}
	switch {
	case e.Points < MinPoints:
		return fmt.Errorf("calabiyau: --points %d are too few: want at least %d", e.Points, MinPoints)
	case e.BalancedIterations < 0:
		return fmt.Errorf("calabiyau: --balanced-iterations %d: want at least 0", e.BalancedIterations)
	case e.BalancedIterations > 0 && (e.IterationPoints < MinPoints || e.IterationPoints < b.Size()):
		return fmt.Errorf("calabiyau: --iteration-points %d are too few for %d sections: want at least %d",
			e.IterationPoints, b.Size(), max(MinPoints, b.Size()))
	}
	if err := checkPoints("--points", e.Points, b.Size()); err != nil {
		return err
	}
	if err := checkWork("--balanced-iterations", 1, "--points", e.Points, b.Size()); err != nil {
		return err
	}
	if e.BalancedIterations == 0 {
		return nil
	}
	if err := checkPoints("--iteration-points", e.IterationPoints, b.Size()); err != nil {
		return err
	}
	return checkWork("--balanced-iterations", e.BalancedIterations, "--iteration-points", e.IterationPoints, b.Size())
}

// Run measures. The computation is on the host (complex128); b is not used
// and may be nil. ctx is checked between Donaldson iterations.
func (e SigmaExperiment) Run(ctx context.Context, _ compute.Backend) (*SigmaReport, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if ctx != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	q, b, _ := e.Geometry.Setup()
	rng := rand.New(rand.NewPCG(e.Seed, 11))
	start := time.Now()
	m := NewMetric(q, b)
	if e.BalancedIterations > 0 {
		var err error
		if m, err = Donaldson(q, b, rng, DonaldsonConfig{Iterations: e.BalancedIterations, Points: e.IterationPoints,
			Symmetric: e.Symmetric, OnStep: progress.Chain(ctxHook(ctx), e.OnStep)}); err != nil {
			return nil, err
		}
	}
	s, err := q.Sample(rng, e.Points)
	if err != nil {
		return nil, err
	}
	etas := m.Etas(s)
	r := &SigmaReport{Family: e.Family, Psi: e.Psi, K: e.K, Sections: b.Size(), BalancedIterations: e.BalancedIterations,
		Symmetric: e.Symmetric, Points: e.Points}
	if r.Sigma, r.SigmaStderr, err = SigmaOf(etas, s.Weights); err != nil {
		return nil, err
	}
	r.Volume, r.VolumeStderr, _ = s.Volume()
	r.Seconds = time.Since(start).Seconds()
	if e.KeepEta {
		r.Eta = NormalizedEtas(etas, s.Weights)
	}
	return r, nil
}

// DonaldsonExperiment configures Donaldson's algorithm from H = 1 with σ
// measured after every iteration on one fixed sample, as in cyjax's
// walkthrough (`physnb calabiyau donaldson`). The zero value is not useful:
// start from [DefaultDonaldson].
type DonaldsonExperiment struct {
	Geometry
	Iterations int `json:"iterations"`  // T-operator iterations, at least 1
	Points     int `json:"points"`      // fresh points per iteration, at least max(MinPoints, N)
	EvalPoints int `json:"eval_points"` // points of the fixed sample σ is measured on, at least MinPoints
	// KeepEta reports the normalised η on the evaluation sample at H = 1 and
	// at the end (DonaldsonReport.EtaInitial, EtaFinal), for histograms.
	KeepEta bool `json:"keep_eta"`
	// OnStep is called after every iteration, with σ on the evaluation
	// sample in Metrics (see DonaldsonConfig.OnStep).
	OnStep progress.OnStepFn `json:"-"`
}

// DefaultDonaldson is cyjax's walkthrough: Dwork ψ = 10+3i, k = 4 (70
// sections), 15 iterations of 20000 fresh points, σ on 20000 points.
func DefaultDonaldson() DonaldsonExperiment {
	return DonaldsonExperiment{Geometry: Geometry{Family: "dwork", Psi: "10+3i", K: 4, Seed: 1},
		Iterations: 15, Points: 20000, EvalPoints: 20000}
}

// DonaldsonReport is what [DonaldsonExperiment.Run] measured.
type DonaldsonReport struct {
	Family                  string    `json:"family"`
	Psi                     string    `json:"psi"`
	K                       int       `json:"k"`
	Sections                int       `json:"sections"`
	Iterations              int       `json:"iterations"`
	Symmetric               bool      `json:"symmetric"`
	Points                  int       `json:"points"`
	EvalPoints              int       `json:"eval_points"`
	SigmaInitial            float64   `json:"sigma_initial"`
	SigmaInitialStderr      float64   `json:"sigma_initial_stderr"`
	SigmaFinal              float64   `json:"sigma_final"`
	SigmaFinalStderr        float64   `json:"sigma_final_stderr"`
	SigmaPerIteration       []float64 `json:"sigma_per_iteration"`
	SigmaStderrPerIteration []float64 `json:"sigma_stderr_per_iteration"`
	HChangePerIteration     []float64 `json:"h_change_per_iteration"` // max|ΔH|/max|H| of each iteration
	Volume                  float64   `json:"volume"`
	VolumeStderr            float64   `json:"volume_stderr"`
	SecondsPerIteration     float64   `json:"seconds_per_iteration"` // sampling and T-operator, without σ
	EtaInitial              []float64 `json:"eta_initial,omitempty"` // normalised η at H = 1 (KeepEta)
	EtaFinal                []float64 `json:"eta_final,omitempty"`   // normalised η at the end (KeepEta)
}

// Validate checks every parameter before any work.
func (e DonaldsonExperiment) Validate() error {
	_, b, err := e.Geometry.Setup()
	if err != nil {
		return err
	}
	switch {
	case e.Iterations < 1:
		return fmt.Errorf("calabiyau: --iterations %d: want at least 1", e.Iterations)
	case e.Points < MinPoints || e.Points < b.Size():
		return fmt.Errorf("calabiyau: --points %d per iteration are too few for %d sections: want at least %d",
			e.Points, b.Size(), max(MinPoints, b.Size()))
	case e.EvalPoints < MinPoints:
		return fmt.Errorf("calabiyau: --eval-points %d are too few: want at least %d", e.EvalPoints, MinPoints)
	}
	for _, c := range []struct {
		flag string
		n    int
	}{{"--points", e.Points}, {"--eval-points", e.EvalPoints}} {
		if err := checkPoints(c.flag, c.n, b.Size()); err != nil {
			return err
		}
	}
	if err := checkWork("--iterations", 2, "--eval-points", e.EvalPoints, b.Size()); err != nil {
		return err
	}
	return checkWork("--iterations", e.Iterations, "--points", e.Points, b.Size())
}

// Run iterates. The computation is on the host (complex128); b is not used
// and may be nil. ctx is checked between iterations.
func (e DonaldsonExperiment) Run(ctx context.Context, _ compute.Backend) (*DonaldsonReport, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if ctx != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	q, b, _ := e.Geometry.Setup()
	rng := rand.New(rand.NewPCG(e.Seed, 12))
	eval, err := q.Sample(rng, e.EvalPoints)
	if err != nil {
		return nil, err
	}
	r := &DonaldsonReport{Family: e.Family, Psi: e.Psi, K: e.K, Sections: b.Size(), Iterations: e.Iterations,
		Symmetric: e.Symmetric, Points: e.Points, EvalPoints: e.EvalPoints}
	r.Volume, r.VolumeStderr, _ = eval.Volume()
	m0 := NewMetric(q, b)
	eta0 := m0.Etas(eval)
	if r.SigmaInitial, r.SigmaInitialStderr, err = SigmaOf(eta0, eval.Weights); err != nil {
		return nil, err
	}
	var seconds float64
	record := func(s progress.Step) error {
		r.SigmaPerIteration = append(r.SigmaPerIteration, s.Metrics["sigma"])
		r.SigmaStderrPerIteration = append(r.SigmaStderrPerIteration, s.Metrics["sigma_stderr"])
		r.HChangePerIteration = append(r.HChangePerIteration, s.Metrics["h_change"])
		seconds += s.Metrics["seconds"]
		return nil
	}
	m, err := Donaldson(q, b, rng, DonaldsonConfig{Iterations: e.Iterations, Points: e.Points, Symmetric: e.Symmetric,
		Eval: eval, OnStep: progress.Chain(record, ctxHook(ctx), e.OnStep)})
	if err != nil {
		return nil, err
	}
	r.SecondsPerIteration = seconds / float64(e.Iterations)
	r.SigmaFinal = r.SigmaPerIteration[len(r.SigmaPerIteration)-1]
	r.SigmaFinalStderr = r.SigmaStderrPerIteration[len(r.SigmaStderrPerIteration)-1]
	if e.KeepEta {
		r.EtaInitial = NormalizedEtas(eta0, eval.Weights)
		r.EtaFinal = NormalizedEtas(m.Etas(eval), eval.Weights)
	}
	return r, nil
}

// ctxHook stops an iteration when ctx is done.
func ctxHook(ctx context.Context) progress.OnStepFn {
	if ctx == nil {
		return nil
	}
	return func(progress.Step) error { return ctx.Err() }
}
