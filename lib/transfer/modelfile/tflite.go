package modelfile

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"slices"
)

// TensorFlow Lite models (.tflite) are FlatBuffers of the schema
// tensorflow/lite/schema/schema.fbs: a list of tensors (shape, type, a
// buffer of constant data, quantization parameters) and a list of operators
// reading and writing tensors by index. Images are NHWC. The ImageNet
// MobileNets of the data layer are quantized to uint8: a tensor's real value
// is scale * (q - zero_point), per tensor or per output channel.
//
// [ReadTFLite] turns such a file into the package's ONNX-style [Model], in
// float32 and NCHW: weights are dequantized and transposed to ONNX's
// layouts, fused activations become their own operators, and the network
// then runs, trains and transfers like an ONNX one. Running the dequantized
// weights in float is not bit-exact with the integer kernels TFLite runs,
// which also round every activation to 8 bits; the tests measure how close
// the two are.

// TFLite builtin operator codes (schema.fbs, enum BuiltinOperator).
const (
	tflAdd             = 0
	tflAveragePool2D   = 1
	tflConv2D          = 3
	tflDepthwiseConv2D = 4
	tflDequantize      = 6
	tflFullyConnected  = 9
	tflMaxPool2D       = 17
	tflRelu            = 19
	tflRelu6           = 21
	tflReshape         = 22
	tflSoftmax         = 25
	tflMean            = 40
	tflSqueeze         = 43
	tflQuantize        = 114
)

var tflOpNames = map[int32]string{
	tflAdd: "ADD", tflAveragePool2D: "AVERAGE_POOL_2D", tflConv2D: "CONV_2D", tflDepthwiseConv2D: "DEPTHWISE_CONV_2D",
	tflDequantize: "DEQUANTIZE", tflFullyConnected: "FULLY_CONNECTED", tflMaxPool2D: "MAX_POOL_2D", tflRelu: "RELU",
	tflRelu6: "RELU6", tflReshape: "RESHAPE", tflSoftmax: "SOFTMAX", tflMean: "MEAN", tflSqueeze: "SQUEEZE", tflQuantize: "QUANTIZE",
}

// TFLite tensor types (enum TensorType).
const (
	tflFloat32 = 0
	tflInt32   = 2
	tflUint8   = 3
	tflInt64   = 4
	tflInt8    = 9
)

// Fused activations (enum ActivationFunctionType) and paddings (enum Padding).
const (
	tflActNone  = 0
	tflActRelu  = 1
	tflActRelu6 = 3
	tflSame     = 0
	tflValid    = 1
)

// tflTensor is one tensor of a TFLite subgraph.
type tflTensor struct {
	Name     string
	Shape    []int
	Type     uint8
	Data     []byte // constant contents, nil for activations
	Scale    []float32
	Zero     []int64
	QuantDim int // the axis of per-channel scales
}

// tflOp is one operator with its builtin options (those the supported
// operators have; zero when absent).
type tflOp struct {
	Code            int32
	Inputs, Outputs []int
	Padding         uint8
	StrideW         int
	StrideH         int
	FilterW         int
	FilterH         int
	DilationW       int
	DilationH       int
	DepthMultiplier int
	Activation      uint8
	NewShape        []int32
	Beta            float32
	KeepDims        bool
}

// tflModel is the first subgraph of a TFLite file.
type tflModel struct {
	Description     string
	Tensors         []tflTensor
	Ops             []tflOp
	Inputs, Outputs []int
	fileSize        int // bytes of the file, which bound what converting it may allocate
}

