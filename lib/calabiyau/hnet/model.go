package hnet

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/physnb/physnb/lib/calabiyau"
	"github.com/physnb/physnb/lib/calabiyau/cplx"
)

// Config holds the knobs of the moduli-dependent network and its training;
// [DefaultConfig] is the cyjax tutorial's setting.
type Config struct {
	Degree          int     `json:"k"`                // monomial degree k of the sections, 1..4 (3: N = 35)
	Hidden          []int   `json:"hidden"`           // hidden layer widths, sigmoid activations
	InitFluctuation float64 `json:"init_fluctuation"` // std of the initial diagonal around 1
	PsiBatch        int     `json:"psi_batch"`        // moduli values per step
	PsiRadius       float64 `json:"psi_radius"`       // training moduli drawn with |ψ| < PsiRadius
	Points          int     `json:"points"`           // points per modulus per step (fresh each step), at least 10
	LearningRate    float64 `json:"learning_rate"`    // Adam
	Seed            uint64  `json:"seed"`
}

// DefaultConfig is the setting of the cyjax tutorial "Moduli dependent machine learning".
func DefaultConfig() Config {
	return Config{Degree: 3, Hidden: []int{100, 100}, InitFluctuation: 1e-3,
		PsiBatch: 4, PsiRadius: 10, Points: 100, LearningRate: 1e-3, Seed: 42}
}

// Validate checks every knob, with the valid range in the message.
func (c Config) Validate() error {
	switch {
	case c.Degree < 1 || c.Degree > 4:
		return fmt.Errorf("hnet: --k %d: want 1..4 (the network outputs N^2 = C(k+4,4)^2 numbers)", c.Degree)
	case c.PsiBatch < 1:
		return fmt.Errorf("hnet: --psi-batch %d: want at least 1", c.PsiBatch)
	case c.Points < 10:
		return fmt.Errorf("hnet: --points %d per modulus are too few: want at least 10", c.Points)
	case !(c.PsiRadius > 0) || math.IsInf(c.PsiRadius, 0):
		return fmt.Errorf("hnet: --psi-radius %g: want a positive, finite radius", c.PsiRadius)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("hnet: --lr %g: want a positive, finite rate", c.LearningRate)
	case c.InitFluctuation < 0:
		return fmt.Errorf("hnet: init fluctuation %g: want at least 0", c.InitFluctuation)
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("hnet: hidden width %d: want at least 1", h)
		}
	}
	return nil
}

// Model is the network ψ → H(ψ) with its optimizer state and sampler.
type Model struct {
	Config  Config
	Basis   *calabiyau.MonomialBasis
	backend compute.Backend
	store   *model.Store
	trainer *train.Trainer
	forward *model.Exec
	lossExe *model.Exec
	rng     *rand.Rand
	steps   int
}

// network maps |ψ| [B,1] to Cholesky parameters θ [B, N^2]: dense layers with
// sigmoid, then a final linear layer whose weights start at zero and whose
// bias starts at the identity (diagonal 1 + InitFluctuation·noise), so that
// H(ψ) ≈ 1 at initialisation for every ψ.
func (m *Model) network(scope *model.Scope, absPsi *graph.Node) *graph.Node {
	x := absPsi
	for i, h := range m.Config.Hidden {
		x = graph.Sigmoid(layers.DenseWithBias(scope.In("hidden%d", i), x, h))
	}
	n := m.Basis.Size()
	final := scope.In("final")
	in := x.Shape().Dimensions[1]
	wv := final.VariableWithValue("weights", tensors.FromFlatDataAndDimensions(make([]float64, in*n*n), in, n*n))
	bv := final.VariableWithValue("bias", tensors.FromFlatDataAndDimensions(m.initBias(), n*n))
	return graph.Add(graph.Einsum("bi,io->bo", x, wv.NodeValue(x.Graph())), graph.InsertAxes(bv.NodeValue(x.Graph()), 0))
}

func (m *Model) initBias() []float64 {
	n := m.Basis.Size()
	r := rand.New(rand.NewPCG(m.Config.Seed, 99))
	b := make([]float64, n*n)
	for i := 0; i < n; i++ {
		b[i] = 1 + m.Config.InitFluctuation*r.NormFloat64()
	}
	return b
}

