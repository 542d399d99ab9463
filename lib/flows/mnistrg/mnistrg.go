// Package mnistrg is the MERA-like NeuralRG flow used as a generative model
// of images, the extension sketched in Li & Wang, PRL 121, 260601 (2018),
// arXiv:1802.02840: the same hierarchical bijector that learns the Ising
// model from its energy ([flows.Variational]) here learns MNIST digits from
// data by maximum likelihood ([flows.MaxLikelihood]).
//
// The 28x28 digits are padded with black to 32x32 (the MERA needs a power of
// two), dequantised and logit-transformed as in RealNVP (Dinh et al.,
// arXiv:1605.08803): a pixel v ∈ {0..255} becomes u = (v + U(0,1))/256,
// p = α + (1-2α)u and y = ln p - ln(1-p), and the flow models y. The
// likelihood of the discrete image is bounded by the flow's density of u, so
//
//	bits/dim = [-ln q(y) - Σ ln|dy/du| + D ln 256] / (D ln 2),   D = 32²,
//
// an upper bound of the code length of the padded image (the padding costs
// next to nothing once learned, so the number is not the 28x28 figure of the
// literature).
//
// The command `physnb neuralrg mnist` and the notebook run an [Experiment]:
//
//	e := mnistrg.Default()
//	e.Steps, e.Generate = 400, 4
//	e.OnStep = progress.New("MERA flow on MNIST", 0).OnStep // Loss is the training bits/dim
//	rep, err := e.Run(ctx, backend)
//	fmt.Println(rep.UntrainedBPD, rep.TestBPD, rep.TestBPDStdErr)
//
// or, piece by piece:
//
//	train, test, _ := mnistrg.Load("") // the GoMNIST module, else the data store
//	m, _ := mnistrg.New(backend, mnistrg.DefaultConfig())
//	_ = m.Train(train, 500, nil)
//	bpd, se, _ := m.BitsPerDim(test, 2000)
package mnistrg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/flows"
	"github.com/physnb/physnb/lib/progress"
)

// Size is the side of the padded images.
const Size = 32

// Config defines a run.
type Config struct {
	// Depth is the number of MERA levels (1..5).
	Depth int
	// Block is the RealNVP block on each 2x2 plaquette.
	Block flows.RealNVP
	// Batch, LearningRate and Seed of the training; the rate decays along a
	// cosine to 1/20 over Steps.
	Batch        int
	LearningRate float64
	Steps        int
	Seed         uint64
	// Alpha keeps the logit away from 0 and 1.
	Alpha float64
}

// DefaultConfig is a MERA of 5 levels (32 -> 1) with the NeuralRG block.
func DefaultConfig() Config {
	return Config{Depth: 5, Block: flows.DefaultRealNVP(), Batch: 64, LearningRate: 1e-3, Steps: 1000, Seed: 1, Alpha: 0.05}
}

// Model is the flow with its trainer.
type Model struct {
	Config Config
	Flow   *flows.Bijector
	ML     *flows.MaxLikelihood
	// History holds the training bits/dim of every step.
	History      []float64
	TrainSeconds float64
	rng          *rand.Rand
}

// New builds a fresh model.
func New(b compute.Backend, cfg Config) (*Model, error) {
	switch {
	case cfg.Batch < 1:
		return nil, fmt.Errorf("mnistrg: batch=%d must be >= 1", cfg.Batch)
	case !(cfg.Alpha >= 0 && cfg.Alpha < 0.5):
		return nil, fmt.Errorf("mnistrg: alpha=%v must be in [0, 0.5)", cfg.Alpha)
	case cfg.Steps < 0:
		return nil, fmt.Errorf("mnistrg: steps=%d must be >= 0", cfg.Steps)
	}
	lay, err := flows.MERA(Size, cfg.Depth, 1)
	if err != nil {
		return nil, err
	}
	bj, err := flows.NewBijector(model.NewStore(), lay, cfg.Block, dtypes.Float32, cfg.Seed)
	if err != nil {
		return nil, err
	}
	ml, err := flows.NewMaxLikelihood(b, bj, cfg.LearningRate)
	if err != nil {
		return nil, err
	}
	return &Model{Config: cfg, Flow: bj, ML: ml, rng: rand.New(rand.NewPCG(cfg.Seed, 0x6d6e697374))}, nil
}

// MustNew is [New] for notebook cells.
func MustNew(b compute.Backend, cfg Config) *Model {
	m, err := New(b, cfg)
	if err != nil {
		panic(err)
	}
	return m
}

// checkImages accepts one-channel 28x28 (or smaller) images.
func checkImages(img *data.Images) error {
	if img == nil || img.N == 0 || img.Channels != 1 || img.Height > Size || img.Width > Size {
		return fmt.Errorf("mnistrg: need one-channel images of at most %dx%d", Size, Size)
	}
	return nil
}

// transform dequantises and logit-transforms the images idx (padded, centred,
// to Size x Size) and returns y (rows of Size² values) and Σ ln|dy/du| per row.
func (m *Model) transform(img *data.Images, idx []int, rng *rand.Rand) (y, logJac []float64) {
	D := Size * Size
	a := m.Config.Alpha
	oy, ox := (Size-img.Height)/2, (Size-img.Width)/2
	y, logJac = make([]float64, len(idx)*D), make([]float64, len(idx))
	for r, k := range idx {
		px := img.Pixels[k*img.Height*img.Width : (k+1)*img.Height*img.Width]
		for i := 0; i < Size; i++ {
			for j := 0; j < Size; j++ {
				v := 0.0
				if i >= oy && i < oy+img.Height && j >= ox && j < ox+img.Width {
					v = float64(px[(i-oy)*img.Width+j-ox])
				}
				u := (v + rng.Float64()) / 256
				p := a + (1-2*a)*u
				y[r*D+i*Size+j] = math.Log(p) - math.Log1p(-p)
				logJac[r] += math.Log(1-2*a) - math.Log(p) - math.Log1p(-p)
			}
		}
	}
	return y, logJac
}

