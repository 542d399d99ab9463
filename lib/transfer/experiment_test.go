package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/progress"
	"github.com/physnb/physnb/lib/transfer/internal/nettest"
)

// Every bad parameter is named with its valid range before any work.
func TestValidate(t *testing.T) {
	if err := DefaultExperiment().Validate(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "resnet18-v1-7.onnx")
	for _, c := range []struct {
		name string
		edit func(*Experiment)
		want []string
	}{
		{"target", func(e *Experiment) { e.Target = "imagenet" }, []string{`"imagenet"`, "digits", "cifar10-sample"}},
		{"labels", func(e *Experiment) { e.Labels = 9 }, []string{"--labels 9", "want 10 to"}},
		{"epochs", func(e *Experiment) { e.Epochs = 0 }, []string{"--epochs 0", "want 1 to"}},
		{"batch", func(e *Experiment) { e.BatchSize = -1 }, []string{"--batch -1", "want 1 to"}},
		{"batch 0", func(e *Experiment) { e.BatchSize = 0 }, []string{"--batch 0", "want 1 to"}},
		{"test limit", func(e *Experiment) { e.TestLimit = -5 }, []string{"--test-limit -5", "want 0 (all) to"}},
		{"input size", func(e *Experiment) { e.InputSize = -224 }, []string{"--size -224", "want 0 (keep) to 1024"}},
		{"fine-tune lr", func(e *Experiment) { e.FineTuneLearningRate = -1e-4 }, []string{"--fine-tune-lr -0.0001", ">= 0"}},
		{"fine-tune lr NaN", func(e *Experiment) { e.FineTuneLearningRate = math.NaN() }, []string{"--fine-tune-lr NaN"}},
		{"mode", func(e *Experiment) { e.Modes = []Mode{FineTune, "frozen"} }, []string{`"frozen"`, "scratch"}},
		{"mode twice", func(e *Experiment) { e.Modes = []Mode{FineTune, FineTune} }, []string{`"fine-tune" given twice`}},
		{"model", func(e *Experiment) { e.Model = missing }, []string{missing, "model zoo", MobileNetV1}},
		{"model name", func(e *Experiment) { e.Model = "mobilenet-v3" }, []string{"mobilenet-v3", "model zoo"}},
	} {
		e := DefaultExperiment()
		c.edit(&e)
		err := e.Validate()
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) || !strings.HasPrefix(err.Error(), "transfer: ") {
				t.Errorf("%s: error %q, want one starting with \"transfer: \" and containing %q", c.name, err, w)
			}
		}
		if _, runErr := e.Run(context.Background(), nil); runErr == nil || runErr.Error() != err.Error() {
			t.Errorf("%s: Run returned %v, want Validate's error before any work", c.name, runErr)
		}
	}
	for _, ok := range []func(*Experiment){
		func(e *Experiment) { e.Target, e.Model = CIFAR10Sample, MobileNetV2 },
		func(e *Experiment) { e.Modes = []Mode{Scratch} },
	} {
		e := DefaultExperiment()
		ok(&e)
		if err := e.Validate(); err != nil {
			t.Errorf("%+v: %v", e, err)
		}
	}
}

// A short mnist-8 run on the digits: the report carries what the command
// prints, its methods work after a JSON round trip, and a cancelled
// context stops the training.
func TestRunReportRoundTrip(t *testing.T) {
	nettest.MNIST8(t)
	e := DefaultExperiment()
	e.Target, e.Labels, e.Epochs, e.TestLimit, e.Modes = Digits, 20, 2, 100, []Mode{FeatureExtractor}
	steps := 0
	e.OnStep = func(s progress.Step) error {
		if s.Run != string(FeatureExtractor) {
			t.Errorf("step of run %q", s.Run)
		}
		steps++
		return nil
	}
	rep, err := e.Run(context.Background(), backend.Must())
	if err != nil {
		t.Fatal(err)
	}
	if steps == 0 || rep.Labels != 20 || rep.TestImages != 100 || rep.Features != MNIST8Features || rep.ReferenceMaxAbsDiff == nil ||
		len(rep.References) != 3 || rep.ZeroShot() < 0.5 || len(rep.Results) != 1 || len(rep.TestAccuracy) != 1 {
		t.Fatalf("report %+v (%d steps)", rep, steps)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Accuracy(), rep.Accuracy()) || back.ZeroShot() != rep.ZeroShot() || back.Summary() != rep.Summary() ||
		back.TestAccuracy["feature_extractor"] != rep.Accuracy()[FeatureExtractor] || len(back.Results[0].History.Epochs) != 2 {
		t.Errorf("after the round trip: %+v, want %+v", back, *rep)
	}
	if fig := back.Figure("digits"); fig == nil {
		t.Error("no figure")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e.OnStep = nil
	if _, err := e.Run(ctx, backend.Must()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: error %v, want context.Canceled", err)
	}
}

// TestMobileNetFeaturesOnCIFAR trains a new head on the frozen ImageNet
// features of 100 real CIFAR-10 images and tests it on the other 100: the
// pretrained features must carry the classes (well above the 10% of
// guessing; with 100 test images, 25% or more happens by chance with
// probability below 1e-4).
func TestMobileNetFeaturesOnCIFAR(t *testing.T) {
	if _, err := data.Path(data.CIFAR10SampleBatch); err != nil {
		t.Skip(err)
	}
	net, err := LoadNetwork(MobileNetV1)
	if err != nil {
		t.Skip(err)
	}
	e := Experiment{Target: CIFAR10Sample, Model: MobileNetV1, Labels: 100}
	h, err := e.head(net)
	if err != nil {
		t.Fatal(err)
	}
	if h.Features != "MobilenetV1/Logits/AvgPool_1a/AvgPool" || h.InputSize != 128 {
		t.Fatalf("head reads %q at size %d, want MobileNet's pooled features at 128", h.Features, h.InputSize)
	}
	train, test, _, err := e.load(backend.Must(), net)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 100 || test.Len() != 100 {
		t.Fatalf("%d training and %d test images, want 100 and 100", train.Len(), test.Len())
	}
	b := backend.Must()
	if h.Mean, h.Std, err = FeatureStats(b, net, train, h); err != nil {
		t.Fatal(err)
	}
	if len(h.Mean) != 256 {
		t.Fatalf("%d features, want 256", len(h.Mean))
	}
	hist, err := fitOnFeatures(b, net, h, train, test, classify.Config{Epochs: 20, BatchSize: 32, LearningRate: 1e-3, Seed: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	acc := hist.Last().TestAcc
	t.Logf("frozen MobileNet v1 features, new head, 100 labels: test accuracy %.2f", acc)
	if acc < 0.25 {
		t.Errorf("test accuracy %.2f on frozen ImageNet features, want >= 0.25", acc)
	}
}
