package hnet

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/calabiyau"
	"github.com/physnb/physnb/lib/calabiyau/cplx"
)

// The in-graph Cholesky construction equals the host construction, and H is
// Hermitian positive definite.
func TestHermitianFromParams(t *testing.T) {
	const n, b = 5, 2
	r := rand.New(rand.NewPCG(1, 1))
	theta := make([]float64, b*n*n)
	for i := range theta {
		theta[i] = r.NormFloat64()
	}
	outs := graph.MustExecOnceN(backend.Must(), func(th *graph.Node) []*graph.Node {
		h := HermitianFromParams(th, n)
		return []*graph.Node{h.Re, h.Im}
	}, tensors.FromFlatDataAndDimensions(theta, b, n*n))
	got, _ := cplx.FromTensors(outs[0], outs[1])
	for bi := 0; bi < b; bi++ {
		want := HostHermitian(theta[bi*n*n:(bi+1)*n*n], n)
		for i := range want {
			if d := cmplx.Abs(got[bi*n*n+i] - want[i]); d > 1e-12 {
				t.Fatalf("batch %d entry %d: graph %v host %v", bi, i, got[bi*n*n+i], want[i])
			}
		}
		if _, err := cplx.Cholesky(want, n); err != nil {
			t.Errorf("H not positive definite: %v", err)
		}
		if e := cplx.HermitianError(want, n); e > 1e-15 {
			t.Errorf("H not Hermitian: %g", e)
		}
	}
	// Reference layout (cyjax.ml.cholesky_from_param): θ = [diag, Re upper, Im upper];
	// for n = 2, θ = (a, b, c, d) gives M = [[a, c+id], [0, b]], H = M M^†.
	h := HostHermitian([]float64{1, 2, 3, 4}, 2)
	want := []complex128{1 + 25, complex(3, 4) * 2, complex(3, -4) * 2, 4}
	for i := range want {
		if cmplx.Abs(h[i]-want[i]) > 1e-14 {
			t.Errorf("2x2 example: H = %v, want %v", h, want)
			break
		}
	}
}

// The in-graph η (complex layer, Einsum contractions, Det3) equals the host
// implementation calabiyau.Metric.Eta, an independent code path in complex128,
// for a random positive H on two quintics.
func TestGraphEtaMatchesHost(t *testing.T) {
	const k = 2
	basis := calabiyau.MustMonomialBasis(k)
	n := basis.Size()
	r := rand.New(rand.NewPCG(2, 2))
	var samples []*calabiyau.Sample
	for _, psi := range []complex128{0.5 - 1i, 3 + 2i} {
		q, _ := calabiyau.NewDwork(psi)
		samples = append(samples, q.MustSample(r, 30))
	}
	pts, err := NewPoints(basis, samples)
	if err != nil {
		t.Fatal(err)
	}
	theta := make([]float64, 2*n*n)
	for i := range theta {
		theta[i] = 0.3 * r.NormFloat64()
	}
	for b := 0; b < 2; b++ {
		for i := 0; i < n; i++ {
			theta[b*n*n+i] += 1
		}
	}
	in := pts.Tensors()
	out := graph.MustExecOnce(backend.Must(), func(x []*graph.Node) *graph.Node {
		h := HermitianFromParams(x[0], n)
		return Eta(h, cplx.New(x[1], x[2]), cplx.New(x[3], x[4]), cplx.New(x[5], x[6]), x[7], k)
	}, tensors.FromFlatDataAndDimensions(theta, 2, n*n), in[1], in[2], in[3], in[4], in[5], in[6], in[7])
	got := tensors.MustCopyFlatData[float64](out)
	for b, s := range samples {
		m, err := calabiyau.NewMetric(s.Quintic, basis).WithH(HostHermitian(theta[b*n*n:(b+1)*n*n], n))
		if err != nil {
			t.Fatal(err)
		}
		for p, pt := range s.Points {
			want := m.Eta(pt)
			if d := math.Abs(got[b*s.Len()+p]/want - 1); d > 1e-9 {
				t.Fatalf("psi=%v point %d: graph eta %g, host eta %g", s.Quintic.Psi, p, got[b*s.Len()+p], want)
			}
		}
	}
}

