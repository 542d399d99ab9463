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
	"github.com/physnb/physnb/lib/vision"
)

// Supported lists the ONNX operators [Network] can rebuild.
var Supported = []string{"Conv", "Add", "Relu", "MaxPool", "Reshape", "MatMul", "Gemm", "Flatten"}

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
// tensors, a constant for integer ones (shapes).
func (n *Network) weight(scope *model.Scope, g *Graph, t *Tensor) *Node {
	dims := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		dims[i] = int(d)
	}
	if t.DataType == TypeInt64 {
		return Const(g, tensors.FromFlatDataAndDimensions(slices.Clone(t.Int64), dims...))
	}
	name := varName(t.Name)
	if n.Pretrained {
		v := scope.VariableWithValue(name, tensors.FromFlatDataAndDimensions(slices.Clone(t.Float), dims...))
		v.SetTrainable(!n.Frozen)
		return v.NodeValue(g)
	}
	// From scratch: biases (at most one axis longer than 1) start at zero;
	// weights get GoMLX's He initialisation of a [fan-in, fan-out] matrix.
	long := 0
	for _, d := range dims {
		if d > 1 {
			long++
		}
	}
	if long <= 1 {
		v := scope.VariableWithValue(name, tensors.FromFlatDataAndDimensions(make([]float32, t.Size()), dims...))
		v.SetTrainable(!n.Frozen)
		return v.NodeValue(g)
	}
	if n.isConvKernel(t.Name) && len(dims) == 4 {
		// ONNX kernel [O, C, kh, kw]: fan-in C*kh*kw.
		v := scope.VariableWithShape(name, shapes.Make(dtypes.Float32, dims[1]*dims[2]*dims[3], dims[0]))
		v.SetTrainable(!n.Frozen)
		return TransposeAllAxes(Reshape(v.NodeValue(g), dims[1], dims[2], dims[3], dims[0]), 3, 0, 1, 2)
	}
	last := dims[len(dims)-1]
	v := scope.VariableWithShape(name, shapes.Make(dtypes.Float32, t.Size()/last, last))
	v.SetTrainable(!n.Frozen)
	return Reshape(v.NodeValue(g), dims...)
}

func (n *Network) isConvKernel(name string) bool {
	for _, op := range n.Model.Nodes {
		if op.OpType == "Conv" && len(op.Inputs) > 1 && op.Inputs[1] == name {
			return true
		}
	}
	return false
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
		in := func(i int) *Node { return get(nd, nd.Inputs[i]) }
		var y *Node
		switch nd.OpType {
		case "Conv":
			y = n.conv(nd, in(0), in(1))
			if len(nd.Inputs) > 2 && nd.Inputs[2] != "" {
				y = Add(y, Reshape(in(2), 1, -1, 1, 1))
			}
		case "Add":
			y = broadcastAdd(in(0), in(1))
		case "Relu":
			y = vision.Relu(in(0))
		case "MaxPool":
			y = maxPool(nd, in(0))
		case "Reshape":
			y = reshape(nd, in(0), n.Model.Initializers[nd.Inputs[1]])
		case "Flatten":
			a := in(0)
			axis := 1
			if at := nd.Attrs["axis"]; at != nil {
				axis = int(at.Int)
			}
			y = Reshape(a, a.Shape().Size()/sizeFrom(a, axis), -1)
		case "MatMul":
			y = MatMul(in(0), in(1))
		case "Gemm":
			a, b := in(0), in(1)
			if at := nd.Attrs["transA"]; at != nil && at.Int == 1 {
				a = Transpose(a, 0, 1)
			}
			if at := nd.Attrs["transB"]; at != nil && at.Int == 1 {
				b = Transpose(b, 0, 1)
			}
			y = MatMul(a, b)
			if at := nd.Attrs["alpha"]; at != nil && at.Float != 1 {
				y = MulScalar(y, float64(at.Float))
			}
			if len(nd.Inputs) > 2 {
				c := in(2)
				if at := nd.Attrs["beta"]; at != nil && at.Float != 1 {
					c = MulScalar(c, float64(at.Float))
				}
				y = broadcastAdd(y, c)
			}
		}
		vals[nd.Outputs[0]] = y
		if nd.Outputs[0] == upTo {
			return y
		}
	}
	panic(fmt.Sprintf("onnx: no node computes %q", upTo))
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