// New builds the network and its Adam trainer on a backend.
func New(backend compute.Backend, cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	basis, err := calabiyau.NewMonomialBasis(cfg.Degree)
	if err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, Basis: basis, backend: backend, store: model.NewStore(),
		rng: rand.New(rand.NewPCG(cfg.Seed, 1))}
	if err := m.store.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, err
	}
	n := basis.Size()
	lossGraph := func(scope *model.Scope, in []*graph.Node) *graph.Node {
		theta := m.network(scope, in[0])
		h := HermitianFromParams(theta, n)
		eta := Eta(h, cplx.New(in[1], in[2]), cplx.New(in[3], in[4]), cplx.New(in[5], in[6]), in[7], cfg.Degree)
		return EtaLoss(eta, in[8])
	}
	modelFn := func(scope *model.Scope, in []*graph.Node) []*graph.Node {
		return []*graph.Node{lossGraph(scope, in)}
	}
	lossFn := func(_, predictions []*graph.Node) *graph.Node { return predictions[0] }
	m.trainer = train.NewTrainer(backend, m.store, modelFn, lossFn,
		optimizer.Adam().LearningRate(cfg.LearningRate).Done(), nil, nil)
	m.forward, err = model.NewExec(backend, m.store, func(scope *model.Scope, absPsi *graph.Node) *graph.Node {
		return m.network(scope, absPsi)
	})
	if err != nil {
		return nil, err
	}
	m.lossExe, err = model.NewExec(backend, m.store, lossGraph)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// MustNew is [New] that panics on error.
func MustNew(backend compute.Backend, cfg Config) *Model {
	m, err := New(backend, cfg)
	if err != nil {
		panic(err)
	}
	return m
}

// RandomPsi draws n moduli with |ψ| uniform in [0, radius) and a uniform phase
// (cyjax.random.uniform_angle), redrawing the measure-zero conifold neighbourhood
// |ψ^5 - 1| < 1e-3.
func RandomPsi(r *rand.Rand, n int, radius float64) []complex128 {
	out := make([]complex128, 0, n)
	for len(out) < n {
		z := cmplx.Rect(radius*r.Float64(), 2*math.Pi*r.Float64())
		if cmplx.Abs(cmplx.Pow(z, 5)-1) > 1e-3 {
			out = append(out, z)
		}
	}
	return out
}

// Batch draws PsiBatch moduli and Points fresh points on each.
func (m *Model) Batch() (*Points, error) {
	psis := RandomPsi(m.rng, m.Config.PsiBatch, m.Config.PsiRadius)
	samples := make([]*calabiyau.Sample, len(psis))
	for i, psi := range psis {
		q, err := calabiyau.NewDwork(psi)
		if err != nil {
			return nil, err
		}
		if samples[i], err = q.Sample(m.rng, m.Config.Points); err != nil {
			return nil, err
		}
	}
	return NewPoints(m.Basis, samples)
}

// Step runs one Adam step on a fresh batch and returns the loss before the update.
func (m *Model) Step() (float64, error) {
	p, err := m.Batch()
	if err != nil {
		return 0, err
	}
	metrics, err := m.trainer.TrainStep(train.Batch{Inputs: p.Tensors()})
	if err != nil {
		return 0, fmt.Errorf("hnet: training step %d: %w", m.steps+1, err)
	}
	m.steps++
	loss := tensors.ToScalar[float64](metrics[0])
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("hnet: loss is %g at step %d (training diverged; lower the learning rate)", loss, m.steps)
	}
	return loss, nil
}

// Loss evaluates the loss on a batch without training (for before/after comparisons).
func (m *Model) Loss(p *Points) (float64, error) {
	in := p.Tensors()
	args := make([]any, len(in))
	for i, t := range in {
		args[i] = t
	}
	out, err := m.lossExe.Exec(args...)
	if err != nil {
		return 0, err
	}
	return tensors.ToScalar[float64](out[0]), nil
}

// Steps is the number of training steps taken.
func (m *Model) Steps() int { return m.steps }

