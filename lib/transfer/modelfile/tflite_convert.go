package modelfile

import (
	"fmt"
	"slices"
	"strings"
)

// converter builds the ONNX-style graph of a TFLite model.
type converter struct {
	tm    *tflModel
	m     *Model
	names []string
	// perms records the layout each constant tensor was converted to, so
	// that a tensor read by several operators is converted once.
	perms map[int][]int
	// budget is how many more float32 weights the model may hold. A real
	// file has at most one weight per byte (a uint8 weight becomes one
	// float32); twice that bounds what tensors sharing one buffer can make a
	// small file ask for.
	budget int
}

// convert turns the TFLite operators into [Op]s on NCHW values named after
// the TFLite tensors, with the constant tensors dequantized into float32
// initializers in ONNX layouts.
func (tm *tflModel) convert() (*Model, error) {
	if len(tm.Inputs) != 1 || len(tm.Outputs) < 1 {
		return nil, fmt.Errorf("tflite: %d inputs and %d outputs, want 1 input", len(tm.Inputs), len(tm.Outputs))
	}
	if len(tm.Ops) == 0 {
		return nil, fmt.Errorf("tflite: the graph has no operators")
	}
	c := &converter{tm: tm, m: &Model{Producer: "tflite " + tm.Description, Initializers: map[string]*Tensor{}},
		perms: map[int][]int{}, budget: 2*tm.fileSize + 1<<16}
	seen := map[string]bool{}
	for i, t := range tm.Tensors {
		// Converters join the names of fused TensorFlow ops with ";": the
		// first is the op's own.
		name, _, _ := strings.Cut(t.Name, ";")
		if name == "" || seen[name] {
			name = fmt.Sprintf("%s#%d", name, i)
		}
		seen[name] = true
		c.names = append(c.names, name)
	}
	for _, t := range slices.Concat(tm.Inputs, tm.Outputs) {
		if t < 0 || t >= len(tm.Tensors) {
			return nil, fmt.Errorf("tflite: the graph's inputs %v or outputs %v name a tensor outside 0..%d", tm.Inputs, tm.Outputs, len(tm.Tensors)-1)
		}
	}
	in := &tm.Tensors[tm.Inputs[0]]
	if len(in.Shape) != 4 || slices.Min(in.Shape) < 1 || in.Shape[3] > 4 {
		return nil, fmt.Errorf("tflite: input %s has shape %v, want images [N, H, W, C] with N, H, W >= 1 and C in 1..4", in.Name, in.Shape)
	}
	c.m.Inputs = []ValueInfo{{Name: c.names[tm.Inputs[0]], Dims: nchw(in.Shape)}}
	if in.quantized() {
		// real = scale (q - zero) with q = 255 x for pixels x in [0, 1]
		// (uint8; int8 inputs hold q = 255 x - 128): the standardisation
		// (x - (zero + offset)/255) / (1/(255 scale)).
		offset := float32(0)
		if in.Type == tflInt8 {
			offset = 128
		}
		var zero float32
		if len(in.Zero) > 0 {
			zero = float32(in.Zero[0])
		}
		for range in.Shape[3] {
			c.m.InputMean = append(c.m.InputMean, (zero+offset)/255)
			c.m.InputStd = append(c.m.InputStd, 1/(255*in.Scale[0]))
		}
	}
	for _, o := range tm.Outputs {
		c.m.Outputs = append(c.m.Outputs, ValueInfo{Name: c.names[o]})
	}
	for i := range tm.Ops {
		if err := c.op(i, &tm.Ops[i]); err != nil {
			return nil, err
		}
	}
	return c.m, nil
}

// nchw reorders an NHWC shape.
func nchw(s []int) []int64 {
	return []int64{int64(s[0]), int64(s[3]), int64(s[1]), int64(s[2])}
}

func (c *converter) node(op, name string, in, out []string, attrs ...*Attribute) {
	a := map[string]*Attribute{}
	for _, at := range attrs {
		a[at.Name] = at
	}
	c.m.Nodes = append(c.m.Nodes, &Op{Name: name, OpType: op, Inputs: in, Outputs: out, Attrs: a})
}

