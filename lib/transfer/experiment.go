package transfer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/progress"
	"github.com/physnb/physnb/lib/transfer/netgraph"
	"github.com/physnb/physnb/lib/vision"
)

// MNIST8Features is the value of mnist-8 used as features: the output of its
// second max-pool, 16 x 4 x 4 = 256 numbers per image.
const MNIST8Features = "Pooling160_Output_0"

// Names of the ImageNet MobileNets the data layer provides, for
// [Experiment].Model and [LoadNetwork]: quantized TFLite files, v1 (width
// 0.25, 128x128 input, 0.47M parameters) and v2 (width 1, 224x224, 3.5M).
const (
	MobileNetV1 = "mobilenet-v1"
	MobileNetV2 = "mobilenet-v2"
)

// CIFAR10Sample is the target of the 200 CIFAR-10 images in the data folder.
const CIFAR10Sample = "cifar10-sample"

// Digits is the target of scikit-learn's 8x8 digits (resized to mnist-8's
// 28x28): the first half trains, the second tests.
const Digits = "digits"

// Targets lists the valid values of [Experiment].Target ("" picks one).
var Targets = []string{Digits, vision.FashionMNIST, vision.CIFAR10, CIFAR10Sample}

// ResNet18Page is where the ONNX model zoo lists its ResNet-18 files.
const ResNet18Page = "https://github.com/onnx/models/tree/main/validated/vision/classification/resnet"

// Experiment configures a transfer-learning comparison: a pretrained
// network on a new labelled budget of Target images, each mode of Modes
// trained with the same images, head and settings and tested on the same
// held-out set. The zero value is not useful: start from
// [DefaultExperiment].
type Experiment struct {
	// Target is Digits (scikit-learn 8x8), vision.FashionMNIST,
	// vision.CIFAR10 or CIFAR10Sample (the 200 real CIFAR-10 images of the
	// data folder: the first Labels train, the rest test); "" is Digits for
	// mnist-8 and, for another model, CIFAR-10 when its archive is present,
	// else CIFAR10Sample ([Report].Note says so).
	Target string `json:"target"`
	// Model is the ONNX or TFLite file of the pretrained network, or one of
	// the names MobileNetV1 and MobileNetV2 (ImageNet MobileNets from the
	// data layer); "" is mnist-8. Its single input is images.
	Model string `json:"model"`
	// Features is the network value the new head reads; "" is
	// MNIST8Features for mnist-8 and, for another model, the input of its
	// final Gemm or MatMul (what the lesson's model.fc receives).
	Features string `json:"features"`
	// InputSize resizes the images to InputSize x InputSize first (0: as
	// they are for ONNX files, the model's own size for TFLite ones, which
	// record it; the lesson resizes CIFAR-10 to 224 for ResNet-18).
	InputSize int `json:"input_size"`
	Labels    int `json:"labels"`     // labelled training images, at least 10
	TestLimit int `json:"test_limit"` // test images (0: the rest of digits or of the sample, or the whole test set)
	Epochs    int `json:"epochs"`     // training epochs per mode
	BatchSize int `json:"batch_size"` // at least 1 (the lesson's: 32)
	// FineTuneLearningRate is Adam's step for fine-tuning (0: 1e-3, as for
	// the other modes); see [Training].
	FineTuneLearningRate float64           `json:"fine_tune_learning_rate"`
	Modes                []Mode            `json:"modes"` // the modes to compare, in order (nil: all of [Modes])
	Seed                 uint64            `json:"seed"`  // the digits' split, the heads' initialisation, the shuffling
	OnStep               progress.OnStepFn `json:"-"`     // every training step of every mode (the mode is the step's Run)
}

// DefaultExperiment is the command's defaults: mnist-8 on the digits, 100
// labels, 20 epochs per mode, batches of 32, all three modes, seed 1.
func DefaultExperiment() Experiment {
	return Experiment{Labels: 100, Epochs: 20, BatchSize: 32, Seed: 1}
}

// Upper limits of [Experiment.Validate]: images (labels, test images, a
// batch), epochs, and the resized side (ImageNet networks take 224).
const (
	MaxImages    = 1_000_000
	MaxEpochs    = 10000
	MaxInputSize = 1024
)