// bitsPerDim converts ln q(y) and Σ ln|dy/du| of one image to bits per pixel.
func bitsPerDim(logQ, logJac float64) float64 {
	D := float64(Size * Size)
	return (-logQ - logJac + D*math.Log(256)) / (D * math.Ln2)
}

// LearningRate is the cosine schedule at step (0-based).
func (m *Model) LearningRate(step int) float64 {
	c := m.Config
	lo := c.LearningRate / 20
	f := math.Min(1, float64(step)/math.Max(1, float64(c.Steps)))
	return lo + 0.5*(c.LearningRate-lo)*(1+math.Cos(math.Pi*f))
}

// Train takes steps Adam steps on random batches of img, with fresh
// dequantisation noise each time. onStep, if not nil, sees each step: Step
// counts all the model's steps (len(History)), Total is Config.Steps and Loss
// is the batch's training bits/dim (the negative log-likelihood in bits per
// pixel); an error it returns stops the run and is returned.
func (m *Model) Train(img *data.Images, steps int, onStep progress.OnStepFn) error {
	if err := checkImages(img); err != nil {
		return err
	}
	start := time.Now()
	defer func() { m.TrainSeconds += time.Since(start).Seconds() }()
	idx := make([]int, m.Config.Batch)
	for s := 0; s < steps; s++ {
		if err := m.ML.SetLearningRate(m.LearningRate(len(m.History))); err != nil {
			return err
		}
		for i := range idx {
			idx[i] = m.rng.IntN(img.N)
		}
		y, logJac := m.transform(img, idx, m.rng)
		nll, err := m.ML.Step(y)
		if err != nil {
			return err
		}
		bpd := 0.0
		for i, v := range nll {
			bpd += bitsPerDim(-v, logJac[i]) / float64(len(nll))
		}
		m.History = append(m.History, bpd)
		if err := onStep.Call(progress.Step{Step: len(m.History), Total: m.Config.Steps, Loss: bpd}); err != nil {
			return err
		}
	}
	return nil
}

// BitsPerDim evaluates the first n images of img (all if n <= 0 or larger)
// with one dequantisation draw each, and returns the mean bits/dim and its
// standard error over the images.
func (m *Model) BitsPerDim(img *data.Images, n int) (mean, stdErr float64, err error) {
	if err := checkImages(img); err != nil {
		return 0, 0, err
	}
	if n <= 0 || n > img.N {
		n = img.N
	}
	rng := rand.New(rand.NewPCG(m.Config.Seed+1, 0x74657374))
	var b, b2 float64
	for lo := 0; lo < n; lo += m.Config.Batch {
		idx := make([]int, 0, m.Config.Batch)
		for k := lo; k < min(n, lo+m.Config.Batch); k++ {
			idx = append(idx, k)
		}
		y, logJac := m.transform(img, idx, rng)
		logQ, err := m.ML.LogProb(y)
		if err != nil {
			return 0, 0, err
		}
		for i, lq := range logQ {
			v := bitsPerDim(lq, logJac[i])
			b += v
			b2 += v * v
		}
	}
	mean = b / float64(n)
	return mean, math.Sqrt(math.Max(0, b2/float64(n)-mean*mean) / float64(n)), nil
}

// Image is a Size x Size image with intensities in [0, 1], row-major.
type Image struct {
	Name   string    `json:"name"`
	Size   int       `json:"size"`
	Pixels []float64 `json:"pixels"`
}

// Generate draws n images at latent temperature t (1: the model; < 1 the
// usual sharper samples) and reads each out at every MERA level, coarse to
// fine, as in [neuralrg.Model.Levels]: the sites on the 2^k sublattice after
// level k. The result is indexed [sample][level]; the last level is the image.
func (m *Model) Generate(n int, t float64) ([][]Image, error) {
	if n < 1 || !(t > 0) {
		return nil, fmt.Errorf("mnistrg: need n >= 1 and temperature > 0, got %d and %v", n, t)
	}
	D := Size * Size
	rng := rand.New(rand.NewPCG(m.Config.Seed+2, uint64(n)))
	z := make([]float64, n*D)
	for i := range z {
		z[i] = t * rng.NormFloat64()
	}
	levels, err := m.ML.GenerateLevels(z)
	if err != nil {
		return nil, err
	}
	layers := m.Flow.Layout.Layers
	res := make([][]Image, n)
	for li, layer := range layers {
		if li != len(layers)-1 && layers[li+1].Level == layer.Level {
			continue // read out once a level is complete
		}
		s := 1 << layer.Level
		for r := 0; r < n; r++ {
			res[r] = append(res[r], m.readout(levels[li][r*D:(r+1)*D], s, layer.Level))
		}
	}
	return res, nil
}

// readout maps the sites on the sublattice of spacing s back to intensities.
func (m *Model) readout(y []float64, s, level int) Image {
	a := m.Config.Alpha
	side := Size / s
	img := Image{Name: fmt.Sprintf("level %d (%dx%d)", level, side, side), Size: side}
	for i := 0; i < Size; i += s {
		for j := 0; j < Size; j += s {
			p := 1 / (1 + math.Exp(-y[i*Size+j]))
			img.Pixels = append(img.Pixels, math.Min(1, math.Max(0, (p-a)/(1-2*a))))
		}
	}
	return img
}