func intsAttr(name string, v ...int) *Attribute {
	a := &Attribute{Name: name}
	for _, x := range v {
		a.Ints = append(a.Ints, int64(x))
	}
	return a
}

// weight adds constant tensor i as a float initializer, its values
// permuted by perm (the ONNX axis k is the TFLite axis perm[k]).
func (c *converter) weight(i int, perm ...int) (string, error) {
	t := &c.tm.Tensors[i]
	if t.Data == nil {
		return "", fmt.Errorf("tflite: tensor %s should be a constant (weights)", t.Name)
	}
	if p, done := c.perms[i]; done {
		if !slices.Equal(p, perm) {
			return "", fmt.Errorf("tflite: tensor %s is read in two layouts (%v and %v)", t.Name, p, perm)
		}
		return c.names[i], nil
	}
	c.perms[i] = perm
	if c.budget -= t.size(); c.budget < 0 {
		return "", fmt.Errorf("tflite: tensor %s: the weights would number more than twice the file's %d bytes (tensors sharing buffers?)", t.Name, c.tm.fileSize)
	}
	v, err := t.Float()
	if err != nil {
		return "", err
	}
	dims := slices.Clone(t.Shape)
	if perm != nil {
		if len(perm) != len(t.Shape) {
			return "", fmt.Errorf("tflite: tensor %s has shape %v, want rank %d", t.Name, t.Shape, len(perm))
		}
		v, dims = permute(v, t.Shape, perm)
	}
	name := c.names[i]
	d64 := make([]int64, len(dims))
	for k, d := range dims {
		d64[k] = int64(d)
	}
	c.m.Initializers[name] = &Tensor{Name: name, Dims: d64, DataType: TypeFloat, Float: v}
	return name, nil
}

// permute transposes a row-major array of the given shape so that output
// axis k is input axis perm[k].
func permute(v []float32, shape, perm []int) ([]float32, []int) {
	r := len(shape)
	out := make([]float32, len(v))
	dims := make([]int, r)
	for k := range perm {
		dims[k] = shape[perm[k]]
	}
	inStride := make([]int, r)
	s := 1
	for k := r - 1; k >= 0; k-- {
		inStride[k] = s
		s *= shape[k]
	}
	idx := make([]int, r) // output multi-index
	for o := range out {
		src := 0
		for k := range r {
			src += idx[k] * inStride[perm[k]]
		}
		out[o] = v[src]
		for k := r - 1; k >= 0; k-- {
			if idx[k]++; idx[k] < dims[k] {
				break
			}
			idx[k] = 0
		}
	}
	return out, dims
}

// activation returns the name of the value an operator computes before its
// fused activation, and the function that emits the activation (into the
// operator's output) once the operator itself is emitted.
func (c *converter) activation(act uint8, out string) (string, func(), error) {
	switch act {
	case tflActNone:
		return out, func() {}, nil
	case tflActRelu:
		return out + "/linear", func() { c.node("Relu", out+"/relu", []string{out + "/linear"}, []string{out}) }, nil
	case tflActRelu6:
		return out + "/linear", func() {
			c.node("Clip", out+"/relu6", []string{out + "/linear"}, []string{out},
				&Attribute{Name: "min", Float: 0}, &Attribute{Name: "max", Float: 6})
		}, nil
	}
	return "", nil, fmt.Errorf("tflite: fused activation %d not supported (only RELU and RELU6)", act)
}

// emit adds an operator whose result goes through the fused activation act
// into out.
func (c *converter) emit(opType, label string, inputs []string, act uint8, out string, attrs ...*Attribute) error {
	lin, done, err := c.activation(act, out)
	if err != nil {
		return err
	}
	c.node(opType, label, inputs, []string{lin}, attrs...)
	done()
	return nil
}

// withBias appends the operator's optional third input (a bias) to inputs.
func (c *converter) withBias(op *tflOp, inputs []string) ([]string, error) {
	if len(op.Inputs) > 2 && op.Inputs[2] >= 0 {
		bias, err := c.weight(op.Inputs[2])
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, bias)
	}
	return inputs, nil
}

func autoPad(p uint8) *Attribute {
	if p == tflSame {
		return &Attribute{Name: "auto_pad", String: "SAME_UPPER"} // TFLite's SAME puts the odd padding element after
	}
	return &Attribute{Name: "auto_pad", String: "VALID"}
}

