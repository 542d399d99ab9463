package transfer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/layers"
)

// Supported lists the ONNX operators [Network] can rebuild.
var Supported = []string{"Conv", "BatchNormalization", "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool", "Add",
	"Flatten", "Reshape", "Transpose", "MatMul", "Gemm", "Softmax", "Identity", "Dropout"}

// Network is an ONNX graph rebuilt from GoMLX ops, its float initializers
// held as variables of a model scope (so they can be trained, frozen or saved
// like any other weights).
type Network struct {
	Model *Model
	Input string // the graph input fed with x
	// Pretrained: initialise the variables with the file's weights; when false
	// they get fresh random values (He initialisation), for training the same
	// architecture from scratch.
	Pretrained bool
	// Frozen marks the variables non-trainable (a fixed feature extractor).
	Frozen bool
}

// Network checks that every operator is supported and returns the network
// for the model's single (non-weight) input, pretrained and trainable.
func (m *Model) Network() (*Network, error) {
	if len(m.Inputs) != 1 {
		return nil, fmt.Errorf("onnx: the model has %d inputs, want 1", len(m.Inputs))
	}
	for _, n := range m.Nodes {
		if !slices.Contains(Supported, n.OpType) {
			return nil, fmt.Errorf("onnx: node %q uses operator %s; supported: %s", n.Name, n.OpType, strings.Join(Supported, ", "))
		}
		if err := checkAttrs(n); err != nil {
			return nil, err
		}
	}
	return &Network{Model: m, Input: m.Inputs[0].Name, Pretrained: true}, nil
}

// HasValue reports whether name is the output of some node (a valid upTo).
func (n *Network) HasValue(name string) bool {
	for _, nd := range n.Model.Nodes {
		if slices.Contains(nd.Outputs, name) {
			return true
		}
	}
	return false
}

// varName turns an ONNX tensor name into a valid variable name.
func varName(s string) string { return strings.ReplaceAll(s, "/", "_") }

// weight returns the initializer as a graph node: a variable for float
// tensors, a constant for integer ones (shapes). The running mean and
// variance of a BatchNormalization are statistics of the pretraining data,
// not parameters: they are never trainable (see [batchNorm]).
func (n *Network) weight(scope *model.Scope, g *Graph, t *Tensor) *Node {
	dims := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		dims[i] = int(d)
	}
	if t.DataType == TypeInt64 {
		return Const(g, tensors.FromFlatDataAndDimensions(slices.Clone(t.Int64), dims...))
	}
	op, slot := n.usage(t.Name)
	stat := op == "BatchNormalization" && slot >= 3
	trainable := !n.Frozen && !stat
	name := varName(t.Name)
	if n.Pretrained {
		v := scope.VariableWithValue(name, tensors.FromFlatDataAndDimensions(slices.Clone(t.Float), dims...))
		v.SetTrainable(trainable)
		return v.NodeValue(g)
	}
	// From scratch: a fresh batch normalisation is the identity (scale and
	// variance 1, bias and mean 0); other biases (at most one axis longer
	// than 1) start at zero; weights get GoMLX's He initialisation of a
	// [fan-in, fan-out] matrix.
	long := 0
	for _, d := range dims {
		if d > 1 {
			long++
		}
	}
	if long <= 1 {
		fill := float32(0)
		if op == "BatchNormalization" && (slot == 1 || slot == 4) {
			fill = 1
		}
		vals := make([]float32, t.Size())
		for i := range vals {
			vals[i] = fill
		}
		v := scope.VariableWithValue(name, tensors.FromFlatDataAndDimensions(vals, dims...))
		v.SetTrainable(trainable)
		return v.NodeValue(g)
	}
	if op == "Conv" && slot == 1 && len(dims) == 4 {
		// ONNX kernel [O, C, kh, kw]: fan-in C*kh*kw.
		v := scope.VariableWithShape(name, shapes.Make(dtypes.Float32, dims[1]*dims[2]*dims[3], dims[0]))
		v.SetTrainable(trainable)
		return TransposeAllAxes(Reshape(v.NodeValue(g), dims[1], dims[2], dims[3], dims[0]), 3, 0, 1, 2)
	}
	last := dims[len(dims)-1]
	v := scope.VariableWithShape(name, shapes.Make(dtypes.Float32, t.Size()/last, last))
	v.SetTrainable(trainable)
	return Reshape(v.NodeValue(g), dims...)
}

// usage returns the operator of the first node that reads the named tensor
// and the input slot it is read in ("", -1 if none): it tells a convolution
// kernel or a batch-norm statistic from other weights.
func (n *Network) usage(name string) (string, int) {
	for _, op := range n.Model.Nodes {
		if i := slices.Index(op.Inputs, name); i >= 0 {
			return op.OpType, i
		}
	}
	return "", -1
}

func ints(a *Attribute, def ...int64) []int64 {
	if a == nil || len(a.Ints) == 0 {
		return def
	}
	return a.Ints
}

