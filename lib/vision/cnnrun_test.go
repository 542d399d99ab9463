package vision

import (
	"context"
	"math"
	"strings"
	"testing"
)

// Every bad parameter is refused before any work (no data is loaded),
// naming the valid range; `--batch 0` used to panic with an integer divide
// by zero.
func TestCNNExperimentValidate(t *testing.T) {
	if err := DefaultCNN(FashionMNIST).Validate(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	for _, c := range []struct {
		change func(*CNNExperiment)
		want   string
	}{
		{func(e *CNNExperiment) { e.Dataset = "mnist" }, `dataset "mnist": want "cifar10" or "fashion"`},
		{func(e *CNNExperiment) { e.Dataset = "" }, `dataset "": want`},
		{func(e *CNNExperiment) { e.Epochs = 0 }, "epochs 0: want at least 1"},
		{func(e *CNNExperiment) { e.BatchSize = 0 }, "batch size 0: want at least 1"},
		{func(e *CNNExperiment) { e.TrainLimit = -1 }, "image limits -1 (train), 0 (test): want 0 (all) or more"},
		{func(e *CNNExperiment) { e.TestLimit = -5 }, "image limits 0 (train), -5 (test)"},
		{func(e *CNNExperiment) { e.LearningRate = 0 }, "learning rate 0: want a finite value > 0"},
		{func(e *CNNExperiment) { e.LearningRate = math.Inf(1) }, "learning rate +Inf"},
		{func(e *CNNExperiment) { e.Net.Dropout1 = 1 }, "dropout rates must be in [0, 1)"},
	} {
		e := DefaultCNN(FashionMNIST)
		c.change(&e)
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
		if _, err := e.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Run: error %v, want %q", err, c.want)
		}
	}
}