// Adam steps (learning rate 1e-3, fresh samples each step) lower the loss on a
// fixed, larger evaluation batch below its value at H ≈ 1. (The first steps
// overshoot: Adam moves all final-layer weights by the learning rate at once.)
func TestTrainingLowersLoss(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Degree = 2
	m, err := New(backend.Must(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var samples []*calabiyau.Sample
	for _, psi := range RandomPsi(rand.New(rand.NewPCG(5, 5)), 4, cfg.PsiRadius) {
		q, _ := calabiyau.NewDwork(psi)
		samples = append(samples, q.MustSample(rand.New(rand.NewPCG(6, 6)), 2000))
	}
	eval, err := NewPoints(m.Basis, samples)
	if err != nil {
		t.Fatal(err)
	}
	l0, err := m.Loss(eval)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 150; i++ {
		if _, err := m.Step(); err != nil {
			t.Fatal(err)
		}
	}
	l1, _ := m.Loss(eval)
	t.Logf("loss %.4f -> %.4f after %d steps", l0, l1, m.Steps())
	if !(l1 < 0.85*l0) {
		t.Errorf("%d Adam steps did not lower the loss by 15%%: %.4f -> %.4f", m.Steps(), l0, l1)
	}
}

func TestBadConfig(t *testing.T) {
	for _, mod := range []func(*Config){
		func(c *Config) { c.Degree = 0 },
		func(c *Config) { c.Points = 1 },
		func(c *Config) { c.LearningRate = -1 },
		func(c *Config) { c.PsiBatch = 0 },
	} {
		c := DefaultConfig()
		mod(&c)
		if _, err := New(backend.Must(), c); err == nil {
			t.Errorf("config %+v accepted", c)
		}
	}
}

// The graph evaluator reproduces the host σ (same η to 1e-9) after a Donaldson
// step, where H is a general Hermitian matrix.
func TestEtaEvaluatorMatchesHostSigma(t *testing.T) {
	q, _ := calabiyau.NewDwork(10 + 3i)
	r := rand.New(rand.NewPCG(3, 3))
	b := calabiyau.MustMonomialBasis(3)
	m, err := calabiyau.NewMetric(q, b).DonaldsonStep(q.MustSample(r, 3000))
	if err != nil {
		t.Fatal(err)
	}
	s := q.MustSample(r, 500)
	ev, err := NewEtaEvaluator(backend.Must(), m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ev.Etas(s)
	if err != nil {
		t.Fatal(err)
	}
	want := m.Etas(s)
	for i := range want {
		if d := math.Abs(got[i]/want[i] - 1); d > 1e-9 {
			t.Fatalf("point %d: graph eta %g, host eta %g", i, got[i], want[i])
		}
	}
	gs, _, _ := ev.Sigma(s)
	hs, _, _ := m.Sigma(s)
	if math.Abs(gs-hs) > 1e-9 {
		t.Errorf("graph sigma %g, host sigma %g", gs, hs)
	}
}

// Reverse-mode gradients through the whole H-dependent chain (Gather into the
// Cholesky factor, complex Einsums, Det3) against central finite differences
// of the same graph, for L(θ) = Σ_p c_p η_p(θ) with fixed random c.
func TestEtaGradientFiniteDifferences(t *testing.T) {
	const k = 1
	basis := calabiyau.MustMonomialBasis(k)
	n := basis.Size()
	r := rand.New(rand.NewPCG(4, 4))
	q, _ := calabiyau.NewDwork(2 - 1i)
	pts, err := NewPoints(basis, []*calabiyau.Sample{q.MustSample(r, 20)})
	if err != nil {
		t.Fatal(err)
	}
	theta := make([]float64, n*n)
	for i := range theta {
		theta[i] = 0.2 * r.NormFloat64()
	}
	for i := 0; i < n; i++ {
		theta[i] += 1
	}
	c := make([]float64, pts.P)
	for i := range c {
		c[i] = r.NormFloat64()
	}
	in := pts.Tensors()
	exec := graph.MustNewExec(backend.Must(), func(x []*graph.Node) []*graph.Node {
		h := HermitianFromParams(x[0], n)
		eta := Eta(h, cplx.New(x[1], x[2]), cplx.New(x[3], x[4]), cplx.New(x[5], x[6]), x[7], k)
		l := graph.ReduceAllSum(graph.Mul(eta, graph.InsertAxes(x[8], 0)))
		return []*graph.Node{l, graph.Gradient(l, x[0])[0]}
	})
	eval := func(th []float64) (float64, []float64) {
		out := exec.MustExec(tensors.FromFlatDataAndDimensions(append([]float64(nil), th...), 1, n*n),
			in[1], in[2], in[3], in[4], in[5], in[6], in[7], tensors.FromFlatDataAndDimensions(c, pts.P))
		return tensors.ToScalar[float64](out[0]), tensors.MustCopyFlatData[float64](out[1])
	}
	_, grad := eval(theta)
	const h = 1e-6
	for i := 0; i < n*n; i++ {
		tp := append([]float64(nil), theta...)
		tm := append([]float64(nil), theta...)
		tp[i] += h
		tm[i] -= h
		lp, _ := eval(tp)
		lm, _ := eval(tm)
		fd := (lp - lm) / (2 * h)
		if math.Abs(fd-grad[i]) > 1e-5*math.Max(1, math.Abs(fd)) {
			t.Errorf("dL/dθ_%d: autodiff %g, finite difference %g", i, grad[i], fd)
		}
	}
}