func (c *converter) op(k int, op *tflOp) error {
	name, ok := tflOpNames[op.Code]
	if !ok {
		return fmt.Errorf("tflite: operator %d has builtin code %d, which is not supported (supported: CONV_2D, DEPTHWISE_CONV_2D, "+
			"AVERAGE_POOL_2D, MAX_POOL_2D, ADD, FULLY_CONNECTED, RESHAPE, SQUEEZE, SOFTMAX, MEAN, RELU, RELU6, QUANTIZE, DEQUANTIZE)", k, op.Code)
	}
	if len(op.Inputs) == 0 || len(op.Outputs) != 1 {
		return fmt.Errorf("tflite: operator %d (%s) has %d inputs and %d outputs", k, name, len(op.Inputs), len(op.Outputs))
	}
	for i, t := range op.Inputs {
		optional := i == 2 && (op.Code == tflConv2D || op.Code == tflDepthwiseConv2D || op.Code == tflFullyConnected)
		if t < 0 && !optional {
			return fmt.Errorf("tflite: operator %d (%s): input %d is absent", k, name, i)
		}
	}
	if op.Outputs[0] < 0 {
		return fmt.Errorf("tflite: operator %d (%s): its output is absent", k, name)
	}
	in := func(i int) string { return c.names[op.Inputs[i]] }
	inShape := c.tm.Tensors[op.Inputs[0]].Shape
	out := c.names[op.Outputs[0]]
	outShape := c.tm.Tensors[op.Outputs[0]].Shape
	label := fmt.Sprintf("%s:%s", name, out)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("tflite: operator %d (%s writing %s): %s", k, name, out, fmt.Sprintf(format, args...))
	}
	switch op.Code {
	case tflConv2D, tflDepthwiseConv2D:
		if len(op.Inputs) < 2 || len(inShape) != 4 {
			return bad("want an NHWC input and a kernel")
		}
		if op.DilationW != 1 || op.DilationH != 1 {
			return bad("dilation %dx%d not supported", op.DilationH, op.DilationW)
		}
		kernel := c.tm.Tensors[op.Inputs[1]].Shape
		attrs := []*Attribute{intsAttr("strides", op.StrideH, op.StrideW), autoPad(op.Padding)}
		var w string
		var err error
		if op.Code == tflConv2D { // [O, kh, kw, I] -> [O, I, kh, kw]
			w, err = c.weight(op.Inputs[1], 0, 3, 1, 2)
		} else { // [1, kh, kw, C] -> [C, 1, kh, kw], one group per channel
			if op.DepthMultiplier != 1 {
				return bad("depth multiplier %d not supported (only 1)", op.DepthMultiplier)
			}
			w, err = c.weight(op.Inputs[1], 3, 0, 1, 2)
			attrs = append(attrs, &Attribute{Name: "group", Int: int64(inShape[3])})
		}
		if err != nil {
			return err
		}
		attrs = append(attrs, intsAttr("kernel_shape", kernel[1], kernel[2]))
		inputs, err := c.withBias(op, []string{in(0), w})
		if err != nil {
			return err
		}
		return c.emit("Conv", label, inputs, op.Activation, out, attrs...)
	case tflAveragePool2D, tflMaxPool2D:
		if len(inShape) != 4 {
			return bad("want an NHWC input, got %v", inShape)
		}
		switch {
		case op.Code == tflAveragePool2D && op.Padding == tflValid && op.FilterH == inShape[1] && op.FilterW == inShape[2]:
			// A pool over the whole image (MobileNet's last one): global
			// pooling, so that the network runs at other image sizes too.
			return c.emit("GlobalAveragePool", label, []string{in(0)}, op.Activation, out)
		case op.Code == tflAveragePool2D && op.Padding != tflValid:
			return bad("average pooling with SAME padding not supported")
		}
		opType := map[int32]string{tflAveragePool2D: "AveragePool", tflMaxPool2D: "MaxPool"}[op.Code]
		return c.emit(opType, label, []string{in(0)}, op.Activation, out, intsAttr("kernel_shape", op.FilterH, op.FilterW),
			intsAttr("strides", op.StrideH, op.StrideW), autoPad(op.Padding))
	case tflAdd:
		if len(op.Inputs) != 2 || c.tm.Tensors[op.Inputs[0]].Data != nil || c.tm.Tensors[op.Inputs[1]].Data != nil {
			return bad("only the sum of two computed values is supported")
		}
		return c.emit("Add", label, []string{in(0), in(1)}, op.Activation, out)
	case tflFullyConnected:
		if len(op.Inputs) < 2 {
			return bad("want an input and weights")
		}
		x := c.flatten(label, in(0), inShape)
		w, err := c.weight(op.Inputs[1]) // [O, I]: Gemm with transB
		if err != nil {
			return err
		}
		inputs, err := c.withBias(op, []string{x, w})
		if err != nil {
			return err
		}
		return c.emit("Gemm", label, inputs, op.Activation, out, &Attribute{Name: "transB", Int: 1})
	case tflReshape, tflSqueeze:
		c.reshape(label, in(0), out, inShape, outShape)
	case tflSoftmax:
		x := in(0)
		if op.Beta != 1 && op.Beta != 0 {
			return bad("softmax beta %g not supported (only 1)", op.Beta)
		}
		if len(inShape) != 2 {
			return bad("softmax of a rank-%d value not supported (only [batch, classes])", len(inShape))
		}
		c.node("Softmax", label, []string{x}, []string{out}, &Attribute{Name: "axis", Int: -1})
	case tflMean:
		if len(op.Inputs) != 2 || len(inShape) != 4 {
			return bad("want the mean of an NHWC value over constant axes")
		}
		axes, err := c.tm.Tensors[op.Inputs[1]].Ints()
		if err != nil || !slices.Equal(axes, []int64{1, 2}) {
			return bad("only the mean over the image (axes [1 2]) is supported, got %v", axes)
		}
		if op.KeepDims {
			c.node("GlobalAveragePool", label, []string{in(0)}, []string{out})
			break
		}
		c.node("GlobalAveragePool", label, []string{in(0)}, []string{out + "/pooled"})
		c.node("Flatten", label+"/flatten", []string{out + "/pooled"}, []string{out})
	case tflRelu:
		c.node("Relu", label, []string{in(0)}, []string{out})
	case tflRelu6:
		c.node("Clip", label, []string{in(0)}, []string{out}, &Attribute{Name: "min", Float: 0}, &Attribute{Name: "max", Float: 6})
	case tflQuantize, tflDequantize: // float throughout
		c.node("Identity", label, []string{in(0)}, []string{out})
	}
	return nil
}

