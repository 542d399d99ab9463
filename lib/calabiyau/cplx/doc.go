// Package cplx is a small complex-number layer for GoMLX graphs, plus the
// host-side complex128 linear algebra that the Calabi-Yau code needs.
//
// GoMLX's pure-Go backend has no complex dtypes, and no backend offers
// determinants or inverses. A complex tensor is therefore carried as two real
// tensors of the same shape, z = Re + i Im, and every operation is written out
// in real arithmetic:
//
//	(a + ib)(c + id)           = (ac - bd) + i(ad + bc)
//	Σ_k A_ik B_kj  (complex)   = four real Einsums with the same equation
//	det M (3x3)                = cofactor expansion along the first row
//
// Because everything is ordinary real graph code, the same functions run on the
// pure-Go and XLA backends and GoMLX's reverse-mode autodiff differentiates
// through them (gradients of a real loss with respect to Re and Im).
//
// Host-side helpers ([ToTensors], [FromTensors], [Cholesky], [HermitianInverse],
// [Det3Host], [DetLU]) work on row-major []complex128 matrices; they are used where
// a small dense matrix is inverted once per iteration (Donaldson's T-operator)
// and as the independent reference in the tests.
//
// Example, inside a graph function:
//
//	z := cplx.New(re, im)            // shape [P, 3, 3]
//	d := cplx.Det3(z)                // shape [P]
//	abs2 := cplx.Abs2(d)             // real |det|^2
package cplx
