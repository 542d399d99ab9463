package ising

import (
	"fmt"
	"math"
	"sync"
)

// DefaultShift is the smallest eigenvalue given to the shifted coupling matrix
// K' = K + δ·1, as in the NeuralRG code (source/ising.py: offset = 0.1 - min eig K).
const DefaultShift = 0.1

// Relaxation is the continuous (Hubbard-Stratonovich) relaxation of the
// L x L periodic Ising model at temperature T; see the package documentation
// for the derivation.
type Relaxation struct {
	L, N int
	T    float64
	// Shift is the smallest eigenvalue of K' (DefaultShift unless chosen).
	Shift float64
	// Delta is δ, the multiple of the identity added to K = A/T.
	Delta float64
	// KInv is K'⁻¹, N x N row-major, computed in closed form by Fourier sums.
	KInv []float64
	// LogDetK is ln det K'.
	LogDetK float64
	// Fix is the constant in lnZ = lnZ_relaxed + Fix.
	Fix float64
	// lambda holds the eigenvalues of K = A/T by plane wave (k*L + l).
	lambda []float64
	// sqrtKMat caches K'^½ (see Whitened).
	sqrtOnce sync.Once
	sqrtKMat []float64
}

// adjacencyEigen returns the eigenvalue 2cos(2πk/L) + 2cos(2πl/L) of the
// adjacency matrix for the plane wave (k, l). The translation operators make A
// diagonal in plane waves; this also holds on the L = 2 torus with its double bonds.
func adjacencyEigen(L, k, l int) float64 {
	return 2*math.Cos(2*math.Pi*float64(k)/float64(L)) + 2*math.Cos(2*math.Pi*float64(l)/float64(L))
}

// NewRelaxation builds the relaxation with K' = A/T + δ·1, δ chosen so that
// the smallest eigenvalue of K' equals shift (> 0).
func NewRelaxation(L int, T, shift float64) (*Relaxation, error) {
	if err := checkLT(L, T); err != nil {
		return nil, err
	}
	if !(shift > 0) || math.IsInf(shift, 0) {
		return nil, fmt.Errorf("ising: shift=%v must be positive and finite (K' must be positive definite)", shift)
	}
	N := L * L
	// Eigenvalues of K = A/T over all plane waves.
	lam := make([]float64, N)
	minLam := math.Inf(1)
	for k := 0; k < L; k++ {
		for l := 0; l < L; l++ {
			v := adjacencyEigen(L, k, l) / T
			lam[k*L+l] = v
			minLam = math.Min(minLam, v)
		}
	}
	delta := shift - minLam
	logDet := 0.0
	for _, v := range lam {
		logDet += math.Log(v + delta)
	}
	r := &Relaxation{L: L, N: N, T: T, Shift: shift, Delta: delta, LogDetK: logDet, lambda: lam}
	r.KInv = r.MatrixFunction(func(mu float64) float64 { return 1 / mu })
	fn := float64(N)
	r.Fix = 0.5*fn*(math.Log(4)-delta-math.Log(2*math.Pi)) - 0.5*logDet
	return r, nil
}

// MatrixFunction returns f(K') (N x N, row-major) for a function f of the
// eigenvalues, e.g. 1/μ for K'⁻¹ or √μ for K'^½. K' commutes with the lattice
// translations, so f(K') is translation invariant and follows from plane-wave sums:
//
//	f(K')_ij = g(r_i - r_j),   g(dx, dy) = (1/N) Σ_(k,l) cos(2π(k dx + l dy)/L) f(λ_kl + δ).
func (r *Relaxation) MatrixFunction(f func(mu float64) float64) []float64 {
	L, N := r.L, r.N
	g := make([]float64, N)
	for dy := 0; dy < L; dy++ {
		for dx := 0; dx < L; dx++ {
			s := 0.0
			for k := 0; k < L; k++ {
				for l := 0; l < L; l++ {
					phase := 2 * math.Pi * float64(k*dx+l*dy) / float64(L)
					s += math.Cos(phase) * f(r.lambda[k*L+l]+r.Delta)
				}
			}
			g[dy*L+dx] = s / float64(N)
		}
	}
	m := make([]float64, N*N)
	for i := 0; i < N; i++ {
		yi, xi := i/L, i%L
		for j := 0; j < N; j++ {
			yj, xj := j/L, j%L
			m[i*N+j] = g[((yi-yj+L)%L)*L+(xi-xj+L)%L]
		}
	}
	return m
}

