package calabiyau

import (
	"fmt"
	"math"
	"math/cmplx"
	"runtime"
	"sync"

	"github.com/physnb/physnb/lib/calabiyau/cplx"
	"github.com/physnb/physnb/lib/num"
)

// Metric is the algebraic (Fubini-Study-type) Kähler metric of a Hermitian
// positive-definite N x N matrix H:
//
//	K = log(Σ_αβ s_α H_αβ̄ s̄_β) / (π k),   ĝ = ∂∂̄ K,
//
// on a quintic with monomial sections s of degree k. H = 1 at k = 1 is the
// Fubini-Study metric (divided by π).
type Metric struct {
	Quintic *Quintic
	Basis   *MonomialBasis
	// H is row-major N x N, Hermitian positive definite.
	H []complex128
}

// NewMetric starts from H = identity.
func NewMetric(q *Quintic, b *MonomialBasis) *Metric {
	n := b.Size()
	h := make([]complex128, n*n)
	for i := 0; i < n; i++ {
		h[i*n+i] = 1
	}
	return &Metric{Quintic: q, Basis: b, H: h}
}

// WithH returns a metric with another H, checked to be N x N, Hermitian and
// positive definite.
func (m *Metric) WithH(h []complex128) (*Metric, error) {
	n := m.Basis.Size()
	if len(h) != n*n {
		return nil, fmt.Errorf("calabiyau: H has %d entries, want %d x %d for degree %d", len(h), n, n, m.Basis.Degree)
	}
	if e := cplx.HermitianError(h, n); e > 1e-10 {
		return nil, fmt.Errorf("calabiyau: H is not Hermitian (relative asymmetry %.3g)", e)
	}
	if _, err := cplx.Cholesky(h, n); err != nil {
		return nil, fmt.Errorf("calabiyau: H: %w", err)
	}
	return &Metric{Quintic: m.Quintic, Basis: m.Basis, H: append([]complex128(nil), h...)}, nil
}

// geometry holds the H-dependent quantities at one point.
type geometry struct {
	psi  float64          // s^T H s̄ > 0
	gAmb [4][4]complex128 // ĝ_ij̄ in the patch's affine coordinates
}

// ambient computes ψ = s^T H s̄, ∂_iψ, ∂_i∂_j̄ψ and
// ĝ_ij̄ = (∂_i∂_j̄ψ/ψ - ∂_iψ ∂_j̄ψ/ψ^2)/(πk), using scratch buffers v (N) and w (4N).
func (m *Metric) ambient(s, ds, v, w []complex128) geometry {
	n := m.Basis.Size()
	h := m.H
	for a := 0; a < n; a++ {
		var va complex128
		var w0, w1, w2, w3 complex128
		row := h[a*n : a*n+n]
		for b, hab := range row {
			if hab == 0 {
				continue
			}
			va += hab * cmplx.Conj(s[b])
			d := ds[b*4 : b*4+4]
			w0 += hab * cmplx.Conj(d[0])
			w1 += hab * cmplx.Conj(d[1])
			w2 += hab * cmplx.Conj(d[2])
			w3 += hab * cmplx.Conj(d[3])
		}
		v[a] = va
		w[a*4], w[a*4+1], w[a*4+2], w[a*4+3] = w0, w1, w2, w3
	}
	var psi complex128
	var dpsi [4]complex128
	var ddpsi [4][4]complex128
	for a := 0; a < n; a++ {
		psi += s[a] * v[a]
		for i := 0; i < 4; i++ {
			dsi := ds[a*4+i]
			if dsi == 0 {
				continue
			}
			dpsi[i] += dsi * v[a]
			for j := 0; j < 4; j++ {
				ddpsi[i][j] += dsi * w[a*4+j]
			}
		}
	}
	p := real(psi)
	scale := 1 / (math.Pi * float64(m.Basis.Degree))
	var g geometry
	g.psi = p
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			g.gAmb[i][j] = complex(scale, 0) * (ddpsi[i][j]/complex(p, 0) - dpsi[i]*cmplx.Conj(dpsi[j])/complex(p*p, 0))
		}
	}
	return g
}

// evaluator owns scratch buffers for one goroutine.
type evaluator struct {
	m           *Metric
	s, ds, v, w []complex128
}

func (m *Metric) newEvaluator() *evaluator {
	n := m.Basis.Size()
	return &evaluator{m: m, s: make([]complex128, n), ds: make([]complex128, 4*n), v: make([]complex128, n), w: make([]complex128, 4*n)}
}

func (e *evaluator) geometryAt(pt Point) geometry {
	e.m.Basis.Eval(pt, e.s, e.ds)
	return e.m.ambient(e.s, e.ds, e.v, e.w)
}

