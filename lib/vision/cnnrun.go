package vision

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/progress"
)

// CNNOptions configure a ConvNet training run on an image data set.
type CNNOptions struct {
	Dataset               string // CIFAR10 or FashionMNIST
	TrainLimit, TestLimit int    // 0: all images
	Net                   ConvNetConfig
	Epochs, BatchSize     int
	LearningRate          float64
	Regularised           bool // the lesson's second run: augmentation, 2nd dropout, L2 1e-4, StepLR(10, 0.1), early stopping (5)
	Seed                  uint64
	OnStep                progress.OnStepFn // see [classify.Config].OnStep
}

// DefaultCNN are the lesson's settings on the given data set: its ConvNet,
// Adam 1e-3, batch 32, 32 epochs.
func DefaultCNN(dataset string) CNNOptions {
	return CNNOptions{Dataset: dataset, Net: LessonConvNet(10), Epochs: 32, BatchSize: 32, LearningRate: 1e-3, Seed: 42}
}

// TrainingConfig returns the classify configuration of a run: the lesson's
// plain settings, or with Regularised its second run.
func (o CNNOptions) TrainingConfig(imageHeight int) classify.Config {
	cfg := classify.Config{Epochs: o.Epochs, BatchSize: o.BatchSize, LearningRate: o.LearningRate, Seed: o.Seed,
		OnStep: o.OnStep}
	if o.Regularised {
		pad := max(1, imageHeight/8) // RandomCrop(32, padding=4) on CIFAR, 3 pixels on 28x28 images
		cfg.Augment = FlipCrop(pad, true)
		cfg.WeightDecay = 1e-4
		cfg.LRStep, cfg.LRGamma = 10, 0.1
		cfg.Patience = 5
	}
	return cfg
}

// CNNResult is a trained ConvNet with its data and history.
type CNNResult struct {
	Train, Test *classify.Data
	Model       *classify.Classifier
	History     *classify.History
	Net         ConvNetConfig
}

// RunCNN loads the data, standardises it per channel (the lesson's
// Normalize), and trains the ConvNet.
func RunCNN(b compute.Backend, o CNNOptions) (*CNNResult, error) {
	tr, te, err := LoadImages(o.Dataset, o.TrainLimit, o.TestLimit)
	if err != nil {
		return nil, err
	}
	return TrainCNN(b, tr, te, o)
}

// TrainCNN trains the ConvNet of o on given data.
func TrainCNN(b compute.Backend, tr, te *classify.Data, o CNNOptions) (*CNNResult, error) {
	net := o.Net
	if o.Regularised && net.Dropout2 == 0 {
		net = net.Regularised()
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	if net.Classes != len(tr.Classes) {
		return nil, fmt.Errorf("vision: the network has %d classes, the data %d", net.Classes, len(tr.Classes))
	}
	c := classify.New(b, net.Model(), net.Classes).Seed(int64(o.Seed)).Standardize(tr)
	h, err := c.Fit(tr, te, o.TrainingConfig(tr.Shape[0]))
	if err != nil {
		return nil, err
	}
	return &CNNResult{Train: tr, Test: te, Model: c, History: h, Net: net}, nil
}
