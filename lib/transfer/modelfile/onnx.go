package modelfile

import (
	"fmt"
	"math"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
)

// ONNX TensorProto data types used here.
const (
	TypeFloat = 1
	TypeInt64 = 7
)

// Tensor is an ONNX tensor: dimensions and the values of one data type.
type Tensor struct {
	Name     string
	Dims     []int64
	DataType int32
	Float    []float32
	Int64    []int64
}

// Size is the number of elements implied by Dims.
func (t *Tensor) Size() int {
	n := 1
	for _, d := range t.Dims {
		n *= int(d)
	}
	return n
}

// Attribute is a node attribute; only the kinds the supported ops use.
type Attribute struct {
	Name   string
	Int    int64
	Float  float32
	String string
	Ints   []int64
	Floats []float32
	Tensor *Tensor
}

// Op is one operation (an ONNX NodeProto) of the graph.
type Op struct {
	Name, OpType    string
	Inputs, Outputs []string
	Attrs           map[string]*Attribute
}

// ValueInfo names a graph input or output and its shape (-1 for a symbolic
// dimension).
type ValueInfo struct {
	Name string
	Dims []int64
}

// Model is a decoded ONNX model.
type Model struct {
	IRVersion    int64
	Producer     string
	Opset        int64
	Nodes        []*Op
	Initializers map[string]*Tensor
	Inputs       []ValueInfo // graph inputs that are not initializers
	Outputs      []ValueInfo
	// InputMean and InputStd are the per-channel standardisation
	// (x - mean)/std of pixels x in [0, 1] the network was trained with,
	// when the file records it (a quantized TFLite input does); nil for
	// ONNX files, which do not say.
	InputMean, InputStd []float32
}

// ReadONNX reads and decodes an ONNX model file.
func ReadONNX(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	m, err := DecodeModel(b)
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	return m, nil
}

// ReadTensor reads a serialised TensorProto (the model zoo's test_data_set_*/*.pb files).
func ReadTensor(path string) (*Tensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	t, err := DecodeTensor(b)
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	return t, nil
}

// field walks the fields of one message, calling fn with each field number,
// wire type and raw value (the varint value, the fixed bits, or the bytes of a
// length-delimited field).
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, bytes []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("bad tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		var v uint64
		var bs []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v32 uint32
			v32, n = protowire.ConsumeFixed32(b)
			v = uint64(v32)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			bs, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w (truncated or corrupt file?)", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, typ, v, bs); err != nil {
			return err
		}
	}
	return nil
}

// repeatedInts decodes a repeated int64 field that may be packed or not.
func repeatedInts(dst []int64, typ protowire.Type, v uint64, bs []byte) ([]int64, error) {
	if typ == protowire.VarintType {
		return append(dst, int64(v)), nil
	}
	for len(bs) > 0 {
		x, n := protowire.ConsumeVarint(bs)
		if n < 0 {
			return nil, fmt.Errorf("packed ints: %w", protowire.ParseError(n))
		}
		dst = append(dst, int64(x))
		bs = bs[n:]
	}
	return dst, nil
}

// repeatedFloats decodes a repeated float field, packed or not.
func repeatedFloats(dst []float32, typ protowire.Type, v uint64, bs []byte) ([]float32, error) {
	if typ == protowire.Fixed32Type {
		return append(dst, math.Float32frombits(uint32(v))), nil
	}
	if len(bs)%4 != 0 {
		return nil, fmt.Errorf("packed floats: %d bytes is not a multiple of 4", len(bs))
	}
	for i := 0; i < len(bs); i += 4 {
		dst = append(dst, math.Float32frombits(uint32(bs[i])|uint32(bs[i+1])<<8|uint32(bs[i+2])<<16|uint32(bs[i+3])<<24))
	}
	return dst, nil
}

