// Package flows is a small normalizing-flow library: RealNVP affine coupling
// blocks and the hierarchical bijectors of Neural Network Renormalization
// Group (S.-H. Li and L. Wang, PRL 121, 260601 (2018), arXiv:1802.02840).
//
// A flow is an invertible map x = g(z) from latent Gaussian noise z ~ N(0, 1)
// to configurations x, whose density follows from the change of variables
//
//	ln q(x) = ln N(z) - ln|det ∂x/∂z|,   z = g⁻¹(x).
//
// NeuralRG builds g from small RealNVP blocks acting on 2x2 plaquettes of an
// L x L lattice. In the TEBD-like layout the blocks tile the lattice in layers
// shifted by one site; in the MERA-like layout each RG level works on the
// sublattice of spacing 2^k, with decimators (one variable per block comes from
// the coarser level, three are new noise) and disentanglers (the same blocks
// shifted by half a block). Read in the inference direction the MERA is a
// renormalization group: each level keeps one variable per block and sends the
// rest out as independent latent variables.
//
// Example (the weights live in a GoMLX model store; graph code calls the bijector):
//
//	layout, _ := flows.MERA(8, 3, 1)
//	store := model.NewStore()
//	bj, _ := flows.NewBijector(store, layout, flows.DefaultRealNVP(), dtypes.Float32, seed)
//	gen := model.MustNewExec(backend, store, func(_ *model.Scope, z *graph.Node) (*graph.Node, *graph.Node) {
//		return bj.Generate(z) // x and ln|det ∂x/∂z| per row
//	})
//
// [Variational] trains a bijector on an unnormalised target density by
// minimising the variational free energy E_q[ln q + E(x)] (reverse KL) with
// Adam; [Metropolis] turns the trained flow into an exact sampler.
package flows
