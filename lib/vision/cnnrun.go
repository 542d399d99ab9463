package vision

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/progress"
)

// CNNExperiment configures one ConvNet training run on an image data set;
// the zero value is not useful: start from [DefaultCNN].
type CNNExperiment struct {
	Dataset    string        `json:"dataset"`     // CIFAR10 or FashionMNIST
	TrainLimit int           `json:"train_limit"` // use only the first TrainLimit training images (0: all)
	TestLimit  int           `json:"test_limit"`  // use only the first TestLimit test images (0: all)
	Net        ConvNetConfig `json:"net"`
	Epochs     int           `json:"epochs"`
	BatchSize  int           `json:"batch_size"`
	// LearningRate is Adam's step (the lesson: 1e-3).
	LearningRate float64 `json:"learning_rate"`
	// Regularised is the lesson's second run: flips and crops, a second
	// dropout, L2 1e-4, StepLR(10, 0.1), early stopping after 5 epochs
	// without a lower test loss.
	Regularised bool   `json:"regularised"`
	Seed        uint64 `json:"seed"`
	// CheckpointDir, when set, is where Run saves the trained model
	// (classify.Load restores it with Net.Model() and Net.Classes; with
	// Regularised, Net.Regularised()). A folder that already holds a model
	// is refused before any work unless Overwrite is set.
	CheckpointDir string `json:"checkpoint_dir"`
	// Overwrite lets Run replace a model already saved in CheckpointDir
	// (physnb's --overwrite).
	Overwrite bool              `json:"-"`
	OnStep    progress.OnStepFn `json:"-"` // every training step; see classify.Config.OnStep
}

// DefaultCNN are the lesson's settings on the given data set (CIFAR10 or
// FashionMNIST; [DefaultDataset] picks one): its ConvNet, Adam 1e-3, batch
// 32, 32 epochs, all images.
func DefaultCNN(dataset string) CNNExperiment {
	return CNNExperiment{Dataset: dataset, Net: LessonConvNet(10), Epochs: 32, BatchSize: 32, LearningRate: 1e-3, Seed: 42}
}

// DefaultDataset is CIFAR10 when its archive is in the data folders (the
// lesson's data set), else FashionMNIST (installed from Debian).
func DefaultDataset() string {
	if CIFAR10Available() {
		return CIFAR10
	}
	return FashionMNIST
}

// Validate reports the first bad parameter, with its valid range.
func (e CNNExperiment) Validate() error {
	switch {
	case e.Dataset != CIFAR10 && e.Dataset != FashionMNIST:
		return fmt.Errorf("vision: --dataset %q: want %q or %q", e.Dataset, CIFAR10, FashionMNIST)
	case e.Epochs < 1 || e.Epochs > 10000:
		return fmt.Errorf("vision: --epochs %d: want 1 to 10000", e.Epochs)
	case e.BatchSize < 1 || e.BatchSize > 65536:
		return fmt.Errorf("vision: --batch %d: want 1 to 65536", e.BatchSize)
	case e.TrainLimit < 0:
		return fmt.Errorf("vision: --train-limit %d: want 0 (all) or more", e.TrainLimit)
	case e.TestLimit < 0:
		return fmt.Errorf("vision: --test-limit %d: want 0 (all) or more", e.TestLimit)
	case !(e.LearningRate > 0) || math.IsInf(e.LearningRate, 0):
		return fmt.Errorf("vision: --lr %g: want a finite value > 0", e.LearningRate)
	}
	return e.Net.Validate()
}

// TrainingConfig returns the classify configuration of a run: the lesson's
// plain settings, or with Regularised its second run.
func (e CNNExperiment) TrainingConfig(imageHeight int) classify.Config {
	cfg := classify.Config{Epochs: e.Epochs, BatchSize: e.BatchSize, LearningRate: e.LearningRate, Seed: e.Seed,
		OnStep: e.OnStep}
	if e.Regularised {
		pad := max(1, imageHeight/8) // RandomCrop(32, padding=4) on CIFAR, 3 pixels on 28x28 images
		cfg.Augment = FlipCrop(pad, true)
		cfg.WeightDecay = 1e-4
		cfg.LRStep, cfg.LRGamma = 10, 0.1
		cfg.Patience = 5
	}
	return cfg
}

// CNNResult is a trained ConvNet with its data and history, in memory.
type CNNResult struct {
	Train, Test *classify.Data
	Model       *classify.Classifier
	History     *classify.History
	Net         ConvNetConfig
}

