package mnistrg

import (
	"context"
	"fmt"
	"math"
	"os"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/flows"
	"github.com/physnb/physnb/lib/plots"
	"github.com/physnb/physnb/lib/progress"
)

// Experiment configures one run of `physnb neuralrg mnist`: train the MERA
// flow on MNIST by maximum likelihood for Steps steps and score it in bits/dim
// on test images before and after. The zero value is not useful: start from
// [Default].
type Experiment struct {
	// Steps are Adam steps, one random batch of Batch training images each;
	// the learning rate decays along a cosine from LearningRate to 1/20 of it.
	Steps        int     `json:"steps"`
	Batch        int     `json:"batch"`
	LearningRate float64 `json:"lr"`
	// Depth is the number of MERA levels (1..5 for 32x32), Hidden the hidden
	// units of each coupling network.
	Depth  int `json:"depth"`
	Hidden int `json:"hidden"`
	// TrainImages uses only the first training images (0: all 60000);
	// TestImages scores the first test images (0: all 10000).
	TrainImages int `json:"train_images"`
	TestImages  int `json:"test_images"`
	// MNISTDir is a folder with the MNIST idx files ("": the GoMNIST Go
	// module, else the data store; see [Load]).
	MNISTDir string  `json:"mnist_dir"`
	Seed     uint64  `json:"seed"`
	Alpha    float64 `json:"alpha"` // keeps the logit away from 0 and 1, in [0, 0.5)
	// Generate is the number of images drawn after training at latent
	// temperature Temperature and read out level by level into
	// [Report].Generated (0: none).
	Generate    int     `json:"generate"`
	Temperature float64 `json:"temperature"`
	// OnStep sees every training step; its Loss is the batch's training
	// bits/dim.
	OnStep progress.OnStepFn `json:"-"`
}

// Default is `physnb neuralrg mnist` without flags: the MERA of
// [DefaultConfig] (5 levels, the NeuralRG block), 600 steps of 64 images at
// 1e-3, all training images, 2000 test images; no generated images (0.8 is
// the temperature when some are asked for).
func Default() Experiment {
	c := DefaultConfig()
	return Experiment{Steps: 600, Batch: c.Batch, LearningRate: c.LearningRate, Depth: c.Depth, Hidden: c.Block.Hidden,
		TestImages: 2000, Seed: c.Seed, Alpha: c.Alpha, Temperature: 0.8}
}

// Quick is the short run of `--quick` (tests): 30 steps of 32 images, 2000
// training and 256 test images.
func (e Experiment) Quick() Experiment {
	e.Steps, e.Batch, e.TrainImages, e.TestImages = 30, 32, 2000, 256
	return e
}

// Upper limits of Validate: steps (days of training), images per batch (the
// batch's activations, about 200 kB an image, within a few GB), hidden units.
const (
	maxSteps  = 10_000_000
	maxBatch  = 16384
	maxHidden = 4096
)

// Validate reports the first bad parameter with its valid range.
func (e Experiment) Validate() error {
	if e.MNISTDir != "" {
		if st, err := os.Stat(e.MNISTDir); err != nil || !st.IsDir() {
			return fmt.Errorf("mnistrg: --mnist-dir %s: not a folder (want one holding the MNIST idx files, or leave it out)", e.MNISTDir)
		}
	}
	switch {
	case e.Steps < 0:
		return fmt.Errorf("mnistrg: --steps %d: want at least 0", e.Steps)
	case e.Steps > maxSteps:
		return fmt.Errorf("mnistrg: --steps %d: want at most %d", e.Steps, maxSteps)
	case e.Batch < 1 || e.Batch > maxBatch:
		return fmt.Errorf("mnistrg: --batch %d: want 1 to %d images", e.Batch, maxBatch)
	case !(e.LearningRate > 0) || math.IsInf(e.LearningRate, 0):
		return fmt.Errorf("mnistrg: --lr %v: want a positive, finite value", e.LearningRate)
	case e.Depth < 1 || 1<<e.Depth > Size:
		return fmt.Errorf("mnistrg: --depth %d: want 1 to 5 MERA levels (%dx%d images)", e.Depth, Size, Size)
	case e.Hidden < 1 || e.Hidden > maxHidden:
		return fmt.Errorf("mnistrg: --hidden %d: want 1 to %d", e.Hidden, maxHidden)
	case e.TrainImages < 0:
		return fmt.Errorf("mnistrg: --train-images %d: want at least 0 (0: all)", e.TrainImages)
	case e.TestImages < 0:
		return fmt.Errorf("mnistrg: --test-images %d: want at least 0 (0: all)", e.TestImages)
	case !(e.Alpha >= 0 && e.Alpha < 0.5):
		return fmt.Errorf("mnistrg: alpha %v: want a value in [0, 0.5)", e.Alpha)
	case e.Generate < 0:
		return fmt.Errorf("mnistrg: generate %d: want at least 0", e.Generate)
	case e.Generate > 0 && !(e.Temperature > 0):
		return fmt.Errorf("mnistrg: temperature %v: want a positive value", e.Temperature)
	}
	return e.config().Block.Validate()
}

