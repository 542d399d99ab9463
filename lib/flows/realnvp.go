package flows

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

// RealNVP configures a stack of affine coupling layers acting on vectors of
// Dim variables (Dinh, Sohl-Dickstein and Bengio, arXiv:1605.08803). Each
// coupling splits x into halves (a, b), keeps a and moves b:
//
//	y_a = x_a,   y_b = x_b ⊙ exp(s(x_a)) + t(x_a),   ln|det ∂y/∂x| = Σ s(x_a),
//
// with s and t the two halves of the output of one multi-layer perceptron
// of the fixed half, and s bounded, |s| < ScaleBound, by
// s = ScaleBound·tanh(raw/ScaleBound). Couplings alternate which half moves.
// The inverse is exact: x_b = (y_b - t(y_a)) ⊙ exp(-s(y_a)).
//
// Halves are contiguous: a is the first Dim/2 entries, b the rest. The
// hierarchical layouts order each 2x2 block as (top-left, bottom-right,
// top-right, bottom-left), so the halves are the two diagonals of the plaquette,
// the checkerboard masks of NeuralRG.
type RealNVP struct {
	// Dim is the number of variables the block acts on (even, >= 2).
	Dim int
	// Couplings is the number of coupling layers (>= 1).
	Couplings int
	// MLPLayers is the number of hidden layers of the s, t network (>= 1).
	MLPLayers int
	// Hidden is the width of the hidden layers (>= 1).
	Hidden int
	// ScaleBound bounds |s| (> 0).
	ScaleBound float64
	// Activation names the hidden activation (a GoMLX activation name: "tanh", "relu", "swish", ...).
	Activation string
	// OutputInit is the standard deviation of the initial output-layer weights of
	// s and t. 0 (the default) starts every coupling at the identity map.
	OutputInit float64
}

// DefaultRealNVP returns the block used by default: 4 variables (a 2x2
// plaquette), 4 couplings, networks with 2 hidden layers of 32 ReLU units
// (ReLU is several times cheaper than tanh on the CPU backend), |s| < 2,
// starting at the identity.
func DefaultRealNVP() RealNVP {
	return RealNVP{Dim: 4, Couplings: 4, MLPLayers: 2, Hidden: 32, ScaleBound: 2, Activation: "relu"}
}

// Validate reports the first parameter out of range.
func (c RealNVP) Validate() error {
	switch {
	case c.Dim < 2 || c.Dim%2 != 0:
		return fmt.Errorf("flows: RealNVP Dim=%d must be even and >= 2", c.Dim)
	case c.Couplings < 1:
		return fmt.Errorf("flows: RealNVP Couplings=%d must be >= 1", c.Couplings)
	case c.MLPLayers < 1:
		return fmt.Errorf("flows: RealNVP MLPLayers=%d must be >= 1", c.MLPLayers)
	case c.Hidden < 1:
		return fmt.Errorf("flows: RealNVP Hidden=%d must be >= 1", c.Hidden)
	case !(c.ScaleBound > 0) || math.IsInf(c.ScaleBound, 0):
		return fmt.Errorf("flows: RealNVP ScaleBound=%v must be positive and finite", c.ScaleBound)
	case !(c.OutputInit >= 0):
		return fmt.Errorf("flows: RealNVP OutputInit=%v must be >= 0", c.OutputInit)
	}
	if _, err := activationOf(c.Activation); err != nil {
		return err
	}
	return nil
}

// activationOf resolves a GoMLX activation name, turning its panic into an error.
func activationOf(name string) (act activation.Type, err error) {
	defer func() {
		if recover() != nil {
			err = fmt.Errorf("flows: unknown activation %q (use tanh, relu, swish, gelu, ...)", name)
		}
	}()
	return activation.FromName(name), nil
}

// mlp holds the weights of one perceptron: W[k] is (in, out), B[k] is (out).
type mlp struct {
	W, B []*model.Variable
}

// block holds the variables of one RealNVP block: one perceptron per coupling
// whose Dim outputs are the raw scale (first half) and the shift (second half),
// a shared trunk for s and t that halves the work of two separate networks.
type block struct {
	cfg  RealNVP
	nets []mlp
}

