package main

// Commands of the classification half of the deep-learning-fundamentals
// lesson: the wine classifier with its metrics, the ConvNet on images, and
// transfer learning from a pretrained ONNX network (mnist-8 offline, the
// lesson's ResNet-18 for users who supply the file).

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/preflight"
	"github.com/physnb/physnb/lib/progress"
	"github.com/physnb/physnb/lib/vision"
	"github.com/physnb/physnb/lib/wine"
)

func init() {
	register(command{name: "wine", summary: "the lesson's red/white wine classifier: accuracy, report, ROC AUC, checkpoint round trip", run: runWine})
	register(command{name: "vision", summary: "ConvNet on CIFAR-10/Fashion-MNIST (cnn) and transfer learning from ONNX mnist-8 or ResNet-18 (transfer)", run: runVision})
	for _, w := range vision.BenchWorkloads() {
		bench.Register(w)
	}
}

func runWine(args []string) error {
	fs := flag.NewFlagSet("wine", flag.ContinueOnError)
	e, d := wine.Default(), wine.Default()
	fs.Uint64Var(&e.Seed, "seed", d.Seed, "seed of the split, initialisation and shuffling")
	fs.IntVar(&e.Epochs, "epochs", d.Epochs, "training epochs")
	fs.IntVar(&e.Hidden, "hidden", d.Hidden, "hidden ReLU units")
	fs.IntVar(&e.BatchSize, "batch", d.BatchSize, "batch size")
	fs.Float64Var(&e.LearningRate, "lr", d.LearningRate, "Adam learning rate")
	fs.StringVar(&e.CheckpointDir, "save", "", "save the trained model in this folder and check the restored model agrees (default: a temporary folder, removed at exit)")
	fs.BoolVar(&e.Overwrite, "overwrite", false, "with --save, replace a model already saved in that folder")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	if err := preflight.CheckOutputDir("--save", e.CheckpointDir); err != nil {
		return err
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	e.RoundTrip = true // without --save, through a temporary folder
	e.OnStep = progress.New("wine classifier", 0).NoPlot().OnStep
	r, err := e.Run(context.Background(), b)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(r)
	}
	fmt.Print(r)
	return nil
}

func runVision(args []string) error {
	sub, rest, err := splitSub("vision", args, "cnn", "transfer")
	if err != nil {
		return err
	}
	if sub == "cnn" {
		return visionCNN(rest)
	}
	return visionTransfer(rest)
}

func visionCNN(args []string) error {
	fs := flag.NewFlagSet("vision cnn", flag.ContinueOnError)
	e, d := vision.DefaultCNN(""), vision.DefaultCNN("")
	fs.StringVar(&e.Dataset, "dataset", "", "cifar10 or fashion (default: cifar10 when its archive is present, else fashion)")
	fs.IntVar(&e.Epochs, "epochs", d.Epochs, "training epochs")
	fs.IntVar(&e.BatchSize, "batch", d.BatchSize, "batch size")
	fs.IntVar(&e.TrainLimit, "train-limit", d.TrainLimit, "use only the first N training images (0: all)")
	fs.IntVar(&e.TestLimit, "test-limit", d.TestLimit, "use only the first N test images (0: all)")
	fs.Float64Var(&e.LearningRate, "lr", d.LearningRate, "Adam learning rate")
	fs.BoolVar(&e.Regularised, "regularised", d.Regularised, "the lesson's second run: flips and crops, 2nd dropout, L2 1e-4, StepLR(10, 0.1), early stopping")
	fs.Uint64Var(&e.Seed, "seed", d.Seed, "seed")
	fs.StringVar(&e.CheckpointDir, "save", "", "save the trained model in this folder")
	fs.BoolVar(&e.Overwrite, "overwrite", false, "with --save, replace a model already saved in that folder")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if e.Dataset == "" {
		e.Dataset = vision.DefaultDataset()
	}
	if err := e.Validate(); err != nil {
		return err
	}
	if err := preflight.CheckOutputDir("--save", e.CheckpointDir); err != nil {
		return err
	}
	b, err := backend.Parallel() // a ConvNet's step is a few large operations: run them side by side
	if err != nil {
		return err
	}
	bar := progress.New("ConvNet on "+e.Dataset, 0).NoPlot()
	e.OnStep = func(s progress.Step) error {
		err := bar.OnStep(s)
		if ep, ok := classify.Epoch(s); ok {
			fmt.Fprintf(os.Stderr, "\nepoch %d: train loss %.4f acc %.4f | test loss %.4f acc %.4f | %.0f images/s\n",
				ep.Epoch, ep.TrainLoss, ep.TrainAcc, ep.TestLoss, ep.TestAcc, ep.ImagesPerSecond)
		}
		return err
	}
	r, err := e.Run(context.Background(), b)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(r)
	}
	fmt.Print(r)
	return nil
}
