package main

// Commands of the classification half of the deep-learning-fundamentals
// lesson: the wine classifier with its metrics, the ConvNet on images, and
// transfer learning from a pretrained ONNX network (mnist-8 offline, the
// lesson's ResNet-18 for users who supply the file).

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/progress"
	"github.com/physnb/physnb/lib/transfer"
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
	fs.StringVar(&e.CheckpointDir, "save", "", "save the trained model in this folder and check the restored model agrees (default: a temporary folder)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	if e.CheckpointDir == "" {
		if e.CheckpointDir, err = os.MkdirTemp("", "physnb-wine-"); err != nil {
			return err
		}
		defer os.RemoveAll(e.CheckpointDir)
	}
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

func visionTransfer(args []string) error {
	fs := flag.NewFlagSet("vision transfer", flag.ContinueOnError)
	model := fs.String("model", "", "pretrained ONNX or TFLite network, e.g. the model zoo's resnet18-v1-7.onnx, or mobilenet-v1/mobilenet-v2 "+
		"(ImageNet MobileNets from the data folder) (default: mnist-8 from the data folder)")
	target := fs.String("target", "", "digits (scikit-learn 8x8, resized to 28x28), fashion (Fashion-MNIST), cifar10, or cifar10-sample "+
		"(the 200 CIFAR-10 images of the data folder) (default: digits, or with --model cifar10 when present, else cifar10-sample)")
	fs.StringVar(target, "dataset", "", "same as --target")
	features := fs.String("features", "", "network value the new head reads (default: mnist-8's second pooling, or the input of the model's final dense layer)")
	size := fs.Int("size", 0, "resize images to SIZE x SIZE first (0: keep; the lesson uses 224 for ResNet-18)")
	labels := fs.Int("labels", 100, "labelled training images (the budget)")
	epochs := fs.Int("epochs", 20, "training epochs per mode")
	batch := fs.Int("batch", 32, "batch size")
	testLimit := fs.Int("test-limit", 0, "test images (0: the held-out half of digits, or the whole test set)")
	fineTuneLR := fs.Float64("fine-tune-lr", 0, "Adam learning rate for fine-tuning (0: 1e-3 as for the head; 1e-4 suits the MobileNets)")
	modes := fs.String("modes", "", "comma-separated modes to compare (default: scratch,feature-extractor,fine-tune)")
	seed := fs.Uint64("seed", 1, "seed")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var modeList []transfer.Mode
	if *modes != "" {
		for _, m := range strings.Split(*modes, ",") {
			if !slices.Contains(transfer.Modes, transfer.Mode(m)) {
				return fmt.Errorf("vision transfer: --modes: unknown mode %q, want some of %v", m, transfer.Modes)
			}
			modeList = append(modeList, transfer.Mode(m))
		}
	}
	switch {
	case *target != "":
	case *model == "":
		*target = "digits"
	case vision.CIFAR10Available():
		*target = vision.CIFAR10
	default:
		*target = transfer.CIFAR10Sample
		fmt.Fprintf(os.Stderr, "CIFAR-10 is not in the data folders: using the %s images (physnb data fetch %s fetches the full set)\n",
			transfer.CIFAR10Sample, data.CIFAR10Archive)
	}
	get := backend.Default // mnist-8 on 8x8 digits: small operations, best run one after another
	if *model != "" {
		get = backend.Parallel // ImageNet-sized networks: large operations, run side by side
	}
	b, err := get()
	if err != nil {
		return err
	}
	e := transfer.Experiment{Target: *target, Model: *model, Features: *features, InputSize: *size, Labels: *labels,
		Epochs: *epochs, BatchSize: *batch, TestLimit: *testLimit, FineTuneLearningRate: *fineTuneLR, Modes: modeList, Seed: *seed,
		OnStep: func(st progress.Step) error {
			if s, ok := classify.Epoch(st); ok {
				fmt.Fprintf(os.Stderr, "%s epoch %d: train acc %.3f, test acc %.4f (%.0f images/s)\n", st.Run, s.Epoch, s.TrainAcc, s.TestAcc, s.ImagesPerSecond)
			}
			return nil
		}}
	o, err := e.Run(b)
	if err != nil {
		return err
	}
	refDiff := 0.0
	for _, r := range o.References {
		refDiff = math.Max(refDiff, r.MaxAbsDiff)
	}
	acc := map[string]float64{}
	for _, r := range o.Results {
		acc[strings.ReplaceAll(string(r.Mode), "-", "_")] = r.TestAcc
	}
	out := map[string]any{"target": o.Target, "model": o.Model, "features": o.Features, "input_size": o.InputSize, "labels": o.Train.Len(),
		"test_images": o.Test.Len(), "epochs": *epochs, "test_accuracy": acc, "backend": b.String()}
	if len(o.References) > 0 {
		out["reference_max_abs_diff"] = refDiff
	}
	if o.ZeroShotAcc >= 0 {
		out["zero_shot_accuracy"] = o.ZeroShotAcc
	}
	if *asJSON {
		return printJSON(out)
	}
	if len(o.References) > 0 {
		fmt.Printf("%s reproduces the %d reference outputs shipped with it within %.3g\n", o.Model, len(o.References), refDiff)
	} else {
		fmt.Printf("%s: no test_data_set_* folders next to it, reference outputs not checked\n", o.Model)
	}
	if o.ZeroShotAcc >= 0 {
		fmt.Printf("mnist-8 as it is on %d %s test images: accuracy %.4f\n", o.Test.Len(), o.Target, o.ZeroShotAcc)
	}
	fmt.Printf("%d labelled %s images, features %q, %d epochs, test on %d:\n", o.Train.Len(), o.Target, o.Features, *epochs, o.Test.Len())
	for _, r := range o.Results {
		fmt.Printf("  %-18s test accuracy %.4f  (test loss %.3f)\n", r.Mode, r.TestAcc, r.TestLoss)
	}
	return nil
}
