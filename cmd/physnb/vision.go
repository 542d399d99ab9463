package main

// Commands of the classification half of the deep-learning-fundamentals
// lesson: the wine classifier with its metrics, the ConvNet on images, and
// transfer learning from a pretrained ONNX network (mnist-8 offline, the
// lesson's ResNet-18 for users who supply the file).

import (
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/progress"
	"github.com/physnb/physnb/lib/vision"
)

func init() {
	register(command{name: "wine", summary: "the lesson's red/white wine classifier: accuracy, report, ROC AUC, checkpoint round trip", run: runWine})
	register(command{name: "vision", summary: "ConvNet on CIFAR-10/Fashion-MNIST (cnn) and transfer learning from ONNX mnist-8 or ResNet-18 (transfer)", run: runVision})
	for _, bs := range []int{32, 256} {
		bs := bs
		bench.Register(bench.Workload{
			Name:        fmt.Sprintf("convnet-train-b%d", bs),
			Description: fmt.Sprintf("training steps of the lesson's ConvNet (conv 64, 128, dense 512) on 32x32x3 images, batch %d, im2col convolutions", bs),
			Unit:        "images/s",
			ParallelOps: true,
			Run: func(b compute.Backend, quick bool) (bench.Result, error) {
				steps := 6
				if quick {
					steps = 1
				}
				if bs == 256 {
					steps = max(1, steps/3)
				}
				tp, err := vision.MeasureTraining(b, vision.LessonConvNet(10), 32, 32, 3, bs, steps, false)
				if err != nil {
					return bench.Result{}, err
				}
				return bench.Result{Throughput: tp.ImagesPerSecond, Iterations: tp.Steps, Seconds: tp.Seconds,
					Extra: map[string]float64{"gflop_per_second": tp.GFLOPs, "batch": float64(bs), "cpu_seconds": tp.CPUSeconds,
						"images_per_cpu_second": float64(bs*tp.Steps) / tp.CPUSeconds}}, nil
			},
		})
	}
}

type wineJSON struct {
	Accuracy        float64            `json:"accuracy"`
	AUC             float64            `json:"auc"`
	Precision       float64            `json:"precision"`
	Recall          float64            `json:"recall"`
	F1              float64            `json:"f1"`
	PerClass        []map[string]any   `json:"per_class"`
	Confusion       [][]int            `json:"confusion_matrix"`
	FinalTrainLoss  float64            `json:"final_train_loss"`
	Epochs          int                `json:"epochs"`
	Seed            uint64             `json:"seed"`
	RestoredMaxDiff *float64           `json:"restored_max_abs_diff,omitempty"`
	Seconds         float64            `json:"seconds"`
	Backend         string             `json:"backend"`
	LossEvery10     map[string]float64 `json:"train_loss_every_10_epochs"`
}