// Validate reports the first bad parameter, with the valid range, before
// any file is read (except that a model file must exist).
func (e Experiment) Validate() error {
	bad := func(format string, args ...any) error { return fmt.Errorf("transfer: "+format, args...) }
	switch {
	case e.Target != "" && !slices.Contains(Targets, e.Target):
		return bad("--target %q: want %q, %q, %q or %q", e.Target, Targets[0], Targets[1], Targets[2], Targets[3])
	case e.Labels < 10 || e.Labels > MaxImages:
		return bad("--labels %d: want 10 to %d", e.Labels, MaxImages)
	case e.Epochs < 1 || e.Epochs > MaxEpochs:
		return bad("--epochs %d: want 1 to %d", e.Epochs, MaxEpochs)
	case e.BatchSize < 1 || e.BatchSize > MaxImages:
		return bad("--batch %d: want 1 to %d (the lesson's: 32)", e.BatchSize, MaxImages)
	case e.TestLimit < 0 || e.TestLimit > MaxImages:
		return bad("--test-limit %d: want 0 (all) to %d", e.TestLimit, MaxImages)
	case e.InputSize < 0 || e.InputSize > MaxInputSize:
		return bad("--size %d: want 0 (keep) to %d pixels", e.InputSize, MaxInputSize)
	case !(e.FineTuneLearningRate >= 0) || math.IsInf(e.FineTuneLearningRate, 0):
		return bad("--fine-tune-lr %g: want a finite value >= 0 (0: 1e-3)", e.FineTuneLearningRate)
	}
	for i, m := range e.Modes {
		if !slices.Contains(Modes, m) {
			return bad("--modes %q: want some of %v", m, Modes)
		}
		if slices.Contains(e.Modes[:i], m) {
			return bad("--modes: %q given twice, want each mode at most once", m)
		}
	}
	if e.Model != "" && e.Model != MobileNetV1 && e.Model != MobileNetV2 {
		return modelMissing(e.Model)
	}
	return nil
}

// modelMissing says where pretrained models come from when path is not a file.
func modelMissing(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("transfer: --model %s: %w (want an ONNX or TFLite file)\n  physnb does not ship ResNet weights: download resnet18-v1-7.onnx "+
			"from the ONNX model zoo (%s)\n  or export torchvision's resnet18 with torch.onnx.export, and pass its path; "+
			"%q and %q name ImageNet MobileNets from the data folder", path, err, ResNet18Page, MobileNetV1, MobileNetV2)
	}
	return nil
}

// LoadMNIST8 reads the pretrained network through the data layer and
// returns it with its path.
func LoadMNIST8() (*netgraph.Network, string, error) {
	p, err := data.Path(data.MNIST8Model)
	if err != nil {
		return nil, "", err
	}
	n, err := netgraph.Load(p)
	return n, p, err
}

// LoadNetwork reads an ONNX or TFLite (.tflite) file, or a MobileNet by
// name, and checks that its operators are supported. A missing file gets an
// error that says where pretrained models come from.
func LoadNetwork(path string) (*netgraph.Network, error) {
	if name, ok := map[string]string{MobileNetV1: data.MobileNetV1, MobileNetV2: data.MobileNetV2}[path]; ok {
		p, err := data.Path(name)
		if err != nil {
			return nil, err
		}
		path = p
	}
	if err := modelMissing(path); err != nil {
		return nil, err
	}
	return netgraph.Load(path)
}

// Run validates e, checks the network against its reference outputs when
// the file has them (mnist-8 must), scores mnist-8 as it is on the digits,
// then trains the modes on the same labelled images and tests them on the
// same held-out set. A cancelled ctx stops training at the next step.
func (e Experiment) Run(ctx context.Context, b compute.Backend) (*Report, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	rep := &Report{Experiment: e, Model: e.Model, Epochs: e.Epochs, Backend: b.String(), BackendDescription: backend.Describe(b)}
	e.Target, rep.Note = e.target()
	rep.Target = e.Target
	var net *netgraph.Network
	var err error
	if e.Model == "" {
		net, rep.Model, err = LoadMNIST8()
	} else {
		net, err = LoadNetwork(e.Model)
	}
	if err != nil {
		return nil, err
	}
	if rep.References, err = net.CheckReferences(b, rep.Model); err != nil && (e.Model == "" || !errors.Is(err, netgraph.ErrNoReferences)) {
		return nil, err
	}
	if len(rep.References) > 0 {
		d := 0.0
		for _, r := range rep.References {
			d = math.Max(d, r.MaxAbsDiff)
		}
		rep.ReferenceMaxAbsDiff = &d
	}
	h, err := e.head(net)
	if err != nil {
		return nil, err
	}
	rep.Features, rep.InputSize = h.Features, h.InputSize
	train, test, zeroShot, err := e.load(b, net)
	if err != nil {
		return nil, err
	}
	rep.Labels, rep.TestImages = train.Len(), test.Len()
	if zeroShot >= 0 {
		rep.ZeroShotAccuracy = &zeroShot
	}
	if c := net.Model.Inputs[0].Dims; len(c) == 4 && c[1] > 0 && int(c[1]) != train.Shape[2] {
		return nil, fmt.Errorf("transfer: %s takes %d-channel images, %s has %d channels", rep.Model, c[1], e.Target, train.Shape[2])
	}
	if h.Mean, h.Std, err = FeatureStats(b, net, train, h); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := classify.Config{Epochs: e.Epochs, BatchSize: e.BatchSize, LearningRate: 1e-3, Seed: e.Seed}
	onStep := func(s progress.Step) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return e.OnStep.Call(s)
	}
	rep.Results, err = Compare(b, net, h, train, test, Training{Config: cfg, FineTuneLearningRate: e.FineTuneLearningRate,
		Modes: e.Modes, Seed: int64(e.Seed), OnStep: onStep})
	if err != nil {
		return nil, err
	}
	rep.TestAccuracy = rep.accuracyJSON()
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// target resolves an empty Target, with a note when the CIFAR-10 sample
// stands in for CIFAR-10.
func (e Experiment) target() (string, string) {
	switch {
	case e.Target != "":
		return e.Target, ""
	case e.Model == "":
		return Digits, ""
	case vision.CIFAR10Available():
		return vision.CIFAR10, ""
	}
	return CIFAR10Sample, fmt.Sprintf("CIFAR-10 is not in the data folders: using the %s images (physnb data fetch %s fetches the full set)",
		CIFAR10Sample, data.CIFAR10Archive)
}

