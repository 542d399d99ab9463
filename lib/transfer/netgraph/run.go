package netgraph

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/transfer/modelfile"
)

// Load reads an ONNX or TFLite (.tflite) file ([modelfile.Read]) and
// returns its network ([New]).
func Load(path string) (*Network, error) {
	m, err := modelfile.Read(path)
	if err != nil {
		return nil, err
	}
	return New(m)
}

// Run evaluates the network once on x (in the model's input layout) with a
// fresh variable store and returns the value named upTo ("" = the output).
// A graph that cannot be built (shapes the model does not accept) is an
// error.
func (n *Network) Run(b compute.Backend, x *tensors.Tensor, upTo string) (*tensors.Tensor, error) {
	r, err := n.runner(b, upTo)
	if err != nil {
		return nil, err
	}
	out, err := r.call(x)
	if err == nil {
		r.exec.Finalize()
	}
	return out, err
}

// runner evaluates the network up to one value, compiled once per input shape.
type runner struct{ exec *model.Exec }

func (n *Network) runner(b compute.Backend, upTo string) (*runner, error) {
	exec, err := model.NewExec(b, model.NewStore(), func(scope *model.Scope, x *Node) *Node {
		return n.Forward(scope.In("onnx"), x, upTo)
	})
	if err != nil {
		return nil, fmt.Errorf("onnx: running the network: %w", err)
	}
	return &runner{exec}, nil
}

// call runs the network on x. A panic while building the graph is returned
// as an error; the executor must then not be finalised: GoMLX v0.28.8's
// Exec.Finalize waits forever for a compilation that panicked.
func (r *runner) call(x *tensors.Tensor) (out *tensors.Tensor, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("onnx: running the network: %v", p)
		}
	}()
	res, err := r.exec.Call(x)
	if err != nil {
		return nil, fmt.Errorf("onnx: running the network: %w", err)
	}
	return res[0], nil
}

// ErrNoReferences is the error of [Network.CheckReferences] when no
// reference outputs lie next to the model file.
var ErrNoReferences = errors.New("no test_data_set_* folders")

// Reference is the comparison of the network with one of the model zoo's
// test cases (test_data_set_*/input_0.pb and output_0.pb).
type Reference struct {
	Dir        string    `json:"dir"`
	Want       []float32 `json:"want"` // the stored output
	Got        []float32 `json:"got"`  // the network's
	MaxAbsDiff float64   `json:"max_abs_diff"`
	MaxAbs     float64   `json:"max_abs"` // the largest |Want|
	// Tolerance is the largest MaxAbsDiff accepted: [ReferenceRelTol] x
	// max(MaxAbs, 1).
	Tolerance float64 `json:"tolerance"`
}

// ReferenceRelTol is the relative tolerance of [Network.CheckReferences]:
// float32 sums of a few hundred terms agree with ONNX Runtime's to about
// 1e-6 of the largest output (mnist-8: 5e-7), so 1e-4 leaves a margin of 100
// and still catches any changed weight that matters.
const ReferenceRelTol = 1e-4

// CheckReferences runs the network on every test_data_set_* folder next to
// the model file and compares with the stored outputs; an output off by more
// than its Tolerance (or NaN) is an error, returned with all comparisons.
func (n *Network) CheckReferences(b compute.Backend, modelPath string) ([]Reference, error) {
	dirs, _ := filepath.Glob(filepath.Join(filepath.Dir(modelPath), "test_data_set_*"))
	if len(dirs) == 0 {
		return nil, fmt.Errorf("onnx: %w next to %s", ErrNoReferences, modelPath)
	}
	var refs []Reference
	for _, dir := range dirs {
		in, err := modelfile.ReadTensor(filepath.Join(dir, "input_0.pb"))
		if err != nil {
			return nil, err
		}
		want, err := modelfile.ReadTensor(filepath.Join(dir, "output_0.pb"))
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
			d := math.Abs(float64(got[i] - want.Float[i]))
			if math.IsNaN(d) {
				d = math.Inf(1) // a NaN output never agrees
			}
			r.MaxAbsDiff = math.Max(r.MaxAbsDiff, d)
			r.MaxAbs = math.Max(r.MaxAbs, math.Abs(float64(want.Float[i])))
		}
		r.Tolerance = ReferenceRelTol * math.Max(r.MaxAbs, 1)
		refs = append(refs, r)
	}
	for _, r := range refs {
		if !(r.MaxAbsDiff <= r.Tolerance) {
			return refs, fmt.Errorf("onnx: %s does not reproduce its reference output %s: max |difference| %.3g, tolerance %.3g "+
				"(relative %g of the largest output %.4g); the file is damaged or not the one its reference outputs were made with",
				modelPath, r.Dir, r.MaxAbsDiff, r.Tolerance, ReferenceRelTol, r.MaxAbs)
		}
	}
	return refs, nil
}

// HeadInput returns the value read by the network's final dense layer (a
// Gemm or MatMul, or a 1x1 Conv as in the MobileNets), looking back past a
// final Softmax, Reshape, Flatten or Transpose: for ResNet-18 the 512 pooled
// features, for MobileNet v2 the 1280. It is the place of a new head.
func (n *Network) HeadInput() (string, error) {
	for i := len(n.Model.Nodes) - 1; i >= 0; i-- {
		nd := n.Model.Nodes[i]
		switch nd.OpType {
		case "Softmax", "Reshape", "Flatten", "Transpose", "Identity":
			continue
		case "Gemm", "MatMul":
			return nd.Inputs[0], nil
		case "Conv":
			if w := n.Model.Initializers[nd.Inputs[1]]; w != nil && len(w.Dims) == 4 && w.Dims[2] == 1 && w.Dims[3] == 1 {
				return nd.Inputs[0], nil
			}
		}
		return "", fmt.Errorf("transfer: the model ends with %s, not a dense layer (Gemm/MatMul or 1x1 Conv): name the feature value", nd.OpType)
	}
	return "", fmt.Errorf("transfer: the model has no operators")
}

// FeatureThroughput measures how fast the network turns images into the
// value features: batches of random [batch, C, size, size] images, one
// untimed call first (compilation), then steps timed calls.
func (n *Network) FeatureThroughput(b compute.Backend, features string, batch, size, steps int) (imagesPerSecond float64, err error) {
	c := int(n.Model.Inputs[0].Dims[1])
	x := make([]float32, batch*c*size*size)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	in := tensors.FromFlatDataAndDimensions(x, batch, c, size, size)
	r, err := n.runner(b, features)
	if err != nil {
		return 0, err
	}
	if _, err := r.call(in); err != nil {
		return 0, err
	}
	defer r.exec.Finalize()
	start := time.Now()
	for i := 0; i < steps; i++ {
		if _, err := r.call(in); err != nil {
			return 0, err
		}
	}
	return float64(batch*steps) / time.Since(start).Seconds(), nil
}