// readTFLite decodes a TFLite flatbuffer; a malformed file is an error, not
// a panic.
func readTFLite(b []byte) (m *tflModel, err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(malformed); ok {
				m, err = nil, fmt.Errorf("tflite: %w", e)
				return
			}
			panic(p)
		}
	}()
	if len(b) < 8 || string(b[4:8]) != "TFL3" {
		return nil, fmt.Errorf("tflite: not a TFLite file (no TFL3 identifier)")
	}
	root := fbRoot(b)
	m = &tflModel{Description: root.str(3), fileSize: len(b)}
	var codes []int32
	for _, oc := range root.tables(1) {
		// builtin_code (field 3) replaced the 8-bit deprecated_builtin_code
		// (field 0) when the operators passed 127; writers fill both.
		code := max(int32(int8(oc.u8(0, 0))), oc.i32(3, 0))
		if oc.str(1) != "" {
			code = -1 // a custom operator
		}
		codes = append(codes, code)
	}
	buffers := root.tables(4)
	subgraphs := root.tables(2)
	if len(subgraphs) != 1 {
		return nil, fmt.Errorf("tflite: %d subgraphs, want 1", len(subgraphs))
	}
	sg := subgraphs[0]
	for i, tt := range sg.tables(0) {
		t := tflTensor{Name: tt.str(3), Type: tt.u8(1, tflFloat32)}
		for _, d := range tt.i32s(0) {
			t.Shape = append(t.Shape, int(d))
		}
		if err := checkDims(int64s(t.Shape)); err != nil {
			return nil, fmt.Errorf("tflite: tensor %d (%s): %w", i, t.Name, err)
		}
		if bi := int(tt.u32(2, 0)); bi > 0 {
			if bi >= len(buffers) {
				return nil, fmt.Errorf("tflite: tensor %d (%s) reads buffer %d of %d", i, t.Name, bi, len(buffers))
			}
			if d := buffers[bi].bytes(0); len(d) > 0 {
				t.Data = d
			}
		}
		if q, ok := tt.table(4); ok {
			t.Scale, t.Zero, t.QuantDim = q.f32s(2), q.i64s(3), int(q.i32(6, 0))
			if err := t.checkQuant(); err != nil {
				return nil, fmt.Errorf("tflite: tensor %d (%s): %w", i, t.Name, err)
			}
		}
		if t.Data != nil && len(t.Data) != t.size()*t.elemSize() {
			return nil, fmt.Errorf("tflite: tensor %d (%s) %v of type %d holds %d bytes", i, t.Name, t.Shape, t.Type, len(t.Data))
		}
		m.Tensors = append(m.Tensors, t)
	}
	m.Inputs, m.Outputs = intsOf(sg.i32s(1)), intsOf(sg.i32s(2))
	for _, t := range slices.Concat(m.Inputs, m.Outputs) {
		if t < 0 || t >= len(m.Tensors) {
			return nil, fmt.Errorf("tflite: the graph's inputs %v or outputs %v name a tensor outside 0..%d", m.Inputs, m.Outputs, len(m.Tensors)-1)
		}
	}
	for i, ot := range sg.tables(3) {
		ci := int(ot.u32(0, 0))
		if ci >= len(codes) {
			return nil, fmt.Errorf("tflite: operator %d uses operator code %d of %d", i, ci, len(codes))
		}
		op := tflOp{Code: codes[ci], Inputs: intsOf(ot.i32s(1)), Outputs: intsOf(ot.i32s(2))}
		// -1 marks an optional input left out (a convolution without bias).
		for k, t := range slices.Concat(op.Inputs, op.Outputs) {
			if t >= len(m.Tensors) || t < -1 || (t == -1 && k >= len(op.Inputs)) {
				return nil, fmt.Errorf("tflite: operator %d reads or writes tensor %d, want 0..%d", i, t, len(m.Tensors)-1)
			}
		}
		if o, ok := ot.table(4); ok {
			op.options(o)
		}
		m.Ops = append(m.Ops, op)
	}
	return m, nil
}

// options reads the builtin options of the supported operators (the field
// ids of Conv2DOptions, DepthwiseConv2DOptions, Pool2DOptions, ...).
func (op *tflOp) options(o fbTable) {
	switch op.Code {
	case tflConv2D:
		op.Padding, op.StrideW, op.StrideH, op.Activation = o.u8(0, 0), int(o.i32(1, 0)), int(o.i32(2, 0)), o.u8(3, 0)
		op.DilationW, op.DilationH = int(o.i32(4, 1)), int(o.i32(5, 1))
	case tflDepthwiseConv2D:
		op.Padding, op.StrideW, op.StrideH, op.DepthMultiplier = o.u8(0, 0), int(o.i32(1, 0)), int(o.i32(2, 0)), int(o.i32(3, 0))
		op.Activation, op.DilationW, op.DilationH = o.u8(4, 0), int(o.i32(5, 1)), int(o.i32(6, 1))
	case tflAveragePool2D, tflMaxPool2D:
		op.Padding, op.StrideW, op.StrideH = o.u8(0, 0), int(o.i32(1, 0)), int(o.i32(2, 0))
		op.FilterW, op.FilterH, op.Activation = int(o.i32(3, 0)), int(o.i32(4, 0)), o.u8(5, 0)
	case tflAdd, tflFullyConnected:
		op.Activation = o.u8(0, 0)
	case tflReshape:
		op.NewShape = o.i32s(0)
	case tflSoftmax:
		op.Beta = o.f32(0, 0)
	case tflMean:
		op.KeepDims = o.u8(0, 0) != 0
	}
}

func intsOf(v []int32) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