// flatten returns a [batch, features] view of value x in TFLite's (NHWC)
// element order.
func (c *converter) flatten(label, x string, shape []int) string {
	if len(shape) == 2 {
		return x
	}
	if len(shape) == 4 {
		c.node("Transpose", label+"/nhwc", []string{x}, []string{x + "/nhwc"}, intsAttr("perm", 0, 2, 3, 1))
		x += "/nhwc"
	}
	c.node("Flatten", label+"/flatten", []string{x}, []string{x + "/flat"})
	return x + "/flat"
}

// reshape reshapes x to the static output shape (batch axis free), going
// through NHWC order when either side is an image, as TFLite's element
// order is.
func (c *converter) reshape(label, x, out string, inShape, outShape []int) {
	if len(inShape) == 4 {
		c.node("Transpose", label+"/nhwc", []string{x}, []string{x + "/nhwc"}, intsAttr("perm", 0, 2, 3, 1))
		x += "/nhwc"
	}
	shape := &Tensor{Name: out + "/shape", Dims: []int64{int64(len(outShape))}, DataType: TypeInt64}
	for i, d := range outShape {
		if i == 0 {
			d = -1
		}
		shape.Int64 = append(shape.Int64, int64(d))
	}
	c.m.Initializers[shape.Name] = shape
	if len(outShape) != 4 {
		c.node("Reshape", label, []string{x, shape.Name}, []string{out})
		return
	}
	c.node("Reshape", label, []string{x, shape.Name}, []string{out + "/nhwc"})
	c.node("Transpose", label+"/nchw", []string{out + "/nhwc"}, []string{out}, intsAttr("perm", 0, 3, 1, 2))
}
