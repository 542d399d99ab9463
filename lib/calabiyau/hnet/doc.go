// Package hnet learns the moduli dependence of the algebraic Calabi-Yau
// metric: a small network maps the Dwork modulus ψ to a Hermitian matrix
// H(ψ), trained so that η = det g/|Ω|^2 is as constant as possible over the
// threefold (Gerdes & Krippendorf, arXiv:2211.12520, cyjax's tutorial
// "Moduli dependent machine learning").
//
//	θ = Dense(σ(Dense(σ(Dense(|ψ|)))))       (widths 100, 100, N^2)
//	H = M M^†,  M upper triangular from θ     (Hermitian, positive)
//	L = E_ψ E_Ω[ w (η/η̄ - 1)^2 + log(1 + min(η,0)^2) ]
//
// The H-independent geometry (sections and derivatives, the embedding
// Jacobian, |Ω|^2 and the Monte Carlo weights) is computed on the host by
// package calabiyau for fresh points every step; the graph holds only the
// H-dependent algebra, written with the real/imaginary complex layer cplx so
// that it runs on GoMLX's pure-Go and XLA backends and can be differentiated.
//
// Example:
//
//	m := hnet.MustNew(backend.Must(), hnet.DefaultConfig())
//	for range 100 {
//		loss, err := m.Step()   // Adam, fresh ψ and points
//		...
//	}
//	sig, _ := m.SigmaGrid([]float64{1, 50, 100}, phases, 500)
//
// or the whole run of the tutorial (loss on a fixed batch and the σ grid
// before and after) as one experiment:
//
//	e := hnet.DefaultTrain()
//	e.OnStep = progress.New("H(ψ) network", 0).OnStep
//	rep, err := e.Run(ctx, backend.Must())
package hnet
