package holography

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/holography/blackhole"
	"github.com/physnb/physnb/lib/num"
)

// HorizonSeries is a one-piece parameterisation of H(η) built on the
// regularity of a non-extremal horizon (our addition, not the walkthrough's):
//
//	H(η) = 1/η + a₁ η + a₂ η³ + … + a_K η^{2K-1}.
//
// Why odd powers only: near a regular horizon the proper distance η is the
// radius of a smooth Euclidean disc, so √(-g) = η·f(η²) with f analytic and
// H = ∂η log √(-g) = 1/η + η·g(η²). Schwarzschild (3 coth 3η = 1/η + 3η -
// 9η³/5 + …) and Reissner-Nordström both have this form. The walkthrough's
// [Ansatz] allows even powers and a matching point, spends its coefficients
// on them, and cannot come closer than ≈1% RMS to either metric with three
// coefficients; with two odd coefficients the best curves are 0.58%
// (Schwarzschild) and 0.34% (RN Q = 0.9) from the truth, well below the
// 1.75% RMS that separates the two metrics (see docs/holography.md).
type HorizonSeries struct {
	K int // number of coefficients a₁…a_K
	// Start, if set (length K), gives the initial coefficients; otherwise
	// a₁ = 3 (the AdS value of H far from the horizon, whose leading correction
	// near it is 3η) and the others 0.
	Start []float64
}

// NewHorizonSeries returns the series with K coefficients.
func NewHorizonSeries(K int) *HorizonSeries { return &HorizonSeries{K: K} }

func (s *HorizonSeries) Name() string { return fmt.Sprintf("horizon series K=%d", s.K) }

func (s *HorizonSeries) validate() error {
	if s.K < 1 || s.K > 8 {
		return fmt.Errorf("holography: horizon series with K=%d coefficients: need 1 ≤ K ≤ 8", s.K)
	}
	if s.Start != nil && len(s.Start) != s.K {
		return fmt.Errorf("holography: horizon series K=%d given %d start coefficients", s.K, len(s.Start))
	}
	return nil
}

// Init creates the coefficients a (variable /series/a).
func (s *HorizonSeries) Init(scope *model.Scope, _ *rand.Rand, _ Config) {
	a := make([]float64, s.K)
	a[0] = 3
	if len(s.Start) == s.K {
		copy(a, s.Start)
	}
	scope.In("series").VariableWithValue("a", a)
}

// powers returns η^{2k-1} for k = 1…K.
func (s *HorizonSeries) powers(eta float64) []float64 {
	p := make([]float64, s.K)
	for k := range p {
		p[k] = math.Pow(eta, float64(2*k+1))
	}
	return p
}

// EvalHost evaluates H(η) on the host for coefficients a.
func (s *HorizonSeries) EvalHost(a []float64, eta float64) float64 {
	h := 1 / eta
	for k, p := range s.powers(eta) {
		h += a[k] * p
	}
	return h
}

// hOf builds H at the given η values from the variable a.
func (s *HorizonSeries) hOf(scope *model.Scope, g *Graph, etas []float64) *Node {
	a := scope.Store().GetVariable("/series/a").ValueGraph(g)
	pow := make([][]float64, len(etas))
	pole := make([]float64, len(etas))
	for e, eta := range etas {
		pow[e], pole[e] = s.powers(eta), 1/eta
	}
	return Add(Const(g, pole), Einsum("ek,k->e", Const(g, pow), a))
}

func (s *HorizonSeries) StageH(scope *model.Scope, g *Graph, cfg Config) *Node {
	return Reshape(s.hOf(scope, g, flatStageEtas(cfg)), cfg.Layers, 3)
}

// CurveEtas is a grid of 91 points over [η_IR, η_UV], as for [Ansatz].
func (s *HorizonSeries) CurveEtas(cfg Config) []float64 {
	return num.Linspace(cfg.EtaIR, cfg.EtaUV, 91)
}

