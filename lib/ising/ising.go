// Package ising is the two-dimensional Ising model on a periodic L x L square
// lattice: the discrete model with its exact partition function, and the
// continuous relaxation that Neural Network Renormalization Group flows are
// trained on.
//
// # The discrete model
//
// Spins s_i = ±1 sit on the sites of an L x L torus, one ferromagnetic bond
// (J = 1) joins each site to its right and to its lower neighbour, so there are
// 2N bonds for N = L² sites, and
//
//	E(s) = -Σ_<ij> s_i s_j,   Z = Σ_s exp(-E(s)/T).
//
// lnZ is known exactly on the finite torus from Kaufman's formula (B. Kaufman,
// Phys. Rev. 76, 1232 (1949)), see [KaufmanLnZ]; [BruteForceLnZ] (all 2^N
// configurations) and [TransferMatrixLnZ] (row-to-row transfer matrix) are the
// independent checks it is tested against. For L = 2 the torus has two bonds
// between each neighbouring pair; all three methods count both.
//
// # The continuous relaxation (Hubbard-Stratonovich)
//
// A flow produces continuous variables, so NeuralRG (S.-H. Li and L. Wang,
// PRL 121, 260601 (2018), arXiv:1802.02840) trains it on a density over x ∈ R^N
// whose marginal carries the Ising physics. Write K = A/T with A the adjacency
// matrix (A_ij = number of bonds between i and j), so that ½ sᵀKs = -E(s)/T.
// K is indefinite, so it is shifted by δ to K' = K + δ·1 with smallest
// eigenvalue [DefaultShift] (0.1, the value in the NeuralRG code). Since
// s_i² = 1 the shift only multiplies each Boltzmann weight by exp(Nδ/2). The
// Gaussian identity
//
//	exp(½ sᵀK's) = (2π)^(-N/2) det(K')^(-1/2) ∫dx exp(-½ xᵀK'⁻¹x + sᵀx)
//
// and Σ_s exp(sᵀx) = Π_i 2cosh(x_i) turn the spin sum into an integral over x
// with the energy
//
//	E(x) = ½ xᵀK'⁻¹x - Σ_i ln cosh(x_i)
//
// and the exact relation between the two partition functions
//
//	lnZ = lnZ_relaxed + Fix,   Fix = ½N(ln 4 - δ - ln 2π) - ½ ln det K'.
//
// Given x, the spins are independent with P(s_i = +1 | x) = 1/(1+exp(-2x_i)),
// so every discrete observable can be read off continuous samples.
//
// The variational free energy of a normalised density q(x),
// F[q] = E_q[ln q(x) + E(x)], is bounded below by -lnZ_relaxed = Fix - lnZ:
// [Relaxation.ExactBound] is that number, the target of the training loss.
//
// Example:
//
//	r, err := ising.NewRelaxation(4, ising.CriticalT, ising.DefaultShift)
//	lnZ, _ := ising.KaufmanLnZ(4, ising.CriticalT)
//	fmt.Println(r.Fix, r.ExactBound(lnZ)) // the loss can approach, never beat, the bound
package ising

import (
	"fmt"
	"math"
)

// CriticalT is Onsager's critical temperature of the square-lattice Ising
// model, T_c = 2/ln(1+√2) (in units of J/k_B).
var CriticalT = 2 / math.Log(1+math.Sqrt2)

// checkLT rejects sizes and temperatures that do not describe a lattice.
func checkLT(L int, T float64) error {
	if L < 2 {
		return fmt.Errorf("ising: --L %d: lattice too small, want L >= 2", L)
	}
	if !(T > 0) || math.IsInf(T, 0) {
		return fmt.Errorf("ising: -T %v: want a positive, finite temperature", T)
	}
	return nil
}

// Neighbours returns, for each site i = y*L + x, the site to its right and the
// site below it (periodic): the two bonds that site i owns.
func Neighbours(L int) (right, down []int) {
	N := L * L
	right, down = make([]int, N), make([]int, N)
	for y := 0; y < L; y++ {
		for x := 0; x < L; x++ {
			i := y*L + x
			right[i] = y*L + (x+1)%L
			down[i] = ((y+1)%L)*L + x
		}
	}
	return right, down
}

// Adjacency returns the N x N matrix A with A_ij the number of bonds between
// sites i and j (2 for neighbours on the L = 2 torus, else 0 or 1), row-major.
func Adjacency(L int) []float64 {
	N := L * L
	A := make([]float64, N*N)
	right, down := Neighbours(L)
	for i := 0; i < N; i++ {
		for _, j := range []int{right[i], down[i]} {
			A[i*N+j]++
			A[j*N+i]++
		}
	}
	return A
}

// Energy is E(s) = -Σ_<ij> s_i s_j over the 2N bonds, for spins ±1 stored
// row-major in s (len L²).
func Energy(L int, s []int8) float64 {
	right, down := Neighbours(L)
	e := 0
	for i := range s {
		e -= int(s[i]) * (int(s[right[i]]) + int(s[down[i]]))
	}
	return float64(e)
}