// CNNReport is what a run measured: everything `physnb vision cnn` prints.
type CNNReport struct {
	Dataset     string        `json:"dataset"`
	TrainImages int           `json:"train_images"`
	TestImages  int           `json:"test_images"`
	Regularised bool          `json:"regularised"`
	Net         ConvNetConfig `json:"net"` // the network trained (with Regularised, its second dropout)
	// The final epoch's numbers (train: averaged while training).
	TestAccuracy  float64 `json:"test_accuracy"`
	TrainAccuracy float64 `json:"train_accuracy"`
	TestLoss      float64 `json:"test_loss"`
	TrainLoss     float64 `json:"train_loss"`
	// ImagesPerSecond is the training speed over all epochs (evaluation excluded).
	ImagesPerSecond    float64               `json:"images_per_second"`
	EpochsRun          int                   `json:"epochs_run"`
	EarlyStop          bool                  `json:"early_stop"`
	BestEpoch          int                   `json:"best_epoch"` // lowest test loss (0: early stopping off)
	Seconds            float64               `json:"seconds"`
	Backend            string                `json:"backend"`
	BackendDescription string                `json:"backend_description"`
	Epochs             []classify.EpochStats `json:"history"`
	CheckpointDir      string                `json:"checkpoint_dir,omitempty"`
}

// History is the report's epochs as a classify.History (for
// classify.PlotHistory).
func (r *CNNReport) History() *classify.History {
	return &classify.History{Epochs: r.Epochs, EarlyStop: r.EarlyStop, BestEpoch: r.BestEpoch, TrainImages: r.TrainImages, Seconds: r.Seconds}
}

// Run loads the images, standardises them per channel (the lesson's
// Normalize), trains the ConvNet on b (backend.Parallel suits it: a step is
// a few large operations), and with a CheckpointDir saves it (refusing, before
// any work, a folder that holds a model unless Overwrite is set). It stops with
// ctx's error when ctx is cancelled.
func (e CNNExperiment) Run(ctx context.Context, b compute.Backend) (*CNNReport, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if e.CheckpointDir != "" && !e.Overwrite && classify.HasCheckpoint(e.CheckpointDir) {
		return nil, fmt.Errorf("vision: %s already holds a saved model: save into a fresh folder, or replace it with --overwrite (CNNExperiment.Overwrite)", e.CheckpointDir)
	}
	tr, te, err := LoadImages(e.Dataset, e.TrainLimit, e.TestLimit)
	if err != nil {
		return nil, err
	}
	r, err := e.Train(ctx, b, tr, te)
	if err != nil {
		return nil, err
	}
	if e.CheckpointDir != "" {
		if err := r.Model.Save(e.CheckpointDir); err != nil {
			return nil, err
		}
	}
	h, last := r.History, r.History.Last()
	train := 0.0
	for _, ep := range h.Epochs {
		train += ep.Seconds
	}
	return &CNNReport{Dataset: e.Dataset, TrainImages: tr.Len(), TestImages: te.Len(), Regularised: e.Regularised, Net: r.Net,
		TestAccuracy: last.TestAcc, TrainAccuracy: last.TrainAcc, TestLoss: last.TestLoss, TrainLoss: last.TrainLoss,
		ImagesPerSecond: float64(h.TrainImages*len(h.Epochs)) / train, EpochsRun: len(h.Epochs), EarlyStop: h.EarlyStop,
		BestEpoch: h.BestEpoch, Seconds: h.Seconds, Backend: b.String(), BackendDescription: backend.Describe(b),
		Epochs: h.Epochs, CheckpointDir: e.CheckpointDir}, nil
}

// Train trains the ConvNet of e on given data (e's Dataset and limits are
// not used).
func (e CNNExperiment) Train(ctx context.Context, b compute.Backend, tr, te *classify.Data) (*CNNResult, error) {
	net := e.Net
	if e.Regularised && net.Dropout2 == 0 {
		net = net.Regularised()
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	if net.Classes != len(tr.Classes) {
		return nil, fmt.Errorf("vision: the network has %d classes, the data %d", net.Classes, len(tr.Classes))
	}
	c := classify.New(b, net.Model(), net.Classes).Seed(int64(e.Seed)).Standardize(tr)
	cfg := e.TrainingConfig(tr.Shape[0])
	cfg.OnStep = progress.Chain(func(progress.Step) error { return ctx.Err() }, e.OnStep)
	h, err := c.Fit(tr, te, cfg)
	if err != nil {
		return nil, err
	}
	return &CNNResult{Train: tr, Test: te, Model: c, History: h, Net: net}, nil
}

// String is the readable summary `physnb vision cnn` prints.
func (r *CNNReport) String() string {
	var s strings.Builder
	reg := ""
	if r.Regularised {
		reg = ", regularised"
	}
	fmt.Fprintf(&s, "ConvNet on %s (%d train, %d test images, %s), %d epochs%s\n", r.Dataset, r.TrainImages, r.TestImages, r.BackendDescription, r.EpochsRun, reg)
	fmt.Fprintf(&s, "test accuracy %.4f, train accuracy %.4f, %.1f training images/s, %.0f s\n", r.TestAccuracy, r.TrainAccuracy, r.ImagesPerSecond, r.Seconds)
	return s.String()
}