func runWine(args []string) error {
	fs := flag.NewFlagSet("wine", flag.ContinueOnError)
	o := classify.DefaultWine()
	seed := fs.Uint64("seed", o.Seed, "seed of the split, initialisation and shuffling")
	epochs := fs.Int("epochs", o.Epochs, "training epochs")
	save := fs.String("save", "", "save the trained model in this folder and check the restored model agrees (default: a temporary folder)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Seed, o.Epochs = *seed, *epochs
	b, err := backend.Default()
	if err != nil {
		return err
	}
	path, err := data.Path(data.WineQuality)
	if err != nil {
		return err
	}
	o.CheckpointDir = *save
	if o.CheckpointDir == "" {
		if o.CheckpointDir, err = classify.TempCheckpointDir(); err != nil {
			return err
		}
		defer os.RemoveAll(o.CheckpointDir)
	}
	bar := progress.New("wine classifier", 0).NoPlot()
	lossEvery := map[string]float64{}
	o.OnStep = func(s progress.Step) error {
		if e, ok := classify.Epoch(s); ok && e.Epoch%10 == 0 {
			lossEvery[fmt.Sprint(e.Epoch)] = e.TrainLoss
		}
		return bar.Step(s.Loss)
	}
	r, err := classify.RunWine(b, path, o)
	bar.Done()
	if err != nil {
		return err
	}
	out := wineJSON{Accuracy: r.Report.Accuracy, AUC: r.AUC, Precision: r.Report.Macro.Precision, Recall: r.Report.Macro.Recall,
		F1: r.Report.Macro.F1, Confusion: r.Confusion.Counts, FinalTrainLoss: r.History.Last().TrainLoss, Epochs: len(r.History.Epochs),
		Seed: o.Seed, Seconds: r.History.Seconds, Backend: b.String(), LossEvery10: lossEvery}
	for _, c := range r.Report.Classes {
		out.PerClass = append(out.PerClass, map[string]any{"class": c.Name, "precision": c.Precision, "recall": c.Recall, "f1": c.F1, "support": c.Support})
	}
	if !math.IsNaN(r.RestoredMaxDiff) {
		out.RestoredMaxDiff = &r.RestoredMaxDiff
	}
	if *asJSON {
		return printJSON(out)
	}
	fmt.Printf("wine classifier, %d epochs on %d wines, tested on %d (%s, %.1f s)\n", out.Epochs, r.Train.Len(), r.Test.Len(), backend.Describe(b), out.Seconds)
	fmt.Printf("accuracy %.4f   ROC AUC %.4f   (macro precision %.4f recall %.4f F1 %.4f)\n", out.Accuracy, out.AUC, out.Precision, out.Recall, out.F1)
	fmt.Printf("confusion matrix (rows true %v, columns predicted):\n%s", r.Test.Classes, r.Confusion)
	fmt.Print(r.Report)
	fmt.Printf("checkpoint in %s restored: max |p - p_restored| = %.3g\n", o.CheckpointDir, r.RestoredMaxDiff)
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

type epochJSON struct {
	Epoch           int     `json:"epoch"`
	TrainLoss       float64 `json:"train_loss"`
	TrainAccuracy   float64 `json:"train_accuracy"`
	TestLoss        float64 `json:"test_loss"`
	TestAccuracy    float64 `json:"test_accuracy"`
	LearningRate    float64 `json:"learning_rate"`
	ImagesPerSecond float64 `json:"images_per_second"`
}

func epochsJSON(h *classify.History) []epochJSON {
	var out []epochJSON
	for _, e := range h.Epochs {
		out = append(out, epochJSON{e.Epoch, e.TrainLoss, e.TrainAcc, e.TestLoss, e.TestAcc, e.LearningRate, e.ImagesPerSecond})
	}
	return out
}

func visionCNN(args []string) error {
	fs := flag.NewFlagSet("vision cnn", flag.ContinueOnError)
	dataset := fs.String("dataset", "", "cifar10 or fashion (default: cifar10 when its archive is present, else fashion)")
	o := vision.DefaultCNN("")
	epochs := fs.Int("epochs", o.Epochs, "training epochs")
	batch := fs.Int("batch", o.BatchSize, "batch size")
	trainLimit := fs.Int("train-limit", 0, "use only the first N training images (0: all)")
	testLimit := fs.Int("test-limit", 0, "use only the first N test images (0: all)")
	reg := fs.Bool("regularised", false, "the lesson's second run: flips and crops, 2nd dropout, L2 1e-4, StepLR(10, 0.1), early stopping")
	seed := fs.Uint64("seed", o.Seed, "seed")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dataset == "" {
		*dataset = vision.FashionMNIST
		if vision.CIFAR10Available() {
			*dataset = vision.CIFAR10
		}
	}
	o.Dataset, o.Epochs, o.BatchSize, o.TrainLimit, o.TestLimit, o.Regularised, o.Seed = *dataset, *epochs, *batch, *trainLimit, *testLimit, *reg, *seed
	b, err := backend.Parallel() // a ConvNet's step is a few large operations: run them side by side
	if err != nil {
		return err
	}
	tr, te, err := vision.LoadImages(o.Dataset, o.TrainLimit, o.TestLimit)
	if err != nil {
		return err
	}
	steps := o.Epochs * ((tr.Len() + o.BatchSize - 1) / o.BatchSize)
	bar := progress.New("ConvNet on "+o.Dataset, steps).NoPlot()
	o.OnStep = func(s progress.Step) error {
		err := bar.Step(s.Loss)
		if e, ok := classify.Epoch(s); ok {
			fmt.Fprintf(os.Stderr, "\nepoch %d: train loss %.4f acc %.4f | test loss %.4f acc %.4f | %.0f images/s\n",
				e.Epoch, e.TrainLoss, e.TrainAcc, e.TestLoss, e.TestAcc, e.ImagesPerSecond)
		}
		return err
	}
	r, err := vision.TrainCNN(b, tr, te, o)
	bar.Done()
	if err != nil {
		return err
	}
	last := r.History.Last()
	ips := float64(r.History.TrainImages*len(r.History.Epochs)) / sumSeconds(r.History)
	out := map[string]any{
		"dataset": o.Dataset, "train_images": tr.Len(), "test_images": te.Len(), "regularised": o.Regularised,
		"test_accuracy": last.TestAcc, "train_accuracy": last.TrainAcc, "test_loss": last.TestLoss, "train_loss": last.TrainLoss,
		"images_per_second": ips, "epochs_run": len(r.History.Epochs), "early_stop": r.History.EarlyStop,
		"seconds": r.History.Seconds, "backend": b.String(), "backend_description": backend.Describe(b), "history": epochsJSON(r.History),
	}
	if *asJSON {
		return printJSON(out)
	}
	fmt.Printf("ConvNet on %s (%d train, %d test images, %s), %d epochs%s\n", o.Dataset, tr.Len(), te.Len(), backend.Describe(b), len(r.History.Epochs), map[bool]string{true: ", regularised", false: ""}[o.Regularised])
	fmt.Printf("test accuracy %.4f, train accuracy %.4f, %.1f training images/s, %.0f s\n", last.TestAcc, last.TrainAcc, ips, r.History.Seconds)
	return nil
}

func sumSeconds(h *classify.History) float64 {
	s := 0.0
	for _, e := range h.Epochs {
		s += e.Seconds
	}
	return s
}
