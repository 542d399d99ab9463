// Package transfer reuses a network trained on one task for another, the
// second half of the lesson's image classification: a pretrained network
// (read by package modelfile from an ONNX or TFLite file, rebuilt as a GoMLX
// graph by package netgraph) gets a new classification head on one of its
// inner values, the features, and is trained on a small labelled budget of
// new images in three modes ([Modes]):
//
//   - [Scratch]: the same architecture from random weights, all trained;
//   - [FeatureExtractor]: the pretrained weights frozen, only the head trained;
//   - [FineTune]: the pretrained weights as the start, all trained.
//
// The head is softmax(W (f - mu)/sigma + b) on the flattened features f,
// standardised with their mean mu and standard deviation sigma over the
// training images ([FeatureStats]), as the lesson's Normalize does for
// inputs; the images are first resized, scaled and standardised per channel
// as the network was trained ([Head]). The frozen extractor computes the
// features of every image once ([FeatureData]) and trains the head on them.
//
// [Experiment] is the whole comparison, shared by `physnb vision transfer`
// (also `physnb lesson transfer`) and the notebook. Offline it is mnist-8
// (the ONNX model zoo's MNIST network) on the 8x8 digits, or an ImageNet
// MobileNet from the data folder on 200 real CIFAR-10 images; for users who
// supply the file, as in the lesson, ResNet-18 pretrained on ImageNet on
// CIFAR-10.
//
// Example, the digits:
//
//	e := transfer.DefaultExperiment() // mnist-8 on the digits, 100 labels, 20 epochs
//	e.Target, e.Seed = transfer.Digits, nb.Seed()
//	rep, err := e.Run(context.Background(), backend.Must())
//	fmt.Println(rep.Labels, rep.TestImages, rep.Features) // 100 899 Pooling160_Output_0
//	fmt.Println(rep.ZeroShot(), rep.Accuracy()[transfer.FineTune]) // mnist-8 as it is; fine-tuned
//	rep.Figure("test accuracy by epoch").Display()
//
// An ImageNet MobileNet on the CIFAR-10 sample, at the file's own input size
// (128) and standardisation:
//
//	e := transfer.DefaultExperiment()
//	e.Target, e.Model, e.BatchSize, e.FineTuneLearningRate = transfer.CIFAR10Sample, transfer.MobileNetV1, 10, 1e-4
//	rep, err := e.Run(context.Background(), backend.MustParallel())
//	for _, r := range rep.Results { fmt.Println(r.Mode, r.TestAcc) }
//
// The pieces, for ResNet-18 from a file the user supplies, its new head on
// the 512 pooled features, ImageNet's input standardisation:
//
//	net, _ := transfer.LoadNetwork("resnet18-v1-7.onnx")
//	f, _ := net.HeadInput()
//	fn, _ := transfer.Classifier(net, transfer.FineTune, transfer.Head{Features: f, InputScale: 1,
//		InputMean: transfer.ImageNetMean, InputStd: transfer.ImageNetStd, Classes: 10})
//	// fn is a classify.ModelFn: classify.New(b, fn, 10).Fit(train, test, cfg)
package transfer

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/progress"
	"github.com/physnb/physnb/lib/transfer/netgraph"
)

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
	// the training images with [FeatureStats].
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
func FeatureStats(b compute.Backend, n *netgraph.Network, d *classify.Data, h Head) (mean, std []float32, err error) {
	f, err := FeatureData(b, n, d, h)
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
func FeatureData(b compute.Backend, n *netgraph.Network, d *classify.Data, h Head) (*classify.Data, error) {
	fn, err := features(n, h, h.InputScale)
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
func features(n *netgraph.Network, h Head, scale float64) (func(scope *model.Scope, x *Node) *Node, error) {
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
func Classifier(n *netgraph.Network, mode Mode, h Head) (classify.ModelFn, error) {
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
	feat, err := features(&net, h, scale)
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
	Mode     Mode              `json:"mode"`
	History  *classify.History `json:"history"` // train and test statistics epoch by epoch
	TestAcc  float64           `json:"test_accuracy"`
	TestLoss float64           `json:"test_loss"`
}

// Training is what [Compare] varies and what it keeps equal.
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
// extractor computes its features once ([FeatureData]) and trains
// the head on them: the same model and the same training as running the
// frozen network every epoch, at the cost of one pass instead of one per
// epoch (unless the images are augmented, which changes the features every
// epoch).
func Compare(b compute.Backend, n *netgraph.Network, h Head, train, test *classify.Data, t Training) ([]Result, error) {
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
			hist, err = fitOnFeatures(b, n, h, train, test, c, t.Seed)
		} else {
			var fn classify.ModelFn
			if fn, err = Classifier(n, mode, h); err != nil {
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
func fitOnFeatures(b compute.Backend, n *netgraph.Network, h Head, train, test *classify.Data, cfg classify.Config, seed int64) (*classify.History, error) {
	if h.Classes < 2 {
		return nil, fmt.Errorf("transfer: head with %d classes, need at least 2", h.Classes)
	}
	ftr, err := FeatureData(b, n, train, h)
	if err != nil {
		return nil, err
	}
	var fte *classify.Data
	if test != nil {
		if fte, err = FeatureData(b, n, test, h); err != nil {
			return nil, err
		}
	}
	head := func(scope *model.Scope, f *Node) *Node { return h.apply(scope, f, true) }
	return classify.New(b, head, h.Classes).Seed(seed).Fit(ftr, fte, cfg)
}