func int64s(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// checkQuant checks the quantization parameters: scales positive and
// finite, and per-channel scales along an axis of that many channels.
func (t *tflTensor) checkQuant() error {
	for _, s := range t.Scale {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("quantization scale %g, want a positive finite number", s)
		}
	}
	if len(t.Scale) > 1 && (t.QuantDim < 0 || t.QuantDim >= len(t.Shape) || t.Shape[t.QuantDim] != len(t.Scale)) {
		return fmt.Errorf("shape %v with %d scales along axis %d", t.Shape, len(t.Scale), t.QuantDim)
	}
	return nil
}

func (t *tflTensor) size() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

func (t *tflTensor) elemSize() int {
	switch t.Type {
	case tflUint8, tflInt8:
		return 1
	case tflInt64:
		return 8
	}
	return 4
}

// quantized reports whether the tensor holds 8-bit quantized values.
func (t *tflTensor) quantized() bool {
	return (t.Type == tflUint8 || t.Type == tflInt8) && len(t.Scale) > 0
}

// Float returns the real values of a constant tensor: float32 as stored,
// quantized ones as scale * (q - zero_point) with per-channel scales along
// QuantDim, int32 (biases) as scale * q.
func (t *tflTensor) Float() ([]float32, error) {
	n := t.size()
	out := make([]float32, n)
	inner := 1 // elements between two steps of the quantized axis
	if len(t.Data) != n*t.elemSize() {
		return nil, fmt.Errorf("tflite: tensor %s %v of type %d holds %d bytes", t.Name, t.Shape, t.Type, len(t.Data))
	}
	if len(t.Scale) > 1 {
		if t.QuantDim < 0 || t.QuantDim >= len(t.Shape) || t.Shape[t.QuantDim] != len(t.Scale) {
			return nil, fmt.Errorf("tflite: tensor %s %v has %d scales along axis %d", t.Name, t.Shape, len(t.Scale), t.QuantDim)
		}
		for _, d := range t.Shape[t.QuantDim+1:] {
			inner *= d
		}
	}
	param := func(i int) (float32, float32) {
		c := 0
		if len(t.Scale) > 1 {
			c = i / inner % len(t.Scale)
		}
		var z float32
		if c < len(t.Zero) {
			z = float32(t.Zero[c])
		}
		return t.Scale[c], z
	}
	switch {
	case t.Type == tflFloat32:
		for i := range out {
			out[i] = float32frombytes(t.Data[4*i:])
		}
	case t.quantized() && t.Type == tflUint8:
		for i := range out {
			s, z := param(i)
			out[i] = s * (float32(t.Data[i]) - z)
		}
	case t.quantized() && t.Type == tflInt8:
		for i := range out {
			s, z := param(i)
			out[i] = s * (float32(int8(t.Data[i])) - z)
		}
	case t.Type == tflInt32 && len(t.Scale) > 0:
		for i := range out {
			s, z := param(i)
			out[i] = s * (float32(int32(le32(t.Data[4*i:]))) - z)
		}
	default:
		return nil, fmt.Errorf("tflite: tensor %s of type %d cannot be read as real numbers", t.Name, t.Type)
	}
	return out, nil
}

// Ints returns the values of a constant int32 or int64 tensor (shapes, axes).
func (t *tflTensor) Ints() ([]int64, error) {
	if len(t.Data) != t.size()*t.elemSize() {
		return nil, fmt.Errorf("tflite: tensor %s %v of type %d holds %d bytes", t.Name, t.Shape, t.Type, len(t.Data))
	}
	out := make([]int64, t.size())
	switch t.Type {
	case tflInt32:
		for i := range out {
			out[i] = int64(int32(le32(t.Data[4*i:])))
		}
	case tflInt64:
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
		}
	default:
		return nil, fmt.Errorf("tflite: tensor %s of type %d is not an integer tensor", t.Name, t.Type)
	}
	return out, nil
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

func float32frombytes(b []byte) float32 { return math.Float32frombits(le32(b)) }

// ReadTFLite reads a TensorFlow Lite model and converts it to a float32 NCHW
// [Model] (see the comment at the top of this file). Quantized inputs record
// the standardisation they imply in Model.InputMean and InputStd. Operators
// outside CONV_2D, DEPTHWISE_CONV_2D (depth multiplier 1), AVERAGE_POOL_2D,
// MAX_POOL_2D, ADD, FULLY_CONNECTED, RESHAPE, SOFTMAX, MEAN over the image,
// RELU, RELU6, QUANTIZE and DEQUANTIZE are an error naming the operator.
func ReadTFLite(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	tm, err := readTFLite(b)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	m, err := tm.convert()
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return m, nil
}
