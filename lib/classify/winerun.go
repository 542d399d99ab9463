package classify

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/metrics"
	"github.com/physnb/physnb/lib/progress"
)

// WineOptions are the lesson's settings for the wine classifier; [DefaultWine]
// fills them in.
type WineOptions struct {
	Hidden       int
	Epochs       int
	BatchSize    int
	LearningRate float64
	TestFraction float64
	Seed         uint64
	// CheckpointDir, when set, saves the trained model there, restores it and
	// compares the restored model's predictions with the original's.
	CheckpointDir string
	OnStep        progress.OnStepFn // see [Config].OnStep
}

// DefaultWine are the lesson's settings: 12 -> 64 (ReLU) -> 1, BCE, Adam 1e-3,
// batch 64, 100 epochs, 80/20 split.
func DefaultWine() WineOptions {
	return WineOptions{Hidden: 64, Epochs: 100, BatchSize: 64, LearningRate: 1e-3, TestFraction: 0.2, Seed: 42}
}

// WineResult holds everything the lesson reports about the wine classifier.
type WineResult struct {
	Train, Test *Data
	Model       *Classifier
	History     *History
	Probs       []float64 // sigma(z) on the test set, P(white)
	Pred        []int
	Confusion   *metrics.Confusion
	Report      *metrics.Report
	ROC         *metrics.ROC
	AUC         float64
	// RestoredMaxDiff is the largest |p - p_restored| over the test set after
	// a checkpoint round trip (NaN if no checkpoint was requested).
	RestoredMaxDiff float64
}

// RunWine loads the table at path, splits, standardises, trains and scores
// the lesson's wine classifier.
func RunWine(b compute.Backend, path string, o WineOptions) (*WineResult, error) {
	d, err := LoadWine(path)
	if err != nil {
		return nil, err
	}
	r := &WineResult{RestoredMaxDiff: math.NaN()}
	if r.Train, r.Test, err = d.Split(o.TestFraction, o.Seed); err != nil {
		return nil, err
	}
	if o.Hidden < 1 {
		return nil, fmt.Errorf("wine: hidden size %d must be >= 1", o.Hidden)
	}
	r.Model = New(b, WineMLP(o.Hidden), 1).Seed(int64(o.Seed)).Standardize(r.Train)
	r.History, err = r.Model.Fit(r.Train, r.Test, Config{Epochs: o.Epochs, BatchSize: o.BatchSize,
		LearningRate: o.LearningRate, Seed: o.Seed, OnStep: o.OnStep})
	if err != nil {
		return nil, err
	}
	ev, err := r.Model.Evaluate(r.Test)
	if err != nil {
		return nil, err
	}
	r.Probs, r.Pred = ev.Scores, ev.Pred
	if r.Confusion, err = metrics.NewConfusion(r.Test.Y, r.Pred, 2); err != nil {
		return nil, err
	}
	r.Report = r.Confusion.Report(r.Test.Classes)
	if r.ROC, err = metrics.NewROC(r.Test.Y, r.Probs); err != nil {
		return nil, err
	}
	r.AUC = r.ROC.AUC()
	if o.CheckpointDir != "" {
		if err := r.Model.Save(o.CheckpointDir); err != nil {
			return nil, err
		}
		if err := writeJSON(filepath.Join(o.CheckpointDir, wineProbsFile), r.Probs); err != nil {
			return nil, err
		}
		restored, err := Load(b, o.CheckpointDir, WineMLP(o.Hidden), 1)
		if err != nil {
			return nil, err
		}
		p2, err := restored.Probabilities(r.Test)
		if err != nil {
			return nil, err
		}
		r.RestoredMaxDiff = 0
		for i := range p2 {
			r.RestoredMaxDiff = math.Max(r.RestoredMaxDiff, math.Abs(p2[i]-r.Probs[i]))
		}
	}
	return r, nil
}

// wineProbsFile holds the test-set probabilities of the model when it was saved.
const wineProbsFile = "test_probabilities.json"

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// RestoreWine rebuilds a [WineResult] from a checkpoint written by [RunWine]
// (with the same options): it reloads the data and the same split, restores
// the model, scores it, and compares its test probabilities with those
// stored when the model was saved (RestoredMaxDiff). History is nil.
func RestoreWine(b compute.Backend, path string, o WineOptions) (*WineResult, error) {
	d, err := LoadWine(path)
	if err != nil {
		return nil, err
	}
	r := &WineResult{}
	if r.Train, r.Test, err = d.Split(o.TestFraction, o.Seed); err != nil {
		return nil, err
	}
	if r.Model, err = Load(b, o.CheckpointDir, WineMLP(o.Hidden), 1); err != nil {
		return nil, err
	}
	ev, err := r.Model.Evaluate(r.Test)
	if err != nil {
		return nil, err
	}
	r.Probs, r.Pred = ev.Scores, ev.Pred
	if r.Confusion, err = metrics.NewConfusion(r.Test.Y, r.Pred, 2); err != nil {
		return nil, err
	}
	r.Report = r.Confusion.Report(r.Test.Classes)
	if r.ROC, err = metrics.NewROC(r.Test.Y, r.Probs); err != nil {
		return nil, err
	}
	r.AUC = r.ROC.AUC()
	raw, err := os.ReadFile(filepath.Join(o.CheckpointDir, wineProbsFile))
	if err != nil {
		return nil, fmt.Errorf("wine: the checkpoint has no saved predictions: %w", err)
	}
	var saved []float64
	if err := json.Unmarshal(raw, &saved); err != nil || len(saved) != len(r.Probs) {
		return nil, fmt.Errorf("wine: saved predictions in %s do not match the test set (%d values for %d wines, %v)", o.CheckpointDir, len(saved), len(r.Probs), err)
	}
	for i := range saved {
		r.RestoredMaxDiff = math.Max(r.RestoredMaxDiff, math.Abs(saved[i]-r.Probs[i]))
	}
	return r, nil
}

// TempCheckpointDir returns a fresh temporary folder for a checkpoint.
func TempCheckpointDir() (string, error) { return os.MkdirTemp("", "physnb-wine-") }