// Forward runs the graph on x (layout as the ONNX input, e.g. [B, 1, 28, 28])
// and returns the value named upTo, or the model's first output if upTo is "".
// A Reshape to a constant shape whose first dimension is 1 (the batch size the
// model was exported with) keeps the batch size of x instead.
func (n *Network) Forward(scope *model.Scope, x *Node, upTo string) *Node {
	if upTo == "" {
		upTo = n.Model.Outputs[0].Name
	}
	g := x.Graph()
	vals := map[string]*Node{n.Input: x}
	get := func(nd *Op, name string) *Node {
		if v, ok := vals[name]; ok {
			return v
		}
		if t, ok := n.Model.Initializers[name]; ok {
			v := n.weight(scope, g, t)
			vals[name] = v
			return v
		}
		panic(fmt.Sprintf("onnx: node %q reads %q, which is neither computed before it nor a weight", nd.Name, name))
	}
	for _, nd := range n.Model.Nodes {
		y := n.apply(nd, func(i int) *Node { return get(nd, nd.Inputs[i]) })
		vals[nd.Outputs[0]] = y
		if nd.Outputs[0] == upTo {
			return y
		}
	}
	panic(fmt.Sprintf("onnx: no node computes %q", upTo))
}

// apply builds one node's first output from its inputs, in(i) being input i.
func (n *Network) apply(nd *Op, in func(int) *Node) *Node {
	switch nd.OpType {
	case "Conv":
		y := n.conv(nd, in(0), in(1))
		if len(nd.Inputs) > 2 && nd.Inputs[2] != "" {
			y = Add(y, Reshape(in(2), 1, -1, 1, 1))
		}
		return y
	case "BatchNormalization":
		return batchNorm(nd, in(0), in(1), in(2), in(3), in(4))
	case "Add":
		return broadcastAdd(in(0), in(1))
	case "Relu":
		return layers.Relu(in(0))
	case "Clip":
		return clip(nd, in(0))
	case "MaxPool":
		return maxPool(nd, in(0))
	case "AveragePool":
		return averagePool(nd, in(0))
	case "Softmax":
		axis := -1
		if at := nd.Attrs["axis"]; at != nil {
			axis = int(at.Int)
		}
		return Softmax(in(0), axis)
	case "Transpose":
		perm := ints(nd.Attrs["perm"])
		if len(perm) != in(0).Rank() {
			panic(fmt.Sprintf("onnx: Transpose %q: perm %v for a rank-%d value", nd.Name, perm, in(0).Rank()))
		}
		p := make([]int, len(perm))
		for i, v := range perm {
			p[i] = int(v)
		}
		return TransposeAllAxes(in(0), p...)
	case "GlobalAveragePool":
		return globalAveragePool(nd, in(0))
	case "Reshape":
		return reshape(nd, in(0), n.Model.Initializers[nd.Inputs[1]])
	case "Flatten":
		a := in(0)
		axis := 1
		if at := nd.Attrs["axis"]; at != nil {
			axis = int(at.Int)
		}
		return Reshape(a, a.Shape().Size()/sizeFrom(a, axis), -1)
	case "MatMul":
		return MatMul(in(0), in(1))
	case "Gemm":
		return gemm(nd, in)
	case "Identity", "Dropout": // Dropout is the identity at inference
		return in(0)
	}
	panic(fmt.Sprintf("onnx: node %q: operator %s not supported", nd.Name, nd.OpType))
}

// gemm is alpha op(A) op(B) + beta C, op transposing when transA/transB is 1.
func gemm(nd *Op, in func(int) *Node) *Node {
	a, b := in(0), in(1)
	if at := nd.Attrs["transA"]; at != nil && at.Int == 1 {
		a = Transpose(a, 0, 1)
	}
	if at := nd.Attrs["transB"]; at != nil && at.Int == 1 {
		b = Transpose(b, 0, 1)
	}
	y := MatMul(a, b)
	if at := nd.Attrs["alpha"]; at != nil && at.Float != 1 {
		y = MulScalar(y, float64(at.Float))
	}
	if len(nd.Inputs) > 2 && nd.Inputs[2] != "" {
		c := in(2)
		if at := nd.Attrs["beta"]; at != nil && at.Float != 1 {
			c = MulScalar(c, float64(at.Float))
		}
		y = broadcastAdd(y, c)
	}
	return y
}

func sizeFrom(x *Node, axis int) int {
	s := 1
	for _, d := range x.Shape().Dimensions[axis:] {
		s *= d
	}
	return s
}

// broadcastAdd adds with NumPy (ONNX multidirectional) broadcasting.
func broadcastAdd(a, b *Node) *Node {
	r := max(a.Rank(), b.Rank())
	a, b = ExpandLeftToRank(a, r), ExpandLeftToRank(b, r)
	dims := make([]int, r)
	for i := range dims {
		dims[i] = max(a.Shape().Dimensions[i], b.Shape().Dimensions[i])
	}
	if !slices.Equal(a.Shape().Dimensions, dims) {
		a = BroadcastToDims(a, dims...)
	}
	if !slices.Equal(b.Shape().Dimensions, dims) {
		b = BroadcastToDims(b, dims...)
	}
	return Add(a, b)
}

func reshape(nd *Op, x *Node, shape *Tensor) *Node {
	if shape == nil || shape.DataType != TypeInt64 {
		panic(fmt.Sprintf("onnx: Reshape %q: the target shape must be a constant int64 initializer", nd.Name))
	}
	dims := make([]int, len(shape.Int64))
	for i, d := range shape.Int64 {
		dims[i] = int(d)
		if d == 0 {
			dims[i] = x.Shape().Dimensions[i]
		}
	}
	prod := 1
	for _, d := range dims {
		if d > 0 {
			prod *= d
		}
	}
	if !slices.Contains(dims, -1) && prod != x.Shape().Size() && len(dims) > 0 && dims[0] == 1 {
		dims[0] = -1 // the exported batch size 1 stands for the batch
	}
	return Reshape(x, dims...)
}
