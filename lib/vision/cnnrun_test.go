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
		{func(e *CNNExperiment) { e.Epochs = 0 }, "--epochs 0: want 1 to 10000"},
		{func(e *CNNExperiment) { e.BatchSize = 0 }, "--batch 0: want 1 to"},
		{func(e *CNNExperiment) { e.TrainLimit = -1 }, "--train-limit -1: want 0 (all) or more"},
		{func(e *CNNExperiment) { e.TestLimit = -5 }, "--test-limit -5: want 0 (all)"},
		{func(e *CNNExperiment) { e.LearningRate = 0 }, "--lr 0: want a finite value > 0"},
		{func(e *CNNExperiment) { e.LearningRate = math.Inf(1) }, "--lr +Inf"},
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