// Potential is the Kähler potential K = log(s^T H s̄)/(πk) at a point (in its patch).
func (m *Metric) Potential(pt Point) float64 {
	e := m.newEvaluator()
	m.Basis.Eval(pt, e.s, nil)
	var psi complex128
	n := m.Basis.Size()
	for a := 0; a < n; a++ {
		var va complex128
		for b := 0; b < n; b++ {
			va += m.H[a*n+b] * cmplx.Conj(e.s[b])
		}
		psi += e.s[a] * va
	}
	return math.Log(real(psi)) / (math.Pi * float64(m.Basis.Degree))
}

// AmbientMetric is ĝ_ij̄ = ∂_i∂_j̄ K in the affine coordinates of the point's
// patch (ordered by homogeneous index, the patch index left out).
func (m *Metric) AmbientMetric(pt Point) [4][4]complex128 {
	return m.newEvaluator().geometryAt(pt).gAmb
}

// PulledBack is the 3x3 Hermitian metric g_ab̄ = J_ai ĝ_ij̄ J̄_bj on the
// threefold, in the local coordinates (affine minus the dependent one), row-major.
func (m *Metric) PulledBack(pt Point) [9]complex128 {
	return m.pulledBack(m.newEvaluator(), pt)
}

func (m *Metric) pulledBack(e *evaluator, pt Point) [9]complex128 {
	g := e.geometryAt(pt)
	c := chartOf(pt)
	return pullback(jacobian(c, m.Quintic.Grad(pt.Z), pt.Dep), g.gAmb)
}

// Eta is η = det g / |Ω|^2 = det g · |∂Q/∂z_dep|^2, not yet normalised; it is
// independent of the chart (a ratio of two volume forms).
func (m *Metric) Eta(pt Point) float64 {
	return m.eta(m.newEvaluator(), pt)
}

func (m *Metric) eta(e *evaluator, pt Point) float64 {
	g := m.pulledBack(e, pt)
	grad := m.Quintic.Grad(pt.Z)
	return real(det3(g)) * real(grad[pt.Dep]*cmplx.Conj(grad[pt.Dep]))
}

// Etas evaluates η at every point of a sample, in parallel.
func (m *Metric) Etas(s *Sample) []float64 {
	out := make([]float64, s.Len())
	parallelFor(s.Len(), func(lo, hi int) {
		e := m.newEvaluator()
		for p := lo; p < hi; p++ {
			out[p] = m.eta(e, s.Points[p])
		}
	})
	return out
}

// SigmaOf is the σ accuracy of given η values under the sample's weights:
//
//	σ = (1/Vol) E[ |1 - η Vol/Vol_K| w ],  Vol = E[w],  Vol_K = E[η w],
//
// i.e. the Ω-average of |1 - η̂| with η̂ normalised to Ω-mean one. σ = 0 for
// the Ricci-flat metric. stderr is the Monte Carlo standard error (the
// normalisations taken as exact).
func SigmaOf(etas, weights []float64) (sigma, stderr float64, err error) {
	if len(etas) != len(weights) {
		return 0, 0, fmt.Errorf("calabiyau: %d eta values for %d weights", len(etas), len(weights))
	}
	if len(etas) < MinPoints {
		return 0, 0, fmt.Errorf("calabiyau: %d points are too few for sigma (need at least %d)", len(etas), MinPoints)
	}
	var vol, volK float64
	for i, w := range weights {
		vol += w
		volK += etas[i] * w
	}
	vol /= float64(len(etas))
	volK /= float64(len(etas))
	terms := make([]float64, len(etas))
	for i, w := range weights {
		terms[i] = math.Abs(1-etas[i]*vol/volK) * w / vol
	}
	sigma, stderr = num.MeanStdErr(terms)
	if math.IsNaN(sigma) {
		return 0, 0, fmt.Errorf("calabiyau: sigma is NaN (eta or weights not finite)")
	}
	return sigma, stderr, nil
}

// Sigma is the σ accuracy of this metric on a sample.
func (m *Metric) Sigma(s *Sample) (sigma, stderr float64, err error) {
	if s.Len() < MinPoints {
		return 0, 0, fmt.Errorf("calabiyau: %d points are too few for sigma (need at least %d)", s.Len(), MinPoints)
	}
	return SigmaOf(m.Etas(s), s.Weights)
}

// NormalizedEtas returns η Vol/Vol_K, whose Ω-mean is one.
func NormalizedEtas(etas, weights []float64) []float64 {
	var vol, volK float64
	for i, w := range weights {
		vol += w
		volK += etas[i] * w
	}
	out := make([]float64, len(etas))
	for i := range etas {
		out[i] = etas[i] * vol / volK
	}
	return out
}

// parallelFor splits [0, n) into one contiguous chunk per CPU.
func parallelFor(n int, f func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