// MustNewRelaxation is [NewRelaxation] for notebook cells: it panics on error.
func MustNewRelaxation(L int, T, shift float64) *Relaxation {
	r, err := NewRelaxation(L, T, shift)
	if err != nil {
		panic(err)
	}
	return r
}

// KPrime returns K' = A/T + δ·1 (N x N, row-major).
func (r *Relaxation) KPrime() []float64 {
	A := Adjacency(r.L)
	for i := range A {
		A[i] /= r.T
	}
	for i := 0; i < r.N; i++ {
		A[i*r.N+i] += r.Delta
	}
	return A
}

// Energy is E(x) = ½ xᵀK'⁻¹x - Σ_i ln cosh(x_i) for one configuration x (len N).
func (r *Relaxation) Energy(x []float64) float64 {
	q := 0.0
	for i := 0; i < r.N; i++ {
		row := r.KInv[i*r.N : (i+1)*r.N]
		s := 0.0
		for j, v := range row {
			s += v * x[j]
		}
		q += x[i] * s
	}
	lc := 0.0
	for _, v := range x {
		lc += logTwoCosh(v) - math.Ln2
	}
	return 0.5*q - lc
}

// LnZRelaxed is ln ∫dx exp(-E(x)) given the discrete lnZ: lnZ - Fix.
func (r *Relaxation) LnZRelaxed(lnZ float64) float64 { return lnZ - r.Fix }

// ExactBound is the lower bound of the variational free energy
// E_q[ln q + E(x)] >= -lnZ_relaxed = Fix - lnZ, reached only by q = exp(-E)/Z_relaxed.
func (r *Relaxation) ExactBound(lnZ float64) float64 { return r.Fix - lnZ }

// ExactBound computes the bound of the variational loss for the L x L model at T
// with the given shift, taking lnZ from [KaufmanLnZ]. It returns lnZ and Fix too.
// It needs neither K'⁻¹ nor the N eigenvalues in memory ([RelaxationFix]),
// so it takes O(L²) time and O(L) memory, up to L = [MaxExactL].
func ExactBound(L int, T, shift float64) (bound, lnZ, fix float64, err error) {
	if fix, err = RelaxationFix(L, T, shift); err != nil {
		return 0, 0, 0, err
	}
	if lnZ, err = KaufmanLnZ(L, T); err != nil {
		return 0, 0, 0, err
	}
	return fix - lnZ, lnZ, fix, nil
}

// MaxExactL is the largest lattice [ExactBound] accepts: its L² logarithms
// take about a second there.
const MaxExactL = 10000

// RelaxationFix is the Fix of [NewRelaxation](L, T, shift), the same number,
// from the plane-wave eigenvalues λ_kl = (2cos(2πk/L) + 2cos(2πl/L))/T
// streamed twice (their minimum, then Σ ln(λ_kl + δ)) instead of an N x N
// matrix: O(L²) time, O(L) memory.
func RelaxationFix(L int, T, shift float64) (float64, error) {
	if err := checkLT(L, T); err != nil {
		return 0, err
	}
	if L > MaxExactL {
		return 0, fmt.Errorf("ising: --L %d: want 2 to %d (the exact bound sums over L² plane waves)", L, MaxExactL)
	}
	if !(shift > 0) || math.IsInf(shift, 0) {
		return 0, fmt.Errorf("ising: --shift %v: want a positive, finite shift (K' must be positive definite)", shift)
	}
	c := make([]float64, L)
	for k := range c {
		c[k] = 2 * math.Cos(2*math.Pi*float64(k)/float64(L))
	}
	minLam := math.Inf(1)
	for k := 0; k < L; k++ {
		for l := 0; l < L; l++ {
			minLam = math.Min(minLam, (c[k]+c[l])/T)
		}
	}
	delta := shift - minLam
	logDet := 0.0
	for k := 0; k < L; k++ {
		for l := 0; l < L; l++ {
			logDet += math.Log((c[k]+c[l])/T + delta)
		}
	}
	fn := float64(L) * float64(L)
	return 0.5*fn*(math.Log(4)-delta-math.Log(2*math.Pi)) - 0.5*logDet, nil
}

// SpinUpProbability is P(s_i = +1 | x) = 1/(1 + exp(-2x)): given x the spins
// are independent, with conditional mean tanh(x).
func SpinUpProbability(x float64) float64 { return 1 / (1 + math.Exp(-2*x)) }
