package modelfile

// The TFLite reader's internals, for the external tests (package
// modelfile_test), which compare the converted network, run by package
// netgraph (an importer of this package), with TFLite's integer kernels.

type (
	TFLModel  = tflModel
	TFLTensor = tflTensor
	TFLOp     = tflOp
)

const (
	TFLAdd             = tflAdd
	TFLAveragePool2D   = tflAveragePool2D
	TFLConv2D          = tflConv2D
	TFLDepthwiseConv2D = tflDepthwiseConv2D
	TFLReshape         = tflReshape
	TFLSoftmax         = tflSoftmax
	TFLUint8           = tflUint8
	TFLInt8            = tflInt8
	TFLActRelu         = tflActRelu
	TFLActRelu6        = tflActRelu6
	TFLValid           = tflValid
)

var (
	DecodeTFLite = readTFLite
	LE32         = le32
)

func TensorSize(t *TFLTensor) int          { return t.size() }
func Convert(tm *TFLModel) (*Model, error) { return tm.convert() }
