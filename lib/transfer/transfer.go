package transfer

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/classify"
)

// Run evaluates the network once on x (in the model's input layout) with a
// fresh variable store and returns the value named upTo ("" = the output).
func (n *Network) Run(b compute.Backend, x *tensors.Tensor, upTo string) (out *tensors.Tensor, err error) {
	store := model.NewStore()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("onnx: running the network: %v", r)
		}
	}()
	res, err := model.CallOnce(b, store, func(scope *model.Scope, x *Node) *Node {
		return n.Forward(scope.In("onnx"), x, upTo)
	}, x)
	if err != nil {
		return nil, fmt.Errorf("onnx: running the network: %w", err)
	}
	return res, nil
}

// Reference is the comparison of the network with one of the model zoo's
// test cases (test_data_set_*/input_0.pb and output_0.pb).
type Reference struct {
	Dir                string
	Want, Got          []float32
	MaxAbsDiff, MaxAbs float64
}

// CheckReferences runs the network on every test_data_set_* folder next to
// the model file and compares with the stored outputs.
func (n *Network) CheckReferences(b compute.Backend, modelPath string) ([]Reference, error) {
	dirs, _ := filepath.Glob(filepath.Join(filepath.Dir(modelPath), "test_data_set_*"))
	if len(dirs) == 0 {
		return nil, fmt.Errorf("onnx: no test_data_set_* folders next to %s", modelPath)
	}
	var refs []Reference
	for _, dir := range dirs {
		in, err := ReadTensor(filepath.Join(dir, "input_0.pb"))
		if err != nil {
			return nil, err
		}
		want, err := ReadTensor(filepath.Join(dir, "output_0.pb"))
		if err != nil {
			return nil, err
		}
		dims := make([]int, len(in.Dims))
		for i, d := range in.Dims {
			dims[i] = int(d)
		}
		out, err := n.Run(b, tensors.FromFlatDataAndDimensions(in.Float, dims...), "")
		if err != nil {
			return nil, err
		}
		got := tensors.MustCopyFlatData[float32](out)
		if len(got) != len(want.Float) {
			return nil, fmt.Errorf("onnx: %s: output has %d values, reference %d", dir, len(got), len(want.Float))
		}
		r := Reference{Dir: dir, Want: want.Float, Got: got}
		for i := range got {
			r.MaxAbsDiff = math.Max(r.MaxAbsDiff, math.Abs(float64(got[i]-want.Float[i])))
			r.MaxAbs = math.Max(r.MaxAbs, math.Abs(float64(want.Float[i])))
		}
		refs = append(refs, r)
	}
	return refs, nil
}

// Mode is how the pretrained part is used.
type Mode string

const (
	Scratch          Mode = "scratch"           // same architecture, random initial weights, all trained
	FeatureExtractor Mode = "feature-extractor" // pretrained weights frozen, only the new head trained
	FineTune         Mode = "fine-tune"         // pretrained weights as the start, all trained
)

// Modes lists the three ways in the order the notebook compares them.
var Modes = []Mode{Scratch, FeatureExtractor, FineTune}

// Classifier returns a model function for package classify: images
// [B, H, W, 1] with pixels in [0, 1] are scaled by inputScale (mnist-8 expects
// 0..255), put in the network's NCHW layout, run up to the feature tensor
// features, flattened, and fed to a new dense head with numClasses logits.
func (n *Network) Classifier(mode Mode, features string, inputScale float64, numClasses int) (classify.ModelFn, error) {
	if !n.HasValue(features) {
		return nil, fmt.Errorf("onnx: the model computes no value named %q", features)
	}
	net := *n
	switch mode {
	case Scratch:
		net.Pretrained, net.Frozen = false, false
	case FeatureExtractor:
		net.Pretrained, net.Frozen = true, true
	case FineTune:
		net.Pretrained, net.Frozen = true, false
	default:
		return nil, fmt.Errorf("transfer: unknown mode %q, want one of %v", mode, Modes)
	}
	return func(scope *model.Scope, x *Node) *Node {
		if x.Rank() != 4 {
			panic(fmt.Sprintf("transfer: want images [batch, height, width, channels], got %s", x.Shape()))
		}
		x = TransposeAllAxes(MulScalar(x, inputScale), 0, 3, 1, 2) // NHWC -> NCHW
		f := net.Forward(scope.In("onnx"), x, features)
		f = Reshape(f, f.Shape().Dimensions[0], -1)
		return layers.DenseWithBias(scope.In("head"), f, numClasses)
	}, nil
}
