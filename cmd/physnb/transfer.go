package main

// `physnb vision transfer` (also `physnb lesson transfer`): transfer learning
// from a pretrained network, transfer.Experiment from flags.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/progress"
	"github.com/physnb/physnb/lib/transfer"
)

func visionTransfer(args []string) error {
	fs := flag.NewFlagSet("vision transfer", flag.ContinueOnError)
	e := transfer.DefaultExperiment()
	fs.StringVar(&e.Model, "model", e.Model, "pretrained ONNX or TFLite network, e.g. the model zoo's resnet18-v1-7.onnx, or mobilenet-v1/mobilenet-v2 "+
		"(ImageNet MobileNets from the data folder) (default: mnist-8 from the data folder)")
	fs.StringVar(&e.Target, "target", e.Target, "digits (scikit-learn 8x8, resized to 28x28), fashion (Fashion-MNIST), cifar10, or cifar10-sample "+
		"(the 200 CIFAR-10 images of the data folder) (default: digits, or with --model cifar10 when present, else cifar10-sample)")
	fs.StringVar(&e.Target, "dataset", e.Target, "same as --target")
	fs.StringVar(&e.Features, "features", e.Features, "network value the new head reads (default: mnist-8's second pooling, or the input of the model's final dense layer)")
	fs.IntVar(&e.InputSize, "size", e.InputSize, "resize images to SIZE x SIZE first (0: keep; the lesson uses 224 for ResNet-18)")
	fs.IntVar(&e.Labels, "labels", e.Labels, "labelled training images (the budget)")
	fs.IntVar(&e.Epochs, "epochs", e.Epochs, "training epochs per mode")
	fs.IntVar(&e.BatchSize, "batch", e.BatchSize, "batch size")
	fs.IntVar(&e.TestLimit, "test-limit", e.TestLimit, "test images (0: the held-out half of digits, or the whole test set)")
	fs.Float64Var(&e.FineTuneLearningRate, "fine-tune-lr", e.FineTuneLearningRate, "Adam learning rate for fine-tuning (0: 1e-3 as for the head; 1e-4 suits the MobileNets)")
	fs.Func("modes", "comma-separated modes to compare (default: scratch,feature-extractor,fine-tune)", func(s string) error {
		for _, m := range strings.Split(s, ",") {
			e.Modes = append(e.Modes, transfer.Mode(m))
		}
		return nil
	})
	fs.Uint64Var(&e.Seed, "seed", e.Seed, "seed")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	get := backend.Default // mnist-8 on 8x8 digits: small operations, best run one after another
	if e.Model != "" {
		get = backend.Parallel // ImageNet-sized networks: large operations, run side by side
	}
	b, err := get()
	if err != nil {
		return err
	}
	e.OnStep = func(st progress.Step) error {
		if s, ok := classify.Epoch(st); ok {
			fmt.Fprintf(os.Stderr, "%s epoch %d: train acc %.3f, test acc %.4f (%.0f images/s)\n", st.Run, s.Epoch, s.TrainAcc, s.TestAcc, s.ImagesPerSecond)
		}
		return nil
	}
	r, err := e.Run(context.Background(), b)
	if err != nil {
		return err
	}
	if r.Note != "" {
		fmt.Fprintln(os.Stderr, r.Note)
	}
	if *asJSON {
		return printJSON(r)
	}
	fmt.Print(r.Summary())
	return nil
}
