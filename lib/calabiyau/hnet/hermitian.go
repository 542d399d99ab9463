package hnet

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/physnb/physnb/lib/calabiyau/cplx"
)

// NumParams is the number of real parameters of an N x N Hermitian positive
// matrix in the Cholesky form: N real diagonal entries plus the real and
// imaginary parts of the N(N-1)/2 upper entries, N^2 in all.
func NumParams(n int) int { return n * n }

// upperIndex enumerates the strict upper triangle row by row, like
// numpy.triu_indices(n, 1): (0,1), (0,2), ..., (1,2), ...
func upperIndex(n int) map[[2]int]int {
	m := make(map[[2]int]int, n*(n-1)/2)
	u := 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			m[[2]int{i, j}] = u
			u++
		}
	}
	return m
}

// HermitianFromParams builds H = M M^† from parameters θ of shape [B, N^2]:
// M is upper triangular with diagonal θ[:N] and upper entries
// θ[N:N+U] + i θ[N+U:], U = N(N-1)/2 (cyjax.ml.cholesky_from_param's layout).
// H is Hermitian and positive semi-definite for every θ (definite when the
// diagonal is non-zero), which is why the network outputs θ rather than H.
func HermitianFromParams(theta *graph.Node, n int) cplx.Node {
	if theta.Rank() != 2 || theta.Shape().Dimensions[1] != n*n {
		panic(fmt.Sprintf("hnet.HermitianFromParams: want shape [B, %d], got %s", n*n, theta.Shape()))
	}
	b := theta.Shape().Dimensions[0]
	u := n * (n - 1) / 2
	zero := n * n // index of an appended zero column
	idxRe := make([]int32, n*n)
	idxIm := make([]int32, n*n)
	up := upperIndex(n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			idxRe[i*n+j], idxIm[i*n+j] = int32(zero), int32(zero)
			switch {
			case i == j:
				idxRe[i*n+j] = int32(i)
			case i < j:
				k := up[[2]int{i, j}]
				idxRe[i*n+j] = int32(n + k)
				idxIm[i*n+j] = int32(n + u + k)
			}
		}
	}
	g := theta.Graph()
	// Gather works on the leading axis: put parameters first, [N^2+1, B].
	src := graph.Transpose(graph.Concatenate([]*graph.Node{theta, graph.ZerosLike(graph.SliceAxis(theta, 1, graph.AxisElem(0)))}, 1), 0, 1)
	pick := func(idx []int32) *graph.Node {
		ix := graph.Const(g, idx)
		ix = graph.Reshape(ix, n*n, 1)
		m := graph.Gather(src, ix) // [N^2, B]
		return graph.Reshape(graph.Transpose(m, 0, 1), b, n, n)
	}
	m := cplx.New(pick(idxRe), pick(idxIm))
	return cplx.Einsum("bac,bdc->bad", m, cplx.Conj(m))
}
