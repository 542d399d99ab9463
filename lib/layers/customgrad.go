package layers

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
)

// Why custom gradients: the pure-Go backend multiplies matrices only in two
// layouts, lhs [M, K] with rhs [K, N] or [N, K] (the contracted axis last on
// the left), and copies any other operand into one of them with a slow,
// generic transpose. GoMLX's automatic gradient of y = a b computes
// db = a^T dy as a contraction over the *first* axis of both operands, so the
// backend transposes a and dy, and it wraps every gradient in a Transpose (an
// identity permutation still copies). For the ConvNet's layers that was about
// 30% of a training step. [MatProduct] states its gradient directly in the fast
// layouts; [Conv2D] and [MaxPool2] do the same for their adjoints.

// withGradient returns y unchanged, with the gradient of anything computed
// from it with respect to inputs[i] given by vjp(dy)[i], where dy is the
// gradient with respect to y. The caller computes y from StopGradient(inputs)
// so that autodiff never walks y's own graph.
//
// GoMLX attaches custom gradients only to identity nodes
// ([IdentityWithCustomGradient]); this joins two kinds of them. The identity
// on y records dy (reverse mode visits y before any of its inputs), and the
// identity on each input returns its part of vjp(dy), computed once. A zero
// scalar built from the input identities and added to y keeps them on the
// gradient path; the unused gradients of that link are pruned when the graph
// is compiled. Second derivatives through these ops are not supported.
func withGradient(y *Node, inputs []*Node, vjp func(dy *Node) []*Node) *Node {
	var dy *Node
	var grads []*Node
	var link *Node
	for i, x := range inputs {
		xi := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
			if dy == nil {
				panic(fmt.Sprintf("layers: custom gradient of %s reached input %d before its output", y.Shape(), i))
			}
			if grads == nil {
				grads = vjp(dy)
			}
			return grads[i]
		})
		first := Reshape(Slice(Reshape(xi, -1), AxisRange(0, 1)))
		term := Mul(ConvertDType(first, y.DType()), ScalarZero(y.Graph(), y.DType()))
		if link == nil {
			link = term
		} else {
			link = Add(link, term)
		}
	}
	return IdentityWithCustomGradient(Add(y, link), func(_, v *Node) *Node {
		dy, grads = v, nil
		return v
	})
}

// MatProduct is the matrix product a [M, K] b [K, N] with the gradients
//
//	da = dy b^T = DotGeneral(dy, b) contracting N (both last: no copies),
//	db = a^T dy = (a^T) [K, M] times dy [M, N] (one transpose of a),
//
// so it is fastest when a is the smaller operand (activations times a weight
// matrix with a small batch, or a kernel times a patch matrix).
func MatProduct(a, b *Node) *Node {
	if a.Rank() != 2 || b.Rank() != 2 || a.Shape().Dimensions[1] != b.Shape().Dimensions[0] {
		panic(fmt.Sprintf("layers.MatProduct: want a [M, K] and b [K, N], got %s and %s", a.Shape(), b.Shape()))
	}
	y := dot(StopGradient(a), StopGradient(b))
	return withGradient(y, []*Node{a, b}, func(dy *Node) []*Node {
		da := DotGeneral(dy, []int{1}, nil, StopGradient(b), []int{1}, nil)
		db := dot(Transpose(StopGradient(a), 0, 1), dy)
		return []*Node{da, db}
	})
}

// dot is the plain product a [M, K] b [K, N] in the backend's fast layout.
func dot(a, b *Node) *Node { return DotGeneral(a, []int{1}, nil, b, []int{0}, nil) }
