package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/flows/mnistrg"
	"github.com/physnb/physnb/lib/progress"
)

// nrgMNISTReport is the JSON of `physnb neuralrg mnist`.
type nrgMNISTReport struct {
	Steps             int     `json:"steps"`
	Batch             int     `json:"batch"`
	LearningRate      float64 `json:"lr"`
	Depth             int     `json:"depth"`
	Hidden            int     `json:"hidden"`
	Parameters        int     `json:"parameters"`
	TrainImages       int     `json:"train_images"`
	TestImages        int     `json:"test_images"`
	UntrainedBPD      float64 `json:"untrained_bits_per_dim"`
	TestBPD           float64 `json:"test_bits_per_dim"`
	TestBPDStdErr     float64 `json:"test_bits_per_dim_std_err"`
	TrainBPDLast      float64 `json:"train_bits_per_dim_last"`
	Seconds           float64 `json:"seconds"`
	ImagesPerSecond   float64 `json:"images_per_second"`
	Backend           string  `json:"backend"`
	PaddedSize        int     `json:"padded_size"`
	DequantisedLogitA float64 `json:"alpha"`
}

// nrgMNIST trains the MERA flow on MNIST by maximum likelihood and reports test bits/dim.
func nrgMNIST(args []string) error {
	def := mnistrg.DefaultConfig()
	fs := flag.NewFlagSet("neuralrg mnist", flag.ContinueOnError)
	steps := fs.Int("steps", 600, "Adam steps (one random batch of training images each)")
	batch := fs.Int("batch", def.Batch, "images per step")
	lr := fs.Float64("lr", def.LearningRate, "Adam learning rate (cosine decay to lr/20 over --steps)")
	depth := fs.Int("depth", def.Depth, "MERA levels (1..5 for 32x32)")
	hidden := fs.Int("hidden", def.Block.Hidden, "hidden units of each coupling network")
	nTrain := fs.Int("train-images", 0, "use only the first N training images (0: all 60000)")
	nTest := fs.Int("test-images", 2000, "test images for bits/dim (0: all 10000)")
	dir := fs.String("mnist-dir", "", "folder with the MNIST idx files (default: the GoMNIST Go module, else the data store)")
	seed := fs.Uint64("seed", def.Seed, "random seed")
	quick := fs.Bool("quick", false, "a short run (30 steps, batch 32, 2000 training and 256 test images) for tests")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *quick {
		*steps, *batch, *nTrain, *nTest = 30, 32, 2000, 256
	}
	if *nTrain < 0 || *nTest < 0 {
		return fmt.Errorf("--train-images and --test-images must be >= 0")
	}
	cfg := def
	cfg.Steps, cfg.Batch, cfg.LearningRate, cfg.Depth, cfg.Seed = *steps, *batch, *lr, *depth, *seed
	cfg.Block.Hidden = *hidden
	b, err := backend.Default()
	if err != nil {
		return err
	}
	m, err := mnistrg.New(b, cfg)
	if err != nil {
		return err
	}
	train, test, err := mnistrg.Load(*dir)
	if err != nil {
		return err
	}
	if *nTrain > 0 {
		if train, err = train.Slice(0, min(*nTrain, train.N)); err != nil {
			return err
		}
	}
	r := nrgMNISTReport{Steps: *steps, Batch: *batch, LearningRate: *lr, Depth: *depth, Hidden: *hidden,
		Parameters: m.Flow.NumParameters(), TrainImages: train.N, Backend: backend.Describe(b),
		PaddedSize: mnistrg.Size, DequantisedLogitA: cfg.Alpha}
	if r.UntrainedBPD, _, err = m.BitsPerDim(test, *nTest); err != nil {
		return err
	}
	bar := progress.New("MERA flow on MNIST", *steps).NoPlot()
	err = m.Train(train, *steps, func(step int, bpd float64) error {
		return bar.Observe(step, map[string]float64{"bits/dim": bpd})
	})
	bar.Done()
	if err != nil {
		return err
	}
	if r.TestBPD, r.TestBPDStdErr, err = m.BitsPerDim(test, *nTest); err != nil {
		return err
	}
	r.TestImages = test.N
	if *nTest > 0 {
		r.TestImages = min(test.N, *nTest)
	}
	r.Seconds = m.TrainSeconds
	if len(m.History) > 0 {
		r.TrainBPDLast = m.History[len(m.History)-1]
		r.ImagesPerSecond = float64(*steps**batch) / m.TrainSeconds
	}
	if *asJSON {
		return printJSON(r)
	}
	fmt.Printf("MERA flow (%d levels, %d parameters) on MNIST padded to %dx%d, %d steps of %d images in %.1f s (%.0f images/s, %s)\n",
		r.Depth, r.Parameters, r.PaddedSize, r.PaddedSize, r.Steps, r.Batch, r.Seconds, r.ImagesPerSecond, r.Backend)
	fmt.Printf("  test bits/dim %.4f ± %.4f on %d images (untrained flow: %.4f)\n", r.TestBPD, r.TestBPDStdErr, r.TestImages, r.UntrainedBPD)
	fmt.Fprintln(os.Stderr, "  (bits/dim of the 32x32 padded images: not the 28x28 figure of the literature)")
	return nil
}
