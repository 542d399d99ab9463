package holography

import (
	"fmt"
	"math"
	"math/rand/v2"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/holography/blackhole"
	"github.com/physnb/physnb/lib/num"
)

// Metric is a learnable metric function H(η) as a piece of a GoMLX graph.
type Metric interface {
	// Name is a short label for plots and logs.
	Name() string
	// Init creates the trainable variables in scope with their initial values.
	Init(scope *model.Scope, rng *rand.Rand, cfg Config)
	// StageH returns H at the RK4 stage points of each layer, shape [N, 3]
	// (start, middle, end of the layer; see Config.StageEtas).
	StageH(scope *model.Scope, g *Graph, cfg Config) *Node
	// CurveEtas returns the η points where the learned metric is compared with the truth.
	CurveEtas(cfg Config) []float64
	// Curve returns the learned H at CurveEtas, shape [len(CurveEtas)].
	Curve(scope *model.Scope, g *Graph, cfg Config) *Node
	// Truth returns the black hole's value of what Curve estimates at CurveEtas.
	Truth(cfg Config, bh *blackhole.Background) []float64
	// Regularizer returns the metric's own penalty (a scalar node, may be zero).
	Regularizer(scope *model.Scope, g *Graph, cfg Config) *Node
}

// ---------------------------------------------------------------------------
// The walkthrough's ansatz.

// Ansatz is the PyTorch walkthrough's parameterisation of H(η): near the
// boundary (η ≥ η*) a polynomial with trainable coefficients d,
//
//	H_UV(η) = d₀ + d₁ (η-η*) + … + d_{K-1} (η-η*)^{K-1},
//
// written here in powers of (η - η*) rather than η (the same functions as the
// walkthrough's; but the data fix H(η*) far better than its slope, and in
// the centred basis that well-determined direction is one coordinate, which
// Adam's per-coordinate steps handle much better than a diagonal valley),
// and near the horizon (η < η*) the horizon behaviour 1/η (assumption A2:
// H → 1/η as η → 0) plus K further powers,
//
//	H_IR(η) = 1/η + c₁ η + … + c_K η^K,
//
// whose coefficients are not free: they solve the K matching conditions
// H_IR^{(i)}(η*) = H_UV^{(i)}(η*), i = 0…K-1 (value and K-1 derivatives), so
// H is C^{K-1}. The conditions are linear, c = M d + v, with M and v computed
// once on the host; the graph computes c from the trainable d, so gradients
// flow through the matching.
type Ansatz struct {
	K       int     // number of boundary coefficients d (the walkthrough uses 2)
	EtaStar float64 // matching point η* (the walkthrough uses η_UV/2)
	// InitMean and InitStd set the random initial d: each d_j ~ InitMean + InitStd·N(0,1).
	InitMean, InitStd float64
	// L2 is the weight of the walkthrough's penalty L2·Σ d_j² (it uses 0.1).
	L2 float64
	// Start, if set (length K), replaces the random initial d, for example by
	// the best point of a host-side scan of the training loss ([Ansatz.Landscape]).
	Start []float64

	m [][]float64 // c = m d + v
	v []float64
}

// NewAnsatz returns the walkthrough's ansatz: K = 2 (H_UV = d₀ + d₁(η-η*),
// H_IR = 1/η + c₁η + c₂η²), η* = 0.5, and L2 = 1e-4 (the walkthrough's 0.1
// pulls d towards zero hard enough to bias H). The initial d_j are 2 + 0.5·N(0,1):
// the walkthrough's N(0,1) plus a uniform offset in [-1, 1] (InitMean = NaN
// reproduces it) often starts with H < 0, where every sample has |F| ≫ 1,
// t(F) = 1 and the loss has no gradient.
func NewAnsatz() *Ansatz {
	return &Ansatz{K: 2, EtaStar: 0.5, InitMean: 2, InitStd: 0.5, L2: 1e-4}
}

func (a *Ansatz) Name() string { return fmt.Sprintf("ansatz K=%d, η*=%g", a.K, a.EtaStar) }

// deriv returns the i-th derivative of η^p at x (p may be negative).
func deriv(p, i int, x float64) float64 {
	c := 1.0
	for j := 0; j < i; j++ {
		c *= float64(p - j)
	}
	if c == 0 {
		return 0
	}
	return c * math.Pow(x, float64(p-i))
}