// conv is a 2-D ONNX Conv (NCHW, kernel [O, C, k, k]), computed with
// vision.Conv2D in channels-last layout.
func (n *Network) conv(nd *Op, x, w *Node) *Node {
	if g := nd.Attrs["group"]; g != nil && g.Int != 1 {
		panic(fmt.Sprintf("onnx: Conv %q: group=%d not supported", nd.Name, g.Int))
	}
	for _, s := range ints(nd.Attrs["strides"], 1, 1) {
		if s != 1 {
			panic(fmt.Sprintf("onnx: Conv %q: strides %v not supported (only 1)", nd.Name, nd.Attrs["strides"].Ints))
		}
	}
	for _, d := range ints(nd.Attrs["dilations"], 1, 1) {
		if d != 1 {
			panic(fmt.Sprintf("onnx: Conv %q: dilations not supported", nd.Name))
		}
	}
	wd := w.Shape().Dimensions
	k := wd[2]
	if wd[3] != k {
		panic(fmt.Sprintf("onnx: Conv %q: kernel %dx%d is not square", nd.Name, wd[2], wd[3]))
	}
	p := 0
	autoPad := "NOTSET"
	if a := nd.Attrs["auto_pad"]; a != nil && a.String != "" {
		autoPad = a.String
	}
	switch autoPad {
	case "SAME_UPPER", "SAME_LOWER":
		if k%2 == 0 {
			panic(fmt.Sprintf("onnx: Conv %q: %s with an even kernel (asymmetric padding) not supported", nd.Name, autoPad))
		}
		p = (k - 1) / 2
	case "VALID":
	case "NOTSET":
		pads := ints(nd.Attrs["pads"], 0, 0, 0, 0)
		for _, q := range pads {
			if q != pads[0] {
				panic(fmt.Sprintf("onnx: Conv %q: asymmetric pads %v not supported", nd.Name, pads))
			}
		}
		p = int(pads[0])
	default:
		panic(fmt.Sprintf("onnx: Conv %q: auto_pad %q unknown", nd.Name, autoPad))
	}
	xh := TransposeAllAxes(x, 0, 2, 3, 1)  // NCHW -> NHWC
	kh := TransposeAllAxes(w, 2, 3, 1, 0)  // [O, C, k, k] -> [k, k, C, O]
	y := vision.Conv2D(xh, kh, p)          // [B, H', W', O]
	return TransposeAllAxes(y, 0, 3, 1, 2) // back to NCHW
}

// maxPool handles non-overlapping windows (kernel == stride, no padding,
// floor mode), the case of image CNNs, by a reshape and a max.
func maxPool(nd *Op, x *Node) *Node {
	k := ints(nd.Attrs["kernel_shape"])
	s := ints(nd.Attrs["strides"], k...)
	pads := ints(nd.Attrs["pads"], 0, 0, 0, 0)
	if len(k) != 2 || !slices.Equal(k, s) || slices.Max(pads) != 0 {
		panic(fmt.Sprintf("onnx: MaxPool %q: only 2-D non-overlapping windows without padding are supported (kernel %v, strides %v, pads %v)", nd.Name, k, s, pads))
	}
	if a := nd.Attrs["ceil_mode"]; a != nil && a.Int != 0 {
		panic(fmt.Sprintf("onnx: MaxPool %q: ceil_mode not supported", nd.Name))
	}
	d := x.Shape().Dimensions
	kh, kw := int(k[0]), int(k[1])
	h, w := d[2]/kh, d[3]/kw
	if d[2] != h*kh || d[3] != w*kw {
		x = Slice(x, AxisRange(), AxisRange(), AxisRange(0, h*kh), AxisRange(0, w*kw))
	}
	return ReduceMax(Reshape(x, d[0], d[1], h, kh, w, kw), 3, 5)
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
