package transfer

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/progress"
)

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

var errNoReferences = errors.New("no test_data_set_* folders")

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
		return nil, fmt.Errorf("onnx: %w next to %s", errNoReferences, modelPath)
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

// Head describes how the new classification head is attached, and how the
// images are prepared for the pretrained network.
type Head struct {
	Features   string  // the network value used as features (e.g. mnist-8's "Pooling160_Output_0")
	InputScale float64 // pixels in [0, 1] are multiplied by this (mnist-8 expects 0..255; 0 means 1)
	// InputMean and InputStd standardise each input channel after the
	// scaling, (x - InputMean[c])/InputStd[c] (nil: not at all); ImageNet
	// networks such as ResNet-18 want [ImageNetMean] and [ImageNetStd].
	InputMean, InputStd []float32
	// InputSize resizes the images (bilinear) to InputSize x InputSize
	// before the network; 0 keeps their size. ResNet-18 was trained at 224,
	// but as a convolutional network it runs at any size of at least 32.
	InputSize int
	Classes   int
	// Mean and Std standardise the pretrained features before the head,
	// (f - Mean)/Std, as the lesson's Normalize does for inputs; computed on
	// the training images with [Network.FeatureStats].
	Mean, Std []float32
}

// ImageNet's per-channel (RGB) pixel mean and standard deviation, for pixels
// in [0, 1]: the normalisation torchvision's and the ONNX model zoo's
// ImageNet models were trained with.
var (
	ImageNetMean = []float32{0.485, 0.456, 0.406}
	ImageNetStd  = []float32{0.229, 0.224, 0.225}
)

// FeatureStats runs the pretrained network on the images of d (pixels in
// [0, 1], [N, H, W, C]), prepared as h says, and returns the mean and
// standard deviation of each value of h.Features, for [Head].
func (n *Network) FeatureStats(b compute.Backend, d *classify.Data, h Head) (mean, std []float32, err error) {
	f, err := n.FeatureData(b, d, h)
	if err != nil {
		return nil, nil, err
	}
	dim := f.Shape[0]
	mean, std = make([]float32, dim), make([]float32, dim)
	nS := float64(f.Len())
	for j := 0; j < dim; j++ {
		var s, s2 float64
		for i := 0; i < f.Len(); i++ {
			v := float64(f.X[i*dim+j])
			s += v
			s2 += v * v
		}
		m := s / nS
		mean[j] = float32(m)
		std[j] = float32(math.Sqrt(math.Max(s2/nS-m*m, 0)))
		if std[j] < 1e-6 {
			std[j] = 1
		}
	}
	return mean, std, nil
}

// FeatureData runs the pretrained network once over the images of d and
// returns their flattened h.Features values as a data set with the same
// labels: what a frozen feature extractor feeds its head, every epoch.
func (n *Network) FeatureData(b compute.Backend, d *classify.Data, h Head) (*classify.Data, error) {
	fn, err := n.features(h, h.InputScale)
	if err != nil {
		return nil, err
	}
	// A classifier whose "logits" are the features: reuses the batched evaluation.
	probe := classify.New(b, func(scope *model.Scope, x *Node) *Node { return fn(scope, x) }, 0)
	f, dim, err := probe.Outputs(d)
	if err != nil {
		return nil, err
	}
	return &classify.Data{X: f, Shape: []int{dim}, Y: d.Y, Classes: d.Classes, Name: d.Name + " (" + h.Features + ")"}, nil
}

// features returns the function from images [B, H, W, C] (pixels in [0, 1])
// to the flattened value h.Features, the images prepared as h says with the
// given pixel scale.
func (n *Network) features(h Head, scale float64) (func(scope *model.Scope, x *Node) *Node, error) {
	if !n.HasValue(h.Features) {
		return nil, fmt.Errorf("onnx: the model computes no value named %q", h.Features)
	}
	if len(h.InputMean) != len(h.InputStd) {
		return nil, fmt.Errorf("transfer: %d input means for %d standard deviations", len(h.InputMean), len(h.InputStd))
	}
	if h.InputSize < 0 || scale < 0 {
		return nil, fmt.Errorf("transfer: input size %d, scale %g", h.InputSize, scale)
	}
	if scale == 0 {
		scale = 1
	}
	return func(scope *model.Scope, x *Node) *Node {
		// The prepared images are inputs, never differentiated (GoMLX has no
		// gradient for the Clamp inside Interpolate).
		x = StopGradient(prepare(x, h, scale))
		f := n.Forward(scope.In("onnx"), TransposeAllAxes(x, 0, 3, 1, 2), h.Features) // NHWC -> NCHW
		return Reshape(f, f.Shape().Dimensions[0], -1)
	}, nil
}

// prepare resizes, scales and standardises images [B, H, W, C] as h says.
func prepare(x *Node, h Head, scale float64) *Node {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("transfer: want images [batch, height, width, channels], got %s", x.Shape()))
	}
	d := x.Shape().Dimensions
	if h.InputSize > 0 && (d[1] != h.InputSize || d[2] != h.InputSize) {
		x = Interpolate(x, -1, h.InputSize, h.InputSize, -1).Bilinear().Done()
	}
	if scale != 1 {
		x = MulScalar(x, scale)
	}
	if h.InputMean != nil {
		if len(h.InputMean) != d[3] {
			panic(fmt.Sprintf("transfer: %d input channel means for images with %d channels", len(h.InputMean), d[3]))
		}
		g := x.Graph()
		mu := Const(g, tensors.FromFlatDataAndDimensions(h.InputMean, 1, 1, 1, d[3]))
		sd := Const(g, tensors.FromFlatDataAndDimensions(h.InputStd, 1, 1, 1, d[3]))
		x = Div(Sub(x, mu), sd)
	}
	return x
}