// prepare solves the matching conditions for M and v:
// Σ_k A[i][k] c_k = Σ_j U[i][j] d_j - D^i(1/η), with A[i][k] = D^i η^{k+1},
// U[i][j] = D^i (η-η*)^j = j! δ_ij at η*.
func (a *Ansatz) prepare() error {
	if a.K < 1 || a.K > 8 {
		return fmt.Errorf("holography: ansatz with K=%d boundary coefficients: need 1 ≤ K ≤ 8", a.K)
	}
	if !(a.EtaStar > 0) {
		return fmt.Errorf("holography: matching point η*=%g must be > 0", a.EtaStar)
	}
	K, x := a.K, a.EtaStar
	A := make([][]float64, K)
	rhs := make([][]float64, K) // columns: U (K of them) then -D^i(1/η)
	for i := 0; i < K; i++ {
		A[i] = make([]float64, K)
		rhs[i] = make([]float64, K+1)
		for k := 0; k < K; k++ {
			A[i][k] = deriv(k+1, i, x)
		}
		rhs[i][i] = deriv(i, i, 1) // i!
		rhs[i][K] = -deriv(-1, i, x)
	}
	sol, err := solve(A, rhs)
	if err != nil {
		return fmt.Errorf("holography: matching conditions at η*=%g: %w", x, err)
	}
	a.m = make([][]float64, K)
	a.v = make([]float64, K)
	for k := 0; k < K; k++ {
		a.m[k] = sol[k][:K]
		a.v[k] = sol[k][K]
	}
	return nil
}

// solve returns X with A X = B by Gaussian elimination with partial pivoting.
func solve(A, B [][]float64) ([][]float64, error) {
	n, m := len(A), len(B[0])
	a := make([][]float64, n)
	for i := range a {
		a[i] = append(append([]float64{}, A[i]...), B[i]...)
	}
	for col := 0; col < n; col++ {
		p := col
		for r := col + 1; r < n; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[p][col]) {
				p = r
			}
		}
		if math.Abs(a[p][col]) < 1e-300 {
			return nil, fmt.Errorf("singular system")
		}
		a[col], a[p] = a[p], a[col]
		for r := 0; r < n; r++ {
			if r == col {
				continue
			}
			f := a[r][col] / a[col][col]
			for c := col; c < n+m; c++ {
				a[r][c] -= f * a[col][c]
			}
		}
	}
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, m)
		for j := 0; j < m; j++ {
			x[i][j] = a[i][n+j] / a[i][i]
		}
	}
	return x, nil
}

func (a *Ansatz) Init(scope *model.Scope, rng *rand.Rand, cfg Config) {
	mean := a.InitMean
	if math.IsNaN(mean) {
		mean = 2*rng.Float64() - 1 // the walkthrough's common offset, uniform in [-1, 1]
	}
	d := make([]float64, a.K)
	for j := range d {
		d[j] = mean + a.InitStd*rng.NormFloat64()
	}
	if len(a.Start) == a.K {
		copy(d, a.Start)
	}
	scope.In("ansatz").VariableWithValue("d", d)
}

// Coefficients returns c = M d + v on the host, for given boundary coefficients d.
func (a *Ansatz) Coefficients(d []float64) ([]float64, error) {
	if a.m == nil {
		if err := a.prepare(); err != nil {
			return nil, err
		}
	}
	if len(d) != a.K {
		return nil, fmt.Errorf("holography: %d coefficients for an ansatz with K=%d", len(d), a.K)
	}
	c := make([]float64, a.K)
	for k := range c {
		c[k] = a.v[k]
		for j := range d {
			c[k] += a.m[k][j] * d[j]
		}
	}
	return c, nil
}

// EvalHost evaluates the ansatz H(η) on the host for coefficients d.
func (a *Ansatz) EvalHost(d []float64, eta float64) float64 {
	c, err := a.Coefficients(d)
	if err != nil {
		panic(err)
	}
	if eta < a.EtaStar {
		h := 1 / eta
		for k := range c {
			h += c[k] * math.Pow(eta, float64(k+1))
		}
		return h
	}
	h := 0.0
	for j := range d {
		h += d[j] * math.Pow(eta-a.EtaStar, float64(j))
	}
	return h
}

// hOf builds H at the given η values from the variable d: the matching
// solve c = M d + v, then H_IR or H_UV per point (the branch is known on the host).
func (a *Ansatz) hOf(scope *model.Scope, g *Graph, etas []float64) *Node {
	if a.m == nil {
		if err := a.prepare(); err != nil {
			panic(err)
		}
	}
	d := scope.Store().GetVariable("/ansatz/d").ValueGraph(g)
	c := Add(Einsum("kj,j->k", Const(g, a.m), d), Const(g, a.v))
	// Power matrices: uv[e][j] = (η_e-η*)^j on UV points, ir[e][k] = η_e^{k+1} on IR points, zero elsewhere.
	E := len(etas)
	uv, ir := make([][]float64, E), make([][]float64, E)
	pole := make([]float64, E)
	for e, eta := range etas {
		uv[e], ir[e] = make([]float64, a.K), make([]float64, a.K)
		for j := 0; j < a.K; j++ {
			if eta < a.EtaStar {
				ir[e][j] = math.Pow(eta, float64(j+1))
			} else {
				uv[e][j] = math.Pow(eta-a.EtaStar, float64(j))
			}
		}
		if eta < a.EtaStar {
			pole[e] = 1 / eta
		}
	}
	hUV := Einsum("ej,j->e", Const(g, uv), d)
	hIR := Add(Const(g, pole), Einsum("ek,k->e", Const(g, ir), c))
	return Add(hUV, hIR)
}