// newBlock creates the variables of a RealNVP block under the path prefix,
// initialised from rng: hidden weights ~ N(0, 1/fan_in), biases 0, output
// weights ~ N(0, OutputInit²).
func newBlock(store *model.Store, prefix string, cfg RealNVP, dtype dtypes.DType, rng *rand.Rand) (*block, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	b := &block{cfg: cfg}
	half := cfg.Dim / 2
	for c := 0; c < cfg.Couplings; c++ {
		net := mlp{}
		path := fmt.Sprintf("%s/coupling_%d", prefix, c)
		in := half
		for k := 0; k <= cfg.MLPLayers; k++ {
			out := cfg.Hidden
			std := math.Sqrt(1 / float64(in))
			if k == cfg.MLPLayers {
				out, std = 2*half, cfg.OutputInit
			}
			w := make([]float64, in*out)
			for i := range w {
				w[i] = std * rng.NormFloat64()
			}
			wv, err := store.CreateVariable(fmt.Sprintf("%s/w%d", path, k), tensorOf(w, dtype, in, out))
			if err != nil {
				return nil, err
			}
			bv, err := store.CreateVariable(fmt.Sprintf("%s/b%d", path, k), tensorOf(make([]float64, out), dtype, out))
			if err != nil {
				return nil, err
			}
			net.W, net.B = append(net.W, wv), append(net.B, bv)
			in = out
		}
		b.nets = append(b.nets, net)
	}
	return b, nil
}

// tensorOf converts float64 values to a tensor of the given dtype.
func tensorOf(v []float64, dtype dtypes.DType, dims ...int) *tensors.Tensor {
	switch dtype {
	case dtypes.Float32:
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...)
	case dtypes.Float64:
		return tensors.FromFlatDataAndDimensions(append([]float64(nil), v...), dims...)
	}
	panic(fmt.Sprintf("flows: unsupported dtype %s (use Float32 or Float64)", dtype))
}

// apply evaluates the perceptron on h (rows, in).
func (m mlp) apply(h *Node, act activation.Type) *Node {
	g := h.Graph()
	last := len(m.W) - 1
	for k := range m.W {
		h = Add(MatMul(h, m.W[k].ValueGraph(g)), InsertAxes(m.B[k].ValueGraph(g), 0))
		if k < last {
			h = activation.Apply(act, h)
		}
	}
	return h
}

// scaleShift returns the bounded log-scale s = c·tanh(raw/c) and shift t of coupling k given the fixed half.
func (b *block) scaleShift(k int, fixed *Node) (s, t *Node) {
	act, _ := activationOf(b.cfg.Activation) // validated in newBlock
	c := b.cfg.ScaleBound
	raw, t := halves(b.nets[k].apply(fixed, act))
	s = MulScalar(Tanh(DivScalar(raw, c)), c)
	return s, t
}

// halves splits x (rows, Dim) into the first and second half of the columns.
func halves(x *Node) (a, b *Node) {
	d := x.Shape().Dimensions[1]
	return Slice(x, AxisRange(), AxisRange(0, d/2)), Slice(x, AxisRange(), AxisRange(d/2, d))
}

// forward maps x (rows, Dim) through all couplings: y and ln|det ∂y/∂x| per row.
func (b *block) forward(x *Node) (y, logDet *Node) {
	xa, xb := halves(x)
	logDet = ZerosLike(ReduceSum(x, -1))
	for k := 0; k < b.cfg.Couplings; k++ {
		// Even couplings move the second half, odd ones the first.
		fixed, moved := xa, xb
		if k%2 == 1 {
			fixed, moved = xb, xa
		}
		s, t := b.scaleShift(k, fixed)
		moved = Add(Mul(moved, Exp(s)), t)
		logDet = Add(logDet, ReduceSum(s, -1))
		if k%2 == 1 {
			xa = moved
		} else {
			xb = moved
		}
	}
	return Concatenate([]*Node{xa, xb}, -1), logDet
}

// inverse undoes forward: x and ln|det ∂x/∂y| = -ln|det ∂y/∂x| per row.
func (b *block) inverse(y *Node) (x, logDet *Node) {
	ya, yb := halves(y)
	logDet = ZerosLike(ReduceSum(y, -1))
	for k := b.cfg.Couplings - 1; k >= 0; k-- {
		fixed, moved := ya, yb
		if k%2 == 1 {
			fixed, moved = yb, ya
		}
		s, t := b.scaleShift(k, fixed)
		moved = Mul(Sub(moved, t), Exp(Neg(s)))
		logDet = Sub(logDet, ReduceSum(s, -1))
		if k%2 == 1 {
			ya = moved
		} else {
			yb = moved
		}
	}
	return Concatenate([]*Node{ya, yb}, -1), logDet
}