// Classifier returns a model function for package classify: images
// [B, H, W, C] with pixels in [0, 1] are prepared as h says (resized, scaled,
// standardised per channel), go through the network up to the feature value,
// are flattened, standardised with h.Mean and h.Std (pretrained modes), and
// fed to a new dense layer with h.Classes logits. In Scratch mode the weights
// start random, the pixels are not scaled by h.InputScale and the features
// are not standardised: the usual set-up of a network trained from nothing.
func (n *Network) Classifier(mode Mode, h Head) (classify.ModelFn, error) {
	net := *n
	scale := h.InputScale
	standardise := true
	switch mode {
	case Scratch:
		net.Pretrained, net.Frozen = false, false
		scale, standardise = 1, false
	case FeatureExtractor:
		net.Pretrained, net.Frozen = true, true
	case FineTune:
		net.Pretrained, net.Frozen = true, false
	default:
		return nil, fmt.Errorf("transfer: unknown mode %q, want one of %v", mode, Modes)
	}
	if h.Classes < 2 {
		return nil, fmt.Errorf("transfer: head with %d classes, need at least 2", h.Classes)
	}
	feat, err := net.features(h, scale)
	if err != nil {
		return nil, err
	}
	return func(scope *model.Scope, x *Node) *Node {
		return h.apply(scope, feat(scope, x), standardise)
	}, nil
}

// apply is the new head on features f [B, dim]: standardised with Mean and
// Std (when standardise and they are set), then a dense layer with Classes
// logits in scope "head".
func (h Head) apply(scope *model.Scope, f *Node, standardise bool) *Node {
	if standardise && h.Mean != nil {
		if len(h.Mean) != f.Shape().Dimensions[1] || len(h.Std) != len(h.Mean) {
			panic(fmt.Sprintf("transfer: %d feature means/%d stds for %d features", len(h.Mean), len(h.Std), f.Shape().Dimensions[1]))
		}
		g := f.Graph()
		mu := Const(g, tensors.FromFlatDataAndDimensions(h.Mean, 1, len(h.Mean)))
		sd := Const(g, tensors.FromFlatDataAndDimensions(h.Std, 1, len(h.Std)))
		f = Div(Sub(f, mu), sd)
	}
	return layers.DenseWithBias(scope.In("head"), f, h.Classes)
}

// Result is one arm of a transfer-learning comparison.
type Result struct {
	Mode     Mode
	History  *classify.History
	TestAcc  float64
	TestLoss float64
}

// Training is what [Network.Compare] varies and what it keeps equal.
type Training struct {
	Config classify.Config // epochs, batch size, Adam's learning rate, seed of the shuffling
	// FineTuneLearningRate, when positive, replaces Config.LearningRate for
	// fine-tuning: a network without batch normalisation (the MobileNets,
	// whose normalisation is folded into the convolutions) loses its
	// pretrained features under Adam steps of 1e-3, the usual step for a
	// new head.
	FineTuneLearningRate float64
	Modes                []Mode // the modes to train, in order (nil: all of [Modes])
	Seed                 int64  // initialisation of the head and, in Scratch mode, the network
	// OnStep (optional) sees every step of every mode, the mode as the
	// step's Run.
	OnStep progress.OnStepFn
}

// Compare trains each mode with the same labelled budget, head and
// training settings, and evaluates each on test. The frozen feature
// extractor computes its features once ([Network.FeatureData]) and trains
// the head on them: the same model and the same training as running the
// frozen network every epoch, at the cost of one pass instead of one per
// epoch (unless the images are augmented, which changes the features every
// epoch).
func (n *Network) Compare(b compute.Backend, h Head, train, test *classify.Data, t Training) ([]Result, error) {
	modes := t.Modes
	if modes == nil {
		modes = Modes
	}
	var out []Result
	for _, mode := range modes {
		c := t.Config
		if mode == FineTune && t.FineTuneLearningRate > 0 {
			c.LearningRate = t.FineTuneLearningRate
		}
		if t.OnStep != nil {
			c.OnStep = func(s progress.Step) error { s.Run = string(mode); return t.OnStep(s) }
		}
		var hist *classify.History
		var err error
		if mode == FeatureExtractor && c.Augment == nil {
			hist, err = n.fitOnFeatures(b, h, train, test, c, t.Seed)
		} else {
			var fn classify.ModelFn
			if fn, err = n.Classifier(mode, h); err != nil {
				return nil, err
			}
			hist, err = classify.New(b, fn, h.Classes).Seed(t.Seed).Fit(train, test, c)
		}
		if err != nil {
			return nil, fmt.Errorf("transfer: %s: %w", mode, err)
		}
		out = append(out, Result{Mode: mode, History: hist, TestAcc: hist.Last().TestAcc, TestLoss: hist.Last().TestLoss})
	}
	return out, nil
}

// fitOnFeatures trains the head alone on the frozen network's features of
// train, evaluated on those of test.
func (n *Network) fitOnFeatures(b compute.Backend, h Head, train, test *classify.Data, cfg classify.Config, seed int64) (*classify.History, error) {
	if h.Classes < 2 {
		return nil, fmt.Errorf("transfer: head with %d classes, need at least 2", h.Classes)
	}
	ftr, err := n.FeatureData(b, train, h)
	if err != nil {
		return nil, err
	}
	var fte *classify.Data
	if test != nil {
		if fte, err = n.FeatureData(b, test, h); err != nil {
			return nil, err
		}
	}
	head := func(scope *model.Scope, f *Node) *Node { return h.apply(scope, f, true) }
	return classify.New(b, head, h.Classes).Seed(seed).Fit(ftr, fte, cfg)
}
