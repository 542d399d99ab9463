package ising

import (
	"fmt"
	"math/rand/v2"
)

// GibbsMove is one step of the data-augmentation (two-block Gibbs) chain of
// the relaxation, a Monte Carlo move that leaves π(x) ∝ exp(-E(x)) exactly
// invariant whatever its starting point. The relaxation is the x-marginal of
// the joint density
//
//	p(x, s) ∝ exp(-½ xᵀK'⁻¹x + sᵀx),
//
// whose two conditionals are easy: given x the spins are independent with
// P(s_i = +1 | x) = 1/(1+exp(-2x_i)), and given s, x is the Gaussian N(K's, K').
// Drawing s | x and then a fresh x | s is a Gibbs sweep over the joint, so it
// keeps the joint, hence π(x), invariant. It moves locally in spin space (each
// spin is resampled given its own field), which is what an independence sampler
// with a flow proposal lacks when its importance weights are heavy-tailed.
//
// With whitened true the configuration is y = K'^(-½) x (the variables of
// [Relaxation.Whitened]) and the update is y' = K'^½ s + ξ, ξ ~ N(0, 1); else
// x' = K's + K'^½ ξ. v (len N) is updated in place; the move costs two N x N
// matrix-vector products.
func (r *Relaxation) GibbsMove(v []float64, whitened bool, rng *rand.Rand) error {
	if len(v) != r.N {
		return fmt.Errorf("ising: GibbsMove needs one configuration of %d sites, got %d values", r.N, len(v))
	}
	sq := r.sqrtK()
	x := v
	if whitened {
		x = matVec(sq, v, make([]float64, r.N))
	}
	s := make([]float64, r.N)
	for i, xi := range x {
		s[i] = -1
		if rng.Float64() < SpinUpProbability(xi) {
			s[i] = 1
		}
	}
	xi := make([]float64, r.N)
	for i := range xi {
		xi[i] = rng.NormFloat64()
	}
	if whitened {
		// y' = K'^½ s + ξ.
		matVec(sq, s, v)
		for i := range v {
			v[i] += xi[i]
		}
		return nil
	}
	// x' = K's + K'^½ ξ, with K's = δs + As/T.
	matVec(sq, xi, v)
	right, down := Neighbours(r.L)
	for i := 0; i < r.N; i++ {
		v[i] += r.Delta * s[i]
		v[right[i]] += s[i] / r.T
		v[i] += s[right[i]] / r.T
		v[down[i]] += s[i] / r.T
		v[i] += s[down[i]] / r.T
	}
	return nil
}

// matVec writes m·v into out (m is len(v) x len(v), row-major) and returns out.
func matVec(m, v, out []float64) []float64 {
	n := len(v)
	for i := 0; i < n; i++ {
		s := 0.0
		for j, w := range m[i*n : (i+1)*n] {
			s += w * v[j]
		}
		out[i] = s
	}
	return out
}
