package layers

import (
	"fmt"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Relu is max(x, 0) written as a selection, Where(x > 0, x, 0): its gradient
// is one selection, Where(x > 0, v, 0), while GoMLX differentiates Max(x, 0)
// through sign indicators, several passes over the tensor.
func Relu(x *Node) *Node {
	zero := ZerosLike(x)
	return Where(GreaterThan(x, zero), x, zero)
}

// Dense is x [B, F] times a weight matrix [F, out] plus a bias, with the
// variables named as layers.DenseWithBias names them ("dense/weights",
// "dense/biases" in scope), computed with [MatProduct].
func Dense(scope *model.Scope, x *Node, out int) *Node {
	if x.Rank() != 2 {
		panic(fmt.Sprintf("layers.Dense: want x [batch, features], got %s", x.Shape()))
	}
	scope = scope.In("dense")
	g := x.Graph()
	w := scope.VariableWithShape("weights", shapes.Make(x.DType(), x.Shape().Dimensions[1], out)).NodeValue(g)
	b := scope.VariableWithShape("biases", shapes.Make(x.DType(), out)).NodeValue(g)
	return Add(MatProduct(x, w), ExpandLeftToRank(b, 2))
}