// H returns the network's Hermitian matrices H(ψ), row-major N x N, one per ψ.
func (m *Model) H(psis []complex128) ([][]complex128, error) {
	if len(psis) == 0 {
		return nil, fmt.Errorf("hnet: no moduli given")
	}
	abs := make([]float64, len(psis))
	for i, z := range psis {
		abs[i] = cmplx.Abs(z)
	}
	out, err := m.forward.Exec(tensors.FromFlatDataAndDimensions(abs, len(psis), 1))
	if err != nil {
		return nil, err
	}
	theta := tensors.MustCopyFlatData[float64](out[0])
	n := m.Basis.Size()
	hs := make([][]complex128, len(psis))
	for b := range psis {
		hs[b] = HostHermitian(theta[b*n*n:(b+1)*n*n], n)
	}
	return hs, nil
}

// HostHermitian is [HermitianFromParams] for one parameter vector on the host.
func HostHermitian(theta []float64, n int) []complex128 {
	u := n * (n - 1) / 2
	mm := make([]complex128, n*n)
	up := upperIndex(n)
	for i := 0; i < n; i++ {
		mm[i*n+i] = complex(theta[i], 0)
		for j := i + 1; j < n; j++ {
			k := up[[2]int{i, j}]
			mm[i*n+j] = complex(theta[n+k], theta[n+u+k])
		}
	}
	h := make([]complex128, n*n)
	for a := 0; a < n; a++ {
		for d := 0; d < n; d++ {
			var s complex128
			for c := 0; c < n; c++ {
				s += mm[a*n+c] * cmplx.Conj(mm[d*n+c])
			}
			h[a*n+d] = s
		}
	}
	return h
}

// SigmaGrid evaluates σ for H(ψ) at ψ = r e^{iφ} over the given radii and
// phases, with a fresh sample of the given size per ψ; sigma[i][j] is radius i, phase j.
func (m *Model) SigmaGrid(radii, phases []float64, points int) ([][]float64, error) {
	psis := make([]complex128, 0, len(radii)*len(phases))
	for _, r := range radii {
		for _, ph := range phases {
			psis = append(psis, cmplx.Rect(r, ph))
		}
	}
	hs, err := m.H(psis)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(radii))
	for i := range radii {
		out[i] = make([]float64, len(phases))
		for j := range phases {
			k := i*len(phases) + j
			q, err := calabiyau.NewDwork(psis[k])
			if err != nil {
				return nil, err
			}
			s, err := q.Sample(m.rng, points)
			if err != nil {
				return nil, err
			}
			met := &calabiyau.Metric{Quintic: q, Basis: m.Basis, H: hs[k]}
			if out[i][j], _, err = met.Sigma(s); err != nil {
				return nil, fmt.Errorf("psi = %v: %w", psis[k], err)
			}
		}
	}
	return out, nil
}

// EvalGrid returns the evaluation moduli of the tutorial: nRadii radii evenly
// from 1 to rMax and nPhases phases. The tutorial's phases 2πj/nPhases put
// ψ on a fifth root of unity at |ψ| = 1, the singular conifold points, so the
// phases here are shifted by half a step, (j + 1/2)·2π/nPhases.
func EvalGrid(rMax float64, nRadii, nPhases int) (radii, phases []float64) {
	for i := 0; i < nRadii; i++ {
		r := 1.0
		if nRadii > 1 {
			r = 1 + (rMax-1)*float64(i)/float64(nRadii-1)
		}
		radii = append(radii, r)
	}
	for j := 0; j < nPhases; j++ {
		phases = append(phases, (float64(j)+0.5)*2*math.Pi/float64(nPhases))
	}
	return radii, phases
}

// GridStats reduces a σ grid (radius × phase) to the mean, minimum and maximum over phases.
func GridStats(grid [][]float64) (mean, lo, hi []float64) {
	for _, row := range grid {
		m, l, h := 0.0, math.Inf(1), math.Inf(-1)
		for _, v := range row {
			m += v
			l, h = math.Min(l, v), math.Max(h, v)
		}
		mean, lo, hi = append(mean, m/float64(len(row))), append(lo, l), append(hi, h)
	}
	return mean, lo, hi
}
