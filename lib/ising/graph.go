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

// Whitened is the relaxed target in the variables y = K'^(-½) x, in which the
// Gaussian part of E(x) becomes the unit Gaussian:
//
//	E_y(y) = E(K'^½ y) - ½ ln det K' = ½|y|² - Σ_i ln cosh((K'^½ y)_i) - ½ ln det K'.
//
// The constant makes ∫dy exp(-E_y) = Z_relaxed, so a flow trained on E_y has
// the same variational loss and the same exact bound as one trained on E(x),
// and its samples map back by x = K'^½ y (see [Relaxation.Unwhiten]). Under π
// y is a mixture of unit Gaussians centred at K'^½ s, a far easier target for a
// flow that starts at the identity than x, whose scales span √0.1 to √(8/T).
func (r *Relaxation) Whitened(y *Node) *Node {
	g := y.Graph()
	sqrtK := Const(g, r.sqrtKTensor(y.DType()))
	x := MatMul(y, sqrtK)
	return AddScalar(Sub(MulScalar(ReduceSum(Square(y), -1), 0.5), ReduceSum(LogCosh(x), -1)), -0.5*r.LogDetK)
}

// Unwhiten maps rows of y (len rows*N) to x = K'^½ y in place of a new slice.
func (r *Relaxation) Unwhiten(y []float64) []float64 {
	sq := r.sqrtK()
	N := r.N
	x := make([]float64, len(y))
	for row := 0; row < len(y)/N; row++ {
		matVec(sq, y[row*N:(row+1)*N], x[row*N:(row+1)*N])
	}
	return x
}

func (r *Relaxation) sqrtK() []float64 {
	r.sqrtOnce.Do(func() { r.sqrtKMat = r.MatrixFunction(math.Sqrt) })
	return r.sqrtKMat
}

func (r *Relaxation) sqrtKTensor(dtype dtypes.DType) *tensors.Tensor {
	sq := r.sqrtK()
	if dtype == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(append([]float64(nil), sq...), r.N, r.N)
	}
	f := make([]float32, len(sq))
	for i, v := range sq {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, r.N, r.N)
}
