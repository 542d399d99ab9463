// Package modelfile reads pretrained networks from ONNX and TensorFlow Lite
// files into one in-memory form, [Model]: a list of operators ([Op]: type,
// input and output value names, attributes) in the order they run, and the
// weight tensors ("initializers", [Tensor]) they read, all float32 and NCHW.
// It only decodes and encodes files; package netgraph turns a [Model] into a
// GoMLX graph.
//
// ONNX (https://onnx.ai) stores a model as a Protocol Buffers message
// (onnx.proto3, a ModelProto holding a GraphProto of NodeProtos and
// TensorProtos). [ReadONNX] decodes the few messages it needs straight from
// the wire format with protowire, so no generated code or ONNX Runtime is
// needed; [Model.Encode] and [Model.Write] write the same subset back, which
// lets tests build small models without the onnx Python package.
//
// TensorFlow Lite (.tflite) files are FlatBuffers of
// tensorflow/lite/schema/schema.fbs, read here without generated code by a
// minimal FlatBuffers decoder (flatbuf.go). [ReadTFLite] converts them to the
// same ONNX-style [Model]: 8-bit quantized weights become float32,
//
//	real = scale (q - zero_point)   (per tensor or per output channel),
//
// kernels are transposed from NHWC to ONNX's layouts, fused activations
// become operators of their own, and a quantized input's scale and zero
// point are recorded as the standardisation of pixels in [0, 1]
// (Model.InputMean, Model.InputStd).
//
// Both readers check every size and index a file states against the bytes it
// holds, so that a corrupted file is an error, never a panic or an
// allocation larger than the file justifies. FuzzDecodeModel,
// FuzzDecodeTensor and FuzzReadTFLite (fuzz_test.go) keep it so; to fuzz one
// longer:
//
//	GOEXPERIMENT=simd go test -run='^$' -fuzz='^FuzzReadTFLite$' -fuzztime=5m -parallel=1 ./lib/transfer/modelfile/
//
// Example:
//
//	m, err := modelfile.Read("mnist-8.onnx") // or a .tflite file
//	if err != nil { ... }
//	fmt.Println(len(m.Nodes), m.Inputs[0].Dims, m.Outputs[0].Dims) // 12 [1 1 28 28] [1 10]
//	w := m.Initializers["Parameter5"]                             // first conv kernel [8, 1, 5, 5]
//	_ = m.Write("copy.onnx")
package modelfile

import (
	"path/filepath"
	"strings"
)

// Read reads an ONNX file, or a TFLite one when the name ends in .tflite.
func Read(path string) (*Model, error) {
	if strings.EqualFold(filepath.Ext(path), ".tflite") {
		return ReadTFLite(path)
	}
	return ReadONNX(path)
}