func (s *HorizonSeries) Curve(scope *model.Scope, g *Graph, cfg Config) *Node {
	return s.hOf(scope, g, s.CurveEtas(cfg))
}

func (s *HorizonSeries) Truth(cfg Config, bh *blackhole.Background) []float64 {
	return bh.H(s.CurveEtas(cfg))
}

// Regularizer is zero: the series needs no prior beyond its form.
func (s *HorizonSeries) Regularizer(scope *model.Scope, g *Graph, cfg Config) *Node {
	return ScalarZero(g, scope.Store().GetVariable("/series/a").ValueGraph(g).DType())
}

// Coefficients returns the current a from a store.
func (s *HorizonSeries) Coefficients(store *model.Store) []float64 {
	return variableValues(store, "/series/a")
}

// HostProfile evaluates the series with coefficients a at the RK4 stage points.
func (s *HorizonSeries) HostProfile(cfg Config, a []float64) Profile {
	return hostProfile(cfg, func(eta float64) float64 { return s.EvalHost(a, eta) })
}

// FitCurve returns the coefficients a whose H(η) is closest to target at
// etas in relative least squares, as [Ansatz.FitCurve].
func (s *HorizonSeries) FitCurve(etas, target []float64) ([]float64, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	return fitAffine(s.EvalHost, s.K, etas, target, true)
}

// SeriesGrid is the (a₁, a₂) grid that [FitHorizonSeries] scans: a₁ in
// [1.5, 4] by 0.02 and a₂ in [-2.5, 1] by 0.1 (both metrics of the notebook
// lie inside: Schwarzschild's best two-term curve is a ≈ (2.82, -0.85), RN
// Q = 0.9's a ≈ (2.64, -0.68)). The grid only has to land in the valley of
// the loss; Nelder-Mead then follows it.
func SeriesGrid() (a1s, a2s []float64) { return num.Linspace(1.5, 4, 126), num.Linspace(-2.5, 1, 36) }

// FitHorizonSeries fits the K-coefficient horizon series to the training
// data (bh, which may be nil, only enters the error report):
//
//  1. scan the host training loss (w = tr.TWidth) of the K = 2 series on [SeriesGrid];
//  2. minimise it from the best grid point with Nelder-Mead (host, float64,
//     all K coefficients, the higher ones starting at 0): the valley of the
//     loss is narrow across and shallow along, which a simplex follows
//     without a step size to tune;
//  3. refine with the network's own gradient training at fixed w and Adam's
//     step RefineLearningRate, and evaluate.
func FitHorizonSeries(b compute.Backend, cfg Config, K int, trainSet, testSet *Dataset, tr Training, bh *blackhole.Background) (*Result, error) {
	s := NewHorizonSeries(K)
	if err := s.validate(); err != nil {
		return nil, err
	}
	if K < 2 {
		return nil, fmt.Errorf("holography: FitHorizonSeries needs K ≥ 2 coefficients, got %d", K)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := tr.validate(trainSet.Len()); err != nil {
		return nil, err
	}
	loss := func(a []float64) float64 { return HostLoss(cfg, s.HostProfile(cfg, a), trainSet, tr.TWidth) }
	two := NewHorizonSeries(2)
	best, bestLoss := []float64{0, 0}, math.Inf(1)
	a1s, a2s := SeriesGrid()
	for _, a1 := range a1s {
		for _, a2 := range a2s {
			if l := HostLoss(cfg, two.HostProfile(cfg, []float64{a1, a2}), trainSet, tr.TWidth); l < bestLoss {
				best, bestLoss = []float64{a1, a2}, l
			}
		}
	}
	start := make([]float64, K)
	copy(start, best)
	step := make([]float64, K)
	for k := range step {
		step[k] = 0.05
	}
	step[0] = 0.01
	s.Start, _ = NelderMead(loss, start, step, 150*K)
	tr.TWidthStart = 0
	tr.LearningRate = RefineLearningRate
	res, _, err := Train(b, cfg, s, trainSet, testSet, tr, bh)
	return res, err
}
