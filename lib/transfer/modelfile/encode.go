package modelfile

import (
	"math"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
)

// The encoder writes the same subset of ONNX that the decoder reads. It lets
// tests (and users) write small models without the onnx Python package, and
// [Model.Write] saves a network whose weights were trained in GoMLX.

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMessage(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// EncodeTensor serialises t as a TensorProto (values as raw little-endian data).
func EncodeTensor(t *Tensor) []byte {
	var b []byte
	for _, d := range t.Dims {
		b = appendVarint(b, 1, uint64(d))
	}
	b = appendVarint(b, 2, uint64(t.DataType))
	if t.Name != "" {
		b = appendString(b, 8, t.Name)
	}
	var raw []byte
	switch t.DataType {
	case TypeFloat:
		for _, f := range t.Float {
			raw = protowire.AppendFixed32(raw, math.Float32bits(f))
		}
	case TypeInt64:
		for _, v := range t.Int64 {
			raw = protowire.AppendFixed64(raw, uint64(v))
		}
	}
	return appendMessage(b, 9, raw)
}

func encodeAttribute(a *Attribute) []byte {
	var b []byte
	b = appendString(b, 1, a.Name)
	switch {
	case a.Ints != nil:
		for _, v := range a.Ints {
			b = appendVarint(b, 8, uint64(v))
		}
		b = appendVarint(b, 20, 7) // AttributeType INTS
	case a.String != "":
		b = appendMessage(b, 4, []byte(a.String))
		b = appendVarint(b, 20, 3) // STRING
	case a.Float != 0:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.Float))
		b = appendVarint(b, 20, 1) // FLOAT
	default:
		b = appendVarint(b, 3, uint64(a.Int))
		b = appendVarint(b, 20, 2) // INT
	}
	return b
}

func encodeValueInfo(vi ValueInfo) []byte {
	var shape []byte
	for _, d := range vi.Dims {
		shape = appendMessage(shape, 1, appendVarint(nil, 1, uint64(d)))
	}
	tensorType := appendVarint(nil, 1, TypeFloat)
	tensorType = appendMessage(tensorType, 2, shape)
	typ := appendMessage(nil, 1, tensorType)
	b := appendString(nil, 1, vi.Name)
	return appendMessage(b, 2, typ)
}

// Encode serialises the model as an ONNX ModelProto (IR version 3, opset 7
// unless m says otherwise).
func (m *Model) Encode() []byte {
	var g []byte
	for _, n := range m.Nodes {
		var nb []byte
		for _, in := range n.Inputs {
			nb = appendString(nb, 1, in)
		}
		for _, out := range n.Outputs {
			nb = appendString(nb, 2, out)
		}
		nb = appendString(nb, 3, n.Name)
		nb = appendString(nb, 4, n.OpType)
		for _, a := range n.Attrs {
			nb = appendMessage(nb, 5, encodeAttribute(a))
		}
		g = appendMessage(g, 1, nb)
	}
	g = appendString(g, 2, "physnb")
	for _, t := range m.Initializers {
		g = appendMessage(g, 5, EncodeTensor(t))
	}
	for _, vi := range m.Inputs {
		g = appendMessage(g, 11, encodeValueInfo(vi))
	}
	for _, vi := range m.Outputs {
		g = appendMessage(g, 12, encodeValueInfo(vi))
	}
	ir, opset := m.IRVersion, m.Opset
	if ir == 0 {
		ir = 3
	}
	if opset == 0 {
		opset = 7
	}
	var b []byte
	b = appendVarint(b, 1, uint64(ir))
	b = appendString(b, 2, "physnb")
	b = appendMessage(b, 7, g)
	b = appendMessage(b, 8, appendVarint(nil, 2, uint64(opset)))
	return b
}

// Write saves the model to path.
func (m *Model) Write(path string) error { return os.WriteFile(path, m.Encode(), 0o644) }
