package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/flows/mnistrg"
	"github.com/physnb/physnb/lib/progress"
)

// nrgMNIST trains the MERA flow on MNIST by maximum likelihood and reports test bits/dim.
func nrgMNIST(args []string) error {
	d := mnistrg.Default()
	e := d
	fs := flag.NewFlagSet("neuralrg mnist", flag.ContinueOnError)
	fs.IntVar(&e.Steps, "steps", d.Steps, "Adam steps (one random batch of training images each)")
	fs.IntVar(&e.Batch, "batch", d.Batch, "images per step")
	fs.Float64Var(&e.LearningRate, "lr", d.LearningRate, "Adam learning rate (cosine decay to lr/20 over --steps)")
	fs.IntVar(&e.Depth, "depth", d.Depth, "MERA levels (1..5 for 32x32)")
	fs.IntVar(&e.Hidden, "hidden", d.Hidden, "hidden units of each coupling network")
	fs.IntVar(&e.TrainImages, "train-images", d.TrainImages, "use only the first N training images (0: all 60000)")
	fs.IntVar(&e.TestImages, "test-images", d.TestImages, "test images for bits/dim (0: all 10000)")
	fs.StringVar(&e.MNISTDir, "mnist-dir", d.MNISTDir, "folder with the MNIST idx files (default: the GoMNIST Go module, else the data store)")
	fs.Uint64Var(&e.Seed, "seed", d.Seed, "random seed")
	quick := fs.Bool("quick", false, "a short run (30 steps, batch 32, 2000 training and 256 test images) for tests; flags given explicitly win")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *quick {
		withExplicit(fs, func() { e = e.Quick() })
	}
	if err := e.Validate(); err != nil {
		return err
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	e.OnStep = progress.New("MERA flow on MNIST", 0).NoPlot().OnStep
	r, err := e.Run(context.Background(), b)
	if err != nil {
		return err
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
