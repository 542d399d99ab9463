package hnet

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/calabiyau"
	"github.com/physnb/physnb/lib/calabiyau/cplx"
)

// Points holds everything about a batch of samples that does not depend on H,
// precomputed on the host: B moduli values, P points each, N sections.
//
// Only H changes during training, so sections, their derivatives, the
// embedding Jacobians and |∂Q/∂z_dep|^2 are inputs to the graph, and the graph
// contains exactly the H-dependent algebra that autodiff must see.
type Points struct {
	B, P, N int
	Psi     []complex128
	S       []complex128 // [B, P, N]     s_α(z)
	DS      []complex128 // [B, P, N, 4]  ∂s_α/∂z_i (affine)
	J       []complex128 // [B, P, 3, 4]  ∂z_i/∂x_a
	G2      []float64    // [B, P]        |∂Q/∂z_dep|^2 = 1/|Ω|^2
	W       []float64    // [B, P]        Monte Carlo weights
}

// NewPoints evaluates the H-independent geometry for samples on several quintics.
// All samples must have the same size.
func NewPoints(basis *calabiyau.MonomialBasis, samples []*calabiyau.Sample) (*Points, error) {
	if len(samples) == 0 {
		return nil, fmt.Errorf("hnet: no samples")
	}
	b, p, n := len(samples), samples[0].Len(), basis.Size()
	pts := &Points{B: b, P: p, N: n,
		Psi: make([]complex128, b),
		S:   make([]complex128, b*p*n), DS: make([]complex128, b*p*n*4),
		J: make([]complex128, b*p*12), G2: make([]float64, b*p), W: make([]float64, b*p)}
	for bi, s := range samples {
		if s.Len() != p {
			return nil, fmt.Errorf("hnet: sample %d has %d points, sample 0 has %d", bi, s.Len(), p)
		}
		q := s.Quintic
		pts.Psi[bi] = q.Psi
		for pi, pt := range s.Points {
			k := bi*p + pi
			basis.Eval(pt, pts.S[k*n:(k+1)*n], pts.DS[k*n*4:(k+1)*n*4])
			j := calabiyau.Jacobian(q, pt)
			for a := 0; a < 3; a++ {
				for i := 0; i < 4; i++ {
					pts.J[k*12+a*4+i] = j[a][i]
				}
			}
			g := q.Grad(pt.Z)
			pts.G2[k] = real(g[pt.Dep] * cmplx.Conj(g[pt.Dep]))
			pts.W[k] = s.Weights[pi]
		}
	}
	return pts, nil
}

// Tensors returns the graph inputs in the order [Eta] expects:
// |ψ| [B,1], S re/im, DS re/im, J re/im, G2, W.
func (p *Points) Tensors() []*tensors.Tensor {
	abs := make([]float64, p.B)
	for i, z := range p.Psi {
		abs[i] = cmplx.Abs(z)
	}
	sr, si := cplx.MustToTensors(p.S, p.B, p.P, p.N)
	dr, di := cplx.MustToTensors(p.DS, p.B, p.P, p.N, 4)
	jr, ji := cplx.MustToTensors(p.J, p.B, p.P, 3, 4)
	return []*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(abs, p.B, 1),
		sr, si, dr, di, jr, ji,
		tensors.FromFlatDataAndDimensions(append([]float64(nil), p.G2...), p.B, p.P),
		tensors.FromFlatDataAndDimensions(append([]float64(nil), p.W...), p.B, p.P),
	}
}

// Eta computes η = det(J ĝ J^†) |∂Q/∂z_dep|^2 in the graph, shape [B, P], for
// Hermitian matrices h [B, N, N], from the inputs of [Points.Tensors]
// (s, ds, jac, g2). It is the same formula as calabiyau.Metric.Eta:
//
//	ψ = s^T H s̄,  ĝ_ij̄ = (∂_i∂_j̄ψ/ψ - ∂_iψ ∂_j̄ψ/ψ^2)/(πk).
func Eta(h, s, ds, jac cplx.Node, g2 *graph.Node, degree int) *graph.Node {
	v := cplx.Einsum("bac,bpc->bpa", h, cplx.Conj(s))            // (H s̄)_a
	psi := graph.ReduceSum(cplx.Mul(s, v).Re, -1)                // s^T H s̄, real
	dpsi := cplx.Einsum("bpai,bpa->bpi", ds, v)                  // ∂_i ψ
	w := cplx.Einsum("bac,bpcj->bpaj", h, cplx.Conj(ds))         // (H ∂̄s̄)_aj
	ddpsi := cplx.Einsum("bpai,bpaj->bpij", ds, w)               // ∂_i∂_j̄ ψ
	outer := cplx.Einsum("bpi,bpj->bpij", dpsi, cplx.Conj(dpsi)) // ∂_iψ ∂_j̄ψ
	psi4 := graph.InsertAxes(graph.InsertAxes(psi, -1), -1)      // [B,P,1,1]
	gHat := cplx.Sub(cplx.DivReal(ddpsi, psi4), cplx.DivReal(outer, graph.Square(psi4)))
	gHat = cplx.Scale(gHat, 1/(math.Pi*float64(degree)))
	jg := cplx.Einsum("bpai,bpij->bpaj", jac, gHat)
	g := cplx.Einsum("bpaj,bpcj->bpac", jg, cplx.Conj(jac)) // J ĝ J^†, [B,P,3,3]
	return graph.Mul(cplx.Det3(g).Re, g2)
}

// EtaLoss is the variance-based η loss of cyjax's moduli tutorial, averaged over the B moduli:
//
//	L_b = E_p[ w (η/η̄ - 1)^2 ] + E_p[ log(1 + min(η, 0)^2) ],   η̄ = E[w η]/E[w] (no gradient),
//
// the second term penalising negative η, where g is not positive definite.
func EtaLoss(eta, w *graph.Node) *graph.Node {
	etaMean := graph.StopGradient(graph.Div(graph.ReduceMean(graph.Mul(w, eta), -1), graph.ReduceMean(w, -1)))
	ratio := graph.Div(eta, graph.InsertAxes(etaMean, -1))
	variance := graph.ReduceMean(graph.Mul(w, graph.Square(graph.AddScalar(ratio, -1))), -1)
	neg := graph.MinScalar(eta, 0.0)
	penalty := graph.ReduceMean(graph.Log1p(graph.Square(neg)), -1)
	return graph.ReduceAllMean(graph.Add(variance, penalty))
}