func (a *Ansatz) StageH(scope *model.Scope, g *Graph, cfg Config) *Node {
	return Reshape(a.hOf(scope, g, flatStageEtas(cfg)), cfg.Layers, 3)
}

// flatStageEtas lists the RK4 stage points of all layers in order, three per layer.
func flatStageEtas(cfg Config) []float64 {
	st := cfg.StageEtas()
	flat := make([]float64, 0, 3*len(st))
	for _, s := range st {
		flat = append(flat, s[:]...)
	}
	return flat
}

// CurveEtas is a grid of 91 points over [η_IR, η_UV].
func (a *Ansatz) CurveEtas(cfg Config) []float64 { return num.Linspace(cfg.EtaIR, cfg.EtaUV, 91) }

func (a *Ansatz) Curve(scope *model.Scope, g *Graph, cfg Config) *Node {
	return a.hOf(scope, g, a.CurveEtas(cfg))
}

func (a *Ansatz) Truth(cfg Config, bh *blackhole.Background) []float64 {
	return bh.H(a.CurveEtas(cfg))
}

func (a *Ansatz) Regularizer(scope *model.Scope, g *Graph, cfg Config) *Node {
	d := scope.Store().GetVariable("/ansatz/d").ValueGraph(g)
	return MulScalar(ReduceAllSum(Square(d)), a.L2)
}

// D returns the current boundary coefficients d from a store.
func (a *Ansatz) D(store *model.Store) []float64 {
	return variableValues(store, "/ansatz/d")
}

// Values returns the current per-layer H_n from a store.
func (p *PerLayer) Values(store *model.Store) []float64 {
	return variableValues(store, "/perlayer/h")
}

func variableValues(store *model.Store, path string) []float64 {
	v := store.GetVariable(path)
	if v == nil {
		return nil
	}
	t, err := v.Value()
	if err != nil {
		return nil
	}
	return tensors.MustCopyFlatData[float64](t)
}

// ---------------------------------------------------------------------------
// The paper's free per-layer metric.

// PerLayer is the paper's parameterisation (arXiv:1802.08313): one free value
// H_n per layer, constant across the layer's RK4 stages, with the smoothness
// regulariser
//
//	R = c_reg Σ_n η_n⁴ (H_{n+1} - H_n)²,
//
// whose η⁴ weight lets H grow like 1/η near the horizon, and the walkthrough's
// IR regulariser c_IR·ReLU(|H_{N-1} - 1/η_IR| - margin)², which asks the
// deepest layer to look like a horizon (A2) without fixing it.
// A constant-per-layer H is best compared with the layer average
// (1/Δη)∫H dη of the truth, which [blackhole.Background.LayerAverageH] gives exactly.
type PerLayer struct {
	Init0      float64 // initial value of every H_n
	InitStd    float64 // random spread added to Init0
	Smoothness float64 // c_reg
	IRWeight   float64 // c_IR
	IRMargin   float64
}

// NewPerLayer returns the per-layer metric with H_n = 2 ± 0.1 initially,
// c_reg = 1, c_IR = 0.1 and margin 1 (our choices: with c_reg = 1e-3 or 0.1
// the data leave H free to oscillate by tens of per cent between layers).
func NewPerLayer() *PerLayer {
	return &PerLayer{Init0: 2, InitStd: 0.1, Smoothness: 1, IRWeight: 0.1, IRMargin: 1}
}

func (p *PerLayer) Name() string { return "free per-layer H" }

func (p *PerLayer) values(scope *model.Scope, g *Graph, cfg Config) *Node {
	v := scope.Store().GetVariable("/perlayer/h")
	if v == nil {
		panic("holography: PerLayer variables not initialised: call Init first")
	}
	return v.ValueGraph(g)
}

// Init creates the N per-layer values H_n = Init0 + InitStd·N(0,1).
func (p *PerLayer) Init(scope *model.Scope, rng *rand.Rand, cfg Config) {
	h := make([]float64, cfg.Layers)
	for i := range h {
		h[i] = p.Init0 + p.InitStd*rng.NormFloat64()
	}
	scope.In("perlayer").VariableWithValue("h", h)
}