// config is the model's configuration.
func (e Experiment) config() Config {
	c := DefaultConfig()
	c.Steps, c.Batch, c.LearningRate, c.Depth, c.Seed, c.Alpha = e.Steps, e.Batch, e.LearningRate, e.Depth, e.Seed, e.Alpha
	c.Block.Hidden = e.Hidden
	return c
}

// Report is what [Experiment.Run] measured: the JSON of `physnb neuralrg mnist`.
type Report struct {
	Steps        int     `json:"steps"`
	Batch        int     `json:"batch"`
	LearningRate float64 `json:"lr"`
	Depth        int     `json:"depth"`
	Hidden       int     `json:"hidden"`
	Parameters   int     `json:"parameters"`
	TrainImages  int     `json:"train_images"`
	TestImages   int     `json:"test_images"`
	// UntrainedBPD is the test bits/dim before training, TestBPD ±
	// TestBPDStdErr after it; TrainBPDLast the last step's training bits/dim.
	UntrainedBPD  float64 `json:"untrained_bits_per_dim"`
	TestBPD       float64 `json:"test_bits_per_dim"`
	TestBPDStdErr float64 `json:"test_bits_per_dim_std_err"`
	TrainBPDLast  float64 `json:"train_bits_per_dim_last"`
	Seconds       float64 `json:"seconds"`
	// ImagesPerSecond is the training throughput.
	ImagesPerSecond   float64 `json:"images_per_second"`
	Backend           string  `json:"backend"`
	PaddedSize        int     `json:"padded_size"`
	DequantisedLogitA float64 `json:"alpha"`
	// History is the training bits/dim of every step.
	History []float64 `json:"train_bits_per_dim"`
	// Generated holds Experiment.Generate images, each read out at every
	// MERA level, coarse to fine ([Model.Generate]).
	Generated   [][]Image `json:"generated,omitempty"`
	Temperature float64   `json:"temperature,omitempty"`
}

// Run loads MNIST, scores the untrained flow, trains it and scores it again.
func (e Experiment) Run(ctx context.Context, b compute.Backend) (*Report, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	cfg := e.config()
	m, err := New(b, cfg)
	if err != nil {
		return nil, err
	}
	train, test, err := Load(e.MNISTDir)
	if err != nil {
		if e.MNISTDir != "" {
			return nil, fmt.Errorf("mnistrg: --mnist-dir: %w", err)
		}
		return nil, err
	}
	if e.TrainImages > 0 {
		if train, err = train.Slice(0, min(e.TrainImages, train.N)); err != nil {
			return nil, err
		}
	}
	r := &Report{Steps: e.Steps, Batch: e.Batch, LearningRate: e.LearningRate, Depth: e.Depth, Hidden: e.Hidden,
		Parameters: m.Flow.NumParameters(), TrainImages: train.N, Backend: backend.Describe(b),
		PaddedSize: Size, DequantisedLogitA: cfg.Alpha}
	if r.UntrainedBPD, _, err = m.BitsPerDim(test, e.TestImages); err != nil {
		return nil, err
	}
	err = m.Train(train, e.Steps, func(s progress.Step) error {
		if err := e.OnStep.Call(s); err != nil {
			return err
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	if r.TestBPD, r.TestBPDStdErr, err = m.BitsPerDim(test, e.TestImages); err != nil {
		return nil, err
	}
	r.TestImages = test.N
	if e.TestImages > 0 {
		r.TestImages = min(test.N, e.TestImages)
	}
	r.Seconds, r.History = m.TrainSeconds, m.History
	if len(m.History) > 0 {
		r.TrainBPDLast = m.History[len(m.History)-1]
		r.ImagesPerSecond = float64(e.Steps*e.Batch) / m.TrainSeconds
	}
	if e.Generate > 0 {
		if r.Generated, err = m.Generate(e.Generate, e.Temperature); err != nil {
			return nil, err
		}
		r.Temperature = e.Temperature
	}
	return r, nil
}

// Grid draws images of [Model.Generate] as a grid, one row per sample and one
// column per MERA level (intensities 0 black to 1 white).
func Grid(title string, samples [][]Image) (*plots.ImageGridFigure, error) {
	cols := 0
	if len(samples) > 0 {
		cols = len(samples[0])
	}
	return flows.ReadoutGrid(title, len(samples), cols, func(r, c int) (string, int, []float64) {
		im := samples[r][c]
		return im.Name, im.Size, im.Pixels
	}, 0, 1)
}
