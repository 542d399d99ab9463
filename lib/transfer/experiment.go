package transfer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/progress"
	"github.com/physnb/physnb/lib/vision"
)

// MNIST8Features is the value of mnist-8 used as features: the output of its
// second max-pool, 16 x 4 x 4 = 256 numbers per image.
const MNIST8Features = "Pooling160_Output_0"

// Experiment configures a transfer-learning comparison: a pretrained ONNX
// network on a new labelled budget of Target images. Offline it is mnist-8
// (pretrained on MNIST digits) on the 8x8 digits or Fashion-MNIST; for
// users, as in the lesson, ResNet-18 pretrained on ImageNet (an ONNX file
// they supply) on CIFAR-10.
type Experiment struct {
	// Target is "digits" (scikit-learn 8x8), vision.FashionMNIST,
	// vision.CIFAR10 or CIFAR10Sample (the 200 real CIFAR-10 images of the
	// data folder: the first Labels train, the rest test).
	Target string
	// Model is the ONNX or TFLite file of the pretrained network, or one of
	// the names MobileNetV1 and MobileNetV2 (ImageNet MobileNets from the
	// data layer); "" is mnist-8. Its single input is images.
	Model string
	// Features is the network value the new head reads; "" is
	// MNIST8Features for mnist-8 and, for another model, the input of its
	// final Gemm or MatMul (what the lesson's model.fc receives).
	Features string
	// InputSize resizes the images to InputSize x InputSize first (0: as
	// they are for ONNX files, the model's own size for TFLite ones, which
	// record it; the lesson resizes CIFAR-10 to 224 for ResNet-18).
	InputSize int
	Labels    int // labelled training images
	TestLimit int // test images (0: the rest of digits, or the whole test set)
	Epochs    int
	BatchSize int // 0: 32, the lesson's
	// FineTuneLearningRate is Adam's step for fine-tuning (0: 1e-3, as for
	// the other modes); see [Training].
	FineTuneLearningRate float64
	Modes                []Mode // the modes to compare (nil: all three)
	Seed                 uint64
	OnStep               progress.OnStepFn // every training step of every mode (the mode is the step's Run)
}

// Outcome is what [Experiment.Run] measured.
type Outcome struct {
	Target      string
	Model       string      // the ONNX file used
	Features    string      // the value the head reads
	InputSize   int         // the images' size at the network's input (0: as loaded)
	References  []Reference // the network against the outputs shipped next to the file (none: not checked)
	ZeroShotAcc float64     // mnist-8 on digits only: as it is, no training (-1 otherwise)
	Train, Test *classify.Data
	Results     []Result
}

// LoadMNIST8 reads the pretrained network through the data layer.
func LoadMNIST8() (*Network, string, error) {
	p, err := data.Path(data.MNIST8Model)
	if err != nil {
		return nil, "", err
	}
	n, err := LoadNetwork(p)
	return n, p, err
}

// Names of the ImageNet MobileNets the data layer provides, for
// [Experiment].Model and [LoadNetwork]: quantized TFLite files, v1 (width
// 0.25, 128x128 input, 0.47M parameters) and v2 (width 1, 224x224, 3.5M).
const (
	MobileNetV1 = "mobilenet-v1"
	MobileNetV2 = "mobilenet-v2"
)

// CIFAR10Sample is the target of the 200 CIFAR-10 images in the data folder.
const CIFAR10Sample = "cifar10-sample"

// LoadNetwork reads an ONNX or TFLite (.tflite) file, or a MobileNet by
// name, and checks that its operators are supported. A missing file gets an
// error that says where pretrained models come from.
func LoadNetwork(path string) (*Network, error) {
	if name, ok := map[string]string{MobileNetV1: data.MobileNetV1, MobileNetV2: data.MobileNetV2}[path]; ok {
		p, err := data.Path(name)
		if err != nil {
			return nil, err
		}
		path = p
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("transfer: pretrained model %s: %w\n  physnb does not ship ResNet weights: download resnet18-v1-7.onnx "+
			"from the ONNX model zoo (%s)\n  or export torchvision's resnet18 with torch.onnx.export, and pass its path; "+
			"%q and %q name ImageNet MobileNets from the data folder", path, err, ResNet18Page, MobileNetV1, MobileNetV2)
	}
	read := ReadONNX
	if strings.EqualFold(filepath.Ext(path), ".tflite") {
		read = ReadTFLite
	}
	m, err := read(path)
	if err != nil {
		return nil, err
	}
	return m.Network()
}

// ResNet18Page is where the ONNX model zoo lists its ResNet-18 files.
const ResNet18Page = "https://github.com/onnx/models/tree/main/validated/vision/classification/resnet"

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

