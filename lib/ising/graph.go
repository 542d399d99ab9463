package ising

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// EnergyGraph is the relaxed energy E(x) = ½ xᵀK'⁻¹x - Σ_i ln cosh(x_i) of a
// batch x (rows, N) as a GoMLX graph: one value per row, in x's dtype.
// ln cosh is evaluated as |x| + ln(1 + exp(-2|x|)) - ln 2, which never overflows.
func (r *Relaxation) EnergyGraph(x *Node) *Node {
	g := x.Graph()
	kinv := Const(g, r.kinvTensor(x.DType()))
	quadratic := MulScalar(ReduceSum(Mul(MatMul(x, kinv), x), -1), 0.5)
	return Sub(quadratic, ReduceSum(LogCosh(x), -1))
}

// LogCosh is ln cosh(x), elementwise and overflow-free.
func LogCosh(x *Node) *Node {
	a := Abs(x)
	return AddScalar(Add(a, Log1p(Exp(MulScalar(a, -2)))), -math.Ln2)
}

func (r *Relaxation) kinvTensor(dtype dtypes.DType) *tensors.Tensor {
	if dtype == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(append([]float64(nil), r.KInv...), r.N, r.N)
	}
	f := make([]float32, len(r.KInv))
	for i, v := range r.KInv {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, r.N, r.N)
}
