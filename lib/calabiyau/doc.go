// Package calabiyau computes approximate Ricci-flat (Calabi-Yau) metrics on
// quintic threefolds in CP^4, following the algebraic ansatz of Donaldson
// (math/0512625) as implemented in cyjax (Gerdes & Krippendorf,
// arXiv:2211.12520; sampling after Douglas et al., hep-th/0612075).
//
// The varieties are the Dwork family
//
//	Q(z) = Σ_i z_i^5 - 5ψ Π_i z_i = 0,   z ∈ CP^4,
//
// with the Fermat quintic at ψ = 0; ψ^5 = 1 is singular and rejected.
//
// The pieces, one file each:
//
//   - quintic.go: Q, its gradient, the coefficients of Q(p + t q) in t.
//   - roots.go: all roots of a complex polynomial (Aberth-Ehrlich, polished).
//   - sample.go: points as intersections of random lines p + t q with the
//     variety; affine patch (divide by the largest |z_i|), dependent coordinate
//     (largest |∂Q/∂z_i|), |Ω|^2 = 1/|∂Q/∂z_dep|^2, and Monte Carlo weights
//     w = |Ω|^2 / (density of the samples), whose mean is the volume in cyjax's
//     normalisation (∫ Ω∧Ω̄ up to a constant factor).
//   - basis.go: degree-k monomial sections s_α of O(k) and their derivatives;
//     the reduced basis on the quintic for k ≥ 5.
//   - metric.go: the Kähler potential K = log(s^T H s̄)/(πk), the ambient metric
//     ĝ = ∂∂̄K, its pull-back g = J ĝ J^† to the threefold,
//     η = det g / |Ω|^2 and the accuracy σ = E_Ω |1 - η/E_Ω η|.
//   - donaldson.go: Donaldson's T-operator, H ← (T(H)^{-1})^T with
//     T_αβ̄ = (N/Vol) ∫ s_α s̄_β / (s^T H s̄) dVol_Ω.
//   - symmetry.go: the permutation and phase symmetries of the Dwork family
//     acting on the sections; projecting T onto invariant matrices averages
//     each Monte Carlo point over its 15000 images (DonaldsonConfig.Symmetric).
//   - experiment.go, study.go: the walkthrough's runs, shared by the notebook
//     and `physnb calabiyau`: [SigmaExperiment], [DonaldsonExperiment] (σ per
//     iteration on a fixed sample), [SymmetryStudy] and [DegreeStudy], each
//     with a Default function, Validate and a JSON report; figures.go plots them.
//
// Everything here is host-side float64/complex128 Go, parallel over points.
// The differentiable, in-graph version of η used to train a network ψ → H
// lives in the sub-package hnet; the complex-number layer in cplx.
//
// Example (Donaldson's algorithm on the Dwork quintic, as in cyjax's walkthrough):
//
//	q, _ := calabiyau.NewDwork(10 + 3i)
//	b, _ := calabiyau.NewReducedBasis(4)                  // 70 sections
//	rng := rand.New(rand.NewPCG(1, 2))
//	eval, _ := q.Sample(rng, 20000)
//	sig0, _, _ := calabiyau.NewMetric(q, b).Sigma(eval)   // ≈ 0.74 at H = 1
//	m, _ := calabiyau.Donaldson(q, b, rng, calabiyau.DonaldsonConfig{Iterations: 15, Points: 20000})
//	sig, se, _ := m.Sigma(eval)                           // ≈ 0.157 ± 0.001
//
// or, as one experiment with σ after every iteration:
//
//	rep, err := calabiyau.DefaultDonaldson().Run(ctx, nil) // rep.SigmaPerIteration, rep.SigmaFigure()
package calabiyau