func (p *PerLayer) StageH(scope *model.Scope, g *Graph, cfg Config) *Node {
	h := p.values(scope, g, cfg)
	return BroadcastToDims(Reshape(h, cfg.Layers, 1), cfg.Layers, 3)
}

// CurveEtas are the layer midpoints.
func (p *PerLayer) CurveEtas(cfg Config) []float64 {
	out := make([]float64, cfg.Layers)
	for i := range out {
		out[i] = cfg.LayerEta(i) + cfg.Step()/2
	}
	return out
}

func (p *PerLayer) Curve(scope *model.Scope, g *Graph, cfg Config) *Node {
	return p.values(scope, g, cfg)
}

// Truth is the exact layer average of H over each layer.
func (p *PerLayer) Truth(cfg Config, bh *blackhole.Background) []float64 {
	out := make([]float64, cfg.Layers)
	for i := range out {
		out[i] = bh.LayerAverageH(cfg.LayerEta(i+1), cfg.LayerEta(i))
	}
	return out
}

func (p *PerLayer) Regularizer(scope *model.Scope, g *Graph, cfg Config) *Node {
	h := p.values(scope, g, cfg)
	N := cfg.Layers
	w := make([]float64, N-1)
	for i := range w {
		e := cfg.LayerEta(i)
		w[i] = e * e * e * e
	}
	reg := ScalarZero(g, h.DType())
	if N > 1 {
		diff := Sub(Slice(h, AxisRange(1, N)), Slice(h, AxisRange(0, N-1)))
		reg = MulScalar(ReduceAllSum(Mul(Const(g, w), Square(diff))), p.Smoothness)
	}
	last := Slice(h, AxisRange(N-1, N))
	horizon := math.Log(cfg.LayerEta(N-1)/cfg.EtaIR) / (cfg.LayerEta(N-1) - cfg.EtaIR) // ⟨1/η⟩ over the last layer
	ir := MaxScalar(AddScalar(Abs(AddScalar(last, -horizon)), -p.IRMargin), 0.0)
	return Add(reg, MulScalar(ReduceAllSum(Square(ir)), p.IRWeight))
}

// Project returns the coefficients of this ansatz whose H(η) is closest, in
// least squares over etas, to the curve of the ansatz from with coefficients
// d: a way to carry a fit over to an ansatz with more coefficients. It uses
// no data and no truth, only the given curve.
func (a *Ansatz) Project(from *Ansatz, d []float64, etas []float64) ([]float64, error) {
	if err := a.prepare(); err != nil {
		return nil, err
	}
	target := make([]float64, len(etas))
	for i, e := range etas {
		target[i] = from.EvalHost(d, e)
	}
	return fitAffine(a.EvalHost, a.K, etas, target, false)
}

// FitCurve returns the coefficients d whose H(η) is closest to target at
// etas in relative least squares (Σ (H/target - 1)²): the best this ansatz
// can do for a known curve, such as a true metric.
func (a *Ansatz) FitCurve(etas, target []float64) ([]float64, error) {
	if err := a.prepare(); err != nil {
		return nil, err
	}
	return fitAffine(a.EvalHost, a.K, etas, target, true)
}

// fitAffine solves the linear least-squares problem of a metric whose H is
// affine in its K coefficients p, H(η) = eval(p, η), through the normal
// equations: min Σ_i w_i (H(η_i) - target_i)², with w_i = 1/target_i² when
// relative, else 1.
func fitAffine(eval func(p []float64, eta float64) float64, K int, etas, target []float64, relative bool) ([]float64, error) {
	if len(etas) != len(target) || len(etas) < K {
		return nil, fmt.Errorf("holography: least squares with %d points for %d targets and %d coefficients", len(etas), len(target), K)
	}
	zero := make([]float64, K)
	A, B := make([][]float64, K), make([][]float64, K)
	for j := range A {
		A[j], B[j] = make([]float64, K), make([]float64, 1)
	}
	for i, e := range etas {
		w := 1.0
		if relative {
			w = 1 / (target[i] * target[i])
		}
		q := eval(zero, e)
		grad := make([]float64, K) // ∂H(η_i)/∂p_j
		for j := range grad {
			unit := make([]float64, K)
			unit[j] = 1
			grad[j] = eval(unit, e) - q
		}
		for j := 0; j < K; j++ {
			for k := 0; k < K; k++ {
				A[j][k] += w * grad[j] * grad[k]
			}
			B[j][0] += w * grad[j] * (target[i] - q)
		}
	}
	x, err := solve(A, B)
	if err != nil {
		return nil, fmt.Errorf("holography: least-squares fit with K=%d: %w", K, err)
	}
	out := make([]float64, K)
	for j := range out {
		out[j] = x[j][0]
	}
	return out, nil
}