// Run checks the network against its reference outputs when the file has
// them (mnist-8 must), then trains the three modes on the same labelled
// images and tests them on the same held-out set.
func (e Experiment) Run(b compute.Backend) (*Outcome, error) {
	if e.Labels < 10 || e.Epochs < 1 {
		return nil, fmt.Errorf("transfer: need at least 10 labels and 1 epoch, got %d and %d", e.Labels, e.Epochs)
	}
	out := &Outcome{Target: e.Target, Model: e.Model, ZeroShotAcc: -1}
	var net *Network
	var err error
	if e.Model == "" {
		net, out.Model, err = LoadMNIST8()
	} else {
		net, err = LoadNetwork(e.Model)
	}
	if err != nil {
		return nil, err
	}
	if out.References, err = net.CheckReferences(b, out.Model); err != nil && (e.Model == "" || !errors.Is(err, errNoReferences)) {
		return nil, err
	}
	h, err := e.head(net)
	if err != nil {
		return nil, err
	}
	out.Features, out.InputSize = h.Features, h.InputSize
	if err := e.load(b, net, out); err != nil {
		return nil, err
	}
	if c := net.Model.Inputs[0].Dims; len(c) == 4 && c[1] > 0 && int(c[1]) != out.Train.Shape[2] {
		return nil, fmt.Errorf("transfer: %s takes %d-channel images, %s has %d channels", out.Model, c[1], e.Target, out.Train.Shape[2])
	}
	if h.Mean, h.Std, err = net.FeatureStats(b, out.Train, h); err != nil {
		return nil, err
	}
	bs := e.BatchSize
	if bs == 0 {
		bs = 32
	}
	cfg := classify.Config{Epochs: e.Epochs, BatchSize: bs, LearningRate: 1e-3, Seed: e.Seed}
	out.Results, err = net.Compare(b, h, out.Train, out.Test, Training{Config: cfg, FineTuneLearningRate: e.FineTuneLearningRate,
		Modes: e.Modes, Seed: int64(e.Seed), OnStep: e.OnStep})
	return out, err
}

// head is the new head and the image preparation: mnist-8 reads pixels
// 0..255; a model whose file records its input standardisation (TFLite) gets
// that, at its own image size; any other 3-channel model is taken to be an
// ImageNet network and gets ImageNet's per-channel standardisation.
func (e Experiment) head(net *Network) (Head, error) {
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

// load reads the target's labelled and test images into out (and, for
// mnist-8 on digits, scores the network as it is).
func (e Experiment) load(b compute.Backend, net *Network, out *Outcome) error {
	var err error
	switch e.Target {
	case "digits":
		d, err := vision.LoadDigits()
		if err != nil {
			return err
		}
		tr, te, err := d.Split(0.5, e.Seed)
		if err != nil {
			return err
		}
		out.Train, out.Test = tr.Head(e.Labels), te.Head(e.TestLimit)
		if e.Model == "" {
			zs := classify.New(b, func(scope *model.Scope, x *Node) *Node {
				return net.Forward(scope.In("onnx"), TransposeAllAxes(MulScalar(x, 255), 0, 3, 1, 2), "")
			}, 10)
			ev, err := zs.Evaluate(out.Test)
			if err != nil {
				return err
			}
			out.ZeroShotAcc = ev.Accuracy
		}
	case CIFAR10Sample:
		im, err := data.CIFAR10Sample()
		if err != nil {
			return err
		}
		d, err := vision.FromImages(im, CIFAR10Sample)
		if err != nil {
			return err
		}
		if e.Labels >= d.Len() {
			return fmt.Errorf("transfer: %d labels leave no test images of the %d in %s", e.Labels, d.Len(), CIFAR10Sample)
		}
		rest := make([]int, 0, d.Len()-e.Labels)
		for i := e.Labels; i < d.Len() && (e.TestLimit == 0 || len(rest) < e.TestLimit); i++ {
			rest = append(rest, i)
		}
		out.Train, out.Test = d.Head(e.Labels), d.Subset(rest)
	case vision.FashionMNIST, vision.CIFAR10:
		if out.Train, out.Test, err = vision.LoadImages(e.Target, e.Labels, e.TestLimit); err != nil {
			return err
		}
	default:
		return fmt.Errorf("transfer: target %q, want \"digits\", %q, %q or %q", e.Target, vision.FashionMNIST, vision.CIFAR10, CIFAR10Sample)
	}
	if out.Train.Len() < e.Labels {
		return fmt.Errorf("transfer: only %d training images for a budget of %d labels", out.Train.Len(), e.Labels)
	}
	return nil
}