// head is the new head and the image preparation: mnist-8 reads pixels
// 0..255; a model whose file records its input standardisation (TFLite) gets
// that, at its own image size; any other 3-channel model is taken to be an
// ImageNet network and gets ImageNet's per-channel standardisation.
func (e Experiment) head(net *netgraph.Network) (Head, error) {
	h := Head{Features: e.Features, InputScale: 1, InputSize: e.InputSize, Classes: 10}
	if e.Model == "" {
		h.InputScale = 255
		if h.Features == "" {
			h.Features = MNIST8Features
		}
		return h, nil
	}
	switch c := net.Model.Inputs[0].Dims; {
	case net.Model.InputMean != nil: // recorded by the file (TFLite), with its image size
		h.InputMean, h.InputStd = net.Model.InputMean, net.Model.InputStd
		if h.InputSize == 0 && len(c) == 4 {
			h.InputSize = int(c[2])
		}
	case len(c) == 4 && c[1] == 3:
		h.InputMean, h.InputStd = ImageNetMean, ImageNetStd
	}
	if h.Features == "" {
		f, err := net.HeadInput()
		if err != nil {
			return h, err
		}
		h.Features = f
	}
	return h, nil
}

// load reads the target's labelled and test images and, for mnist-8 on
// digits, scores the network as it is (zeroShot; -1 when not scored).
func (e Experiment) load(b compute.Backend, net *netgraph.Network) (train, test *classify.Data, zeroShot float64, err error) {
	zeroShot = -1
	switch e.Target {
	case Digits:
		d, err := vision.LoadDigits()
		if err != nil {
			return nil, nil, -1, err
		}
		tr, te, err := d.Split(0.5, e.Seed)
		if err != nil {
			return nil, nil, -1, err
		}
		train, test = tr.Head(e.Labels), te.Head(e.TestLimit)
		if e.Model == "" {
			zs := classify.New(b, func(scope *model.Scope, x *Node) *Node {
				return net.Forward(scope.In("onnx"), TransposeAllAxes(MulScalar(x, 255), 0, 3, 1, 2), "")
			}, 10)
			ev, err := zs.Evaluate(test)
			if err != nil {
				return nil, nil, -1, err
			}
			zeroShot = ev.Accuracy
		}
	case CIFAR10Sample:
		im, err := data.CIFAR10Sample()
		if err != nil {
			return nil, nil, -1, err
		}
		d, err := vision.FromImages(im, CIFAR10Sample)
		if err != nil {
			return nil, nil, -1, err
		}
		if e.Labels >= d.Len() {
			return nil, nil, -1, fmt.Errorf("transfer: %d labels leave no test images of the %d in %s", e.Labels, d.Len(), CIFAR10Sample)
		}
		rest := make([]int, 0, d.Len()-e.Labels)
		for i := e.Labels; i < d.Len() && (e.TestLimit == 0 || len(rest) < e.TestLimit); i++ {
			rest = append(rest, i)
		}
		train, test = d.Head(e.Labels), d.Subset(rest)
	case vision.FashionMNIST, vision.CIFAR10:
		if train, test, err = vision.LoadImages(e.Target, e.Labels, e.TestLimit); err != nil {
			return nil, nil, -1, err
		}
	default:
		return nil, nil, -1, fmt.Errorf("transfer: target %q, want one of %q", e.Target, Targets)
	}
	if train.Len() < e.Labels {
		return nil, nil, -1, fmt.Errorf("transfer: only %d training images for a budget of %d labels", train.Len(), e.Labels)
	}
	return train, test, zeroShot, nil
}