// DecodeTensor decodes a TensorProto: dims (1), data_type (2), float_data (4),
// int64_data (7), name (8), raw_data (9, little-endian).
func DecodeTensor(b []byte) (*Tensor, error) {
	t := &Tensor{}
	var raw []byte
	err := fields(b, func(num protowire.Number, typ protowire.Type, v uint64, bs []byte) (err error) {
		switch num {
		case 1:
			t.Dims, err = repeatedInts(t.Dims, typ, v, bs)
		case 2:
			t.DataType = int32(v)
		case 4:
			t.Float, err = repeatedFloats(t.Float, typ, v, bs)
		case 7:
			t.Int64, err = repeatedInts(t.Int64, typ, v, bs)
		case 8:
			t.Name = string(bs)
		case 9:
			raw = bs
		case 13, 14:
			return fmt.Errorf("tensor uses external data, which is not supported")
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	if raw != nil && (t.Float != nil || t.Int64 != nil) {
		return nil, fmt.Errorf("tensor %q: values both in raw_data and in float_data or int64_data", t.Name)
	}
	if (t.DataType == TypeFloat && t.Int64 != nil) || (t.DataType == TypeInt64 && t.Float != nil) {
		return nil, fmt.Errorf("tensor %q of data type %d holds values of the other type (float32 = 1, int64 = 7)", t.Name, t.DataType)
	}
	if raw != nil {
		switch t.DataType {
		case TypeFloat:
			if t.Float, err = repeatedFloats(nil, protowire.BytesType, 0, raw); err != nil {
				return nil, err
			}
		case TypeInt64:
			if len(raw)%8 != 0 {
				return nil, fmt.Errorf("tensor %q: %d raw bytes is not a multiple of 8", t.Name, len(raw))
			}
			for i := 0; i < len(raw); i += 8 {
				var u uint64
				for k := 7; k >= 0; k-- {
					u = u<<8 | uint64(raw[i+k])
				}
				t.Int64 = append(t.Int64, int64(u))
			}
		default:
			return nil, fmt.Errorf("tensor %q: data type %d not supported (float32 = 1, int64 = 7)", t.Name, t.DataType)
		}
	}
	if err := checkDims(t.Dims); err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	switch t.DataType {
	case TypeFloat:
		if len(t.Float) != t.Size() {
			return nil, fmt.Errorf("tensor %q: %d values for dims %v", t.Name, len(t.Float), t.Dims)
		}
	case TypeInt64:
		if len(t.Int64) != t.Size() {
			return nil, fmt.Errorf("tensor %q: %d values for dims %v", t.Name, len(t.Int64), t.Dims)
		}
	default:
		return nil, fmt.Errorf("tensor %q: data type %d not supported (float32 = 1, int64 = 7)", t.Name, t.DataType)
	}
	return t, nil
}

// checkDims refuses negative dimensions and a product beyond int: with
// them, Size would agree with a wrong number of values.
func checkDims(dims []int64) error {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return fmt.Errorf("dims %v: a negative dimension", dims)
		}
		if d > 0 && n > math.MaxInt32/d {
			return fmt.Errorf("dims %v: more than %d elements", dims, math.MaxInt32)
		}
		n *= d
	}
	return nil
}

// decodeAttribute: name (1), f (2), i (3), s (4), t (5), floats (7), ints (8).
func decodeAttribute(b []byte) (*Attribute, error) {
	a := &Attribute{}
	err := fields(b, func(num protowire.Number, typ protowire.Type, v uint64, bs []byte) (err error) {
		switch num {
		case 1:
			a.Name = string(bs)
		case 2:
			a.Float = math.Float32frombits(uint32(v))
		case 3:
			a.Int = int64(v)
		case 4:
			a.String = string(bs)
		case 5:
			a.Tensor, err = DecodeTensor(bs)
		case 7:
			a.Floats, err = repeatedFloats(a.Floats, typ, v, bs)
		case 8:
			a.Ints, err = repeatedInts(a.Ints, typ, v, bs)
		}
		return err
	})
	return a, err
}

// decodeNode: input (1), output (2), name (3), op_type (4), attribute (5).
func decodeNode(b []byte) (*Op, error) {
	n := &Op{Attrs: map[string]*Attribute{}}
	err := fields(b, func(num protowire.Number, typ protowire.Type, v uint64, bs []byte) error {
		switch num {
		case 1:
			n.Inputs = append(n.Inputs, string(bs))
		case 2:
			n.Outputs = append(n.Outputs, string(bs))
		case 3:
			n.Name = string(bs)
		case 4:
			n.OpType = string(bs)
		case 5:
			a, err := decodeAttribute(bs)
			if err != nil {
				return fmt.Errorf("attribute: %w", err)
			}
			n.Attrs[a.Name] = a
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("node %q: %w", n.Name, err)
	}
	return n, nil
}

// decodeValueInfo: name (1), type (2) -> tensor_type (1) -> shape (2) -> dim (1) -> dim_value (1).
func decodeValueInfo(b []byte) (ValueInfo, error) {
	var vi ValueInfo
	err := fields(b, func(num protowire.Number, _ protowire.Type, _ uint64, bs []byte) error {
		switch num {
		case 1:
			vi.Name = string(bs)
		case 2:
			return fields(bs, func(num protowire.Number, _ protowire.Type, _ uint64, bs []byte) error {
				if num != 1 {
					return nil
				}
				return fields(bs, func(num protowire.Number, _ protowire.Type, _ uint64, bs []byte) error {
					if num != 2 {
						return nil
					}
					return fields(bs, func(num protowire.Number, _ protowire.Type, _ uint64, bs []byte) error {
						if num != 1 {
							return nil
						}
						d := int64(-1)
						err := fields(bs, func(num protowire.Number, _ protowire.Type, v uint64, _ []byte) error {
							if num == 1 {
								// Model.Encode writes a symbolic dimension as -1.
								if d = int64(v); d < -1 {
									return fmt.Errorf("%q: dimension %d of the shape is %d", vi.Name, len(vi.Dims), d)
								}
							}
							return nil
						})
						vi.Dims = append(vi.Dims, d)
						return err
					})
				})
			})
		}
		return nil
	})
	return vi, err
}

// DecodeModel decodes a ModelProto: ir_version (1), producer_name (2),
// graph (7), opset_import (8). The GraphProto has node (1), initializer (5),
// input (11), output (12).
func DecodeModel(b []byte) (*Model, error) {
	m := &Model{Initializers: map[string]*Tensor{}}
	var graph []byte
	err := fields(b, func(num protowire.Number, _ protowire.Type, v uint64, bs []byte) error {
		switch num {
		case 1:
			m.IRVersion = int64(v)
		case 2:
			m.Producer = string(bs)
		case 7:
			graph = bs
		case 8:
			return fields(bs, func(num protowire.Number, _ protowire.Type, v uint64, bs []byte) error {
				if num == 2 && len(bs) == 0 && int64(v) > m.Opset {
					m.Opset = int64(v)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if graph == nil {
		return nil, fmt.Errorf("no graph in the model (not an ONNX ModelProto?)")
	}
	var inputs []ValueInfo
	err = fields(graph, func(num protowire.Number, _ protowire.Type, _ uint64, bs []byte) error {
		switch num {
		case 1:
			n, err := decodeNode(bs)
			if err != nil {
				return err
			}
			m.Nodes = append(m.Nodes, n)
		case 5:
			t, err := DecodeTensor(bs)
			if err != nil {
				return fmt.Errorf("initializer: %w", err)
			}
			if _, dup := m.Initializers[t.Name]; dup {
				return fmt.Errorf("two initializers named %q", t.Name)
			}
			m.Initializers[t.Name] = t
		case 11, 12:
			vi, err := decodeValueInfo(bs)
			if err != nil {
				return fmt.Errorf("value info: %w", err)
			}
			if num == 11 {
				inputs = append(inputs, vi)
			} else {
				m.Outputs = append(m.Outputs, vi)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	for _, vi := range inputs {
		if _, isWeight := m.Initializers[vi.Name]; !isWeight {
			m.Inputs = append(m.Inputs, vi)
		}
	}
	if len(m.Nodes) == 0 {
		return nil, fmt.Errorf("graph has no nodes")
	}
	return m, nil
}
