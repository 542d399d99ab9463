package wine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/metrics"
	"github.com/physnb/physnb/lib/progress"
)

// Experiment configures one run of the lesson's wine classifier; the zero
// value is not useful: start from [Default].
type Experiment struct {
	// Path is the wine table; "" reads it through the data layer ([File]).
	Path         string  `json:"path"`
	Hidden       int     `json:"hidden"`        // hidden ReLU units
	Epochs       int     `json:"epochs"`        // training epochs
	BatchSize    int     `json:"batch_size"`    // mini-batch size
	LearningRate float64 `json:"learning_rate"` // Adam's step
	TestFraction float64 `json:"test_fraction"` // part of the wines held out for testing
	Seed         uint64  `json:"seed"`          // seed of the split, initialisation and shuffling
	// CheckpointDir, when set, is where Run saves the trained model (with the
	// experiment and the test probabilities, for [Restore]); Run then
	// restores it and compares the restored model's predictions with the
	// original's.
	CheckpointDir string            `json:"checkpoint_dir"`
	OnStep        progress.OnStepFn `json:"-"` // every training step; see classify.Config.OnStep
}

// Default are the lesson's settings: 12 -> 64 (ReLU) -> 1, BCE, Adam 1e-3,
// batch 64, 100 epochs, 80/20 split, seed 42.
func Default() Experiment {
	return Experiment{Hidden: 64, Epochs: 100, BatchSize: 64, LearningRate: 1e-3, TestFraction: 0.2, Seed: 42}
}

// Validate reports the first bad parameter, with its valid range.
func (e Experiment) Validate() error {
	switch {
	case e.Hidden < 1 || e.Hidden > 1_000_000:
		return fmt.Errorf("wine: --hidden %d: want 1 to 1000000 units", e.Hidden)
	case e.Epochs < 1 || e.Epochs > 1_000_000:
		return fmt.Errorf("wine: --epochs %d: want 1 to 1000000", e.Epochs)
	case e.BatchSize < 1:
		return fmt.Errorf("wine: --batch %d: want at least 1", e.BatchSize)
	case !(e.LearningRate > 0) || math.IsInf(e.LearningRate, 0):
		return fmt.Errorf("wine: --lr %g: want a finite value > 0", e.LearningRate)
	case !(e.TestFraction > 0 && e.TestFraction < 1):
		return fmt.Errorf("wine: test fraction %g: want a value in (0, 1)", e.TestFraction)
	}
	return nil
}

// Result is a trained (or restored) wine classifier with its data and
// scores on the test wines, in memory; [Report] is its JSON summary.
type Result struct {
	Experiment  Experiment
	Train, Test *classify.Data
	Model       *classify.Classifier
	History     *classify.History // nil after Restore
	Probs       []float64         // sigma(z) on the test set, P(white)
	Pred        []int
	Confusion   *metrics.Confusion
	Report      *metrics.Report
	ROC         *metrics.ROC
	AUC         float64
	// RestoredMaxDiff is the largest |p - p_restored| over the test set after
	// a checkpoint round trip (NaN if no checkpoint was written or read).
	RestoredMaxDiff float64
}

// Report is what a run measured: everything `physnb wine` prints.
type Report struct {
	Accuracy  float64 `json:"accuracy"`
	AUC       float64 `json:"auc"`       // area under the ROC curve
	Precision float64 `json:"precision"` // macro averages over the two classes
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// PerClass and Confusion (rows true, columns predicted) follow Classes.
	PerClass             []metrics.ClassScores `json:"per_class"`
	Confusion            [][]int               `json:"confusion_matrix"`
	Classes              []string              `json:"classes"`
	ClassificationReport *metrics.Report       `json:"classification_report"`
	FinalTrainLoss       float64               `json:"final_train_loss"`
	Epochs               int                   `json:"epochs"` // epochs trained
	Seed                 uint64                `json:"seed"`
	TrainWines           int                   `json:"train_wines"`
	TestWines            int                   `json:"test_wines"`
	// RestoredMaxDiff is max |p - p_restored| over the test wines after the
	// checkpoint round trip (absent without a checkpoint).
	RestoredMaxDiff    *float64 `json:"restored_max_abs_diff,omitempty"`
	CheckpointDir      string   `json:"checkpoint_dir,omitempty"`
	Seconds            float64  `json:"seconds"` // training time
	Backend            string   `json:"backend"`
	BackendDescription string   `json:"backend_description"`
	// LossEvery10 is the mean training loss of every 10th epoch, keyed by
	// the epoch, as the lesson prints it.
	LossEvery10 map[string]float64 `json:"train_loss_every_10_epochs"`
}

// Run loads the table, splits, standardises, trains and scores the lesson's
// wine classifier, and with a CheckpointDir saves it and checks the restored
// model. It stops with ctx's error when ctx is cancelled.
func (e Experiment) Run(ctx context.Context, b compute.Backend) (*Report, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	r, err := e.split()
	if err != nil {
		return nil, err
	}
	r.Model = classify.New(b, MLP(e.Hidden), 1).Seed(int64(e.Seed)).Standardize(r.Train)
	stop := func(progress.Step) error { return ctx.Err() }
	r.History, err = r.Model.Fit(r.Train, r.Test, classify.Config{Epochs: e.Epochs, BatchSize: e.BatchSize,
		LearningRate: e.LearningRate, Seed: e.Seed, OnStep: progress.Chain(stop, e.OnStep)})
	if err != nil {
		return nil, err
	}
	if err := r.score(); err != nil {
		return nil, err
	}
	if e.CheckpointDir != "" {
		if err := r.save(); err != nil {
			return nil, err
		}
		restored, err := Restore(b, e.CheckpointDir)
		if err != nil {
			return nil, err
		}
		r.RestoredMaxDiff = 0
		for i := range restored.Probs {
			r.RestoredMaxDiff = math.Max(r.RestoredMaxDiff, math.Abs(restored.Probs[i]-r.Probs[i]))
		}
	}
	return r.report(b), nil
}

// split loads the table and splits it as e says.
func (e Experiment) split() (*Result, error) {
	path := e.Path
	if path == "" {
		p, err := data.Path(File)
		if err != nil {
			return nil, err
		}
		path = p
	}
	d, err := Load(path)
	if err != nil {
		return nil, err
	}
	r := &Result{Experiment: e, RestoredMaxDiff: math.NaN()}
	if r.Train, r.Test, err = d.Split(e.TestFraction, e.Seed); err != nil {
		return nil, err
	}
	return r, nil
}

// score evaluates the model on the test wines.
func (r *Result) score() error {
	ev, err := r.Model.Evaluate(r.Test)
	if err != nil {
		return err
	}
	r.Probs, r.Pred = ev.Scores, ev.Pred
	if r.Confusion, err = metrics.NewConfusion(r.Test.Y, r.Pred, 2); err != nil {
		return err
	}
	r.Report = r.Confusion.Report(r.Test.Classes)
	if r.ROC, err = metrics.NewROC(r.Test.Y, r.Probs); err != nil {
		return err
	}
	r.AUC = r.ROC.AUC()
	return nil
}

// Files a checkpoint holds besides the model's: the experiment that trained
// it and its test-set probabilities when it was saved.
const (
	experimentFile = "experiment.json"
	probsFile      = "test_probabilities.json"
)

// save writes the model, the experiment and the test probabilities.
func (r *Result) save() error {
	dir := r.Experiment.CheckpointDir
	if err := r.Model.Save(dir); err != nil {
		return err
	}
	for name, v := range map[string]any{experimentFile: r.Experiment, probsFile: r.Probs} {
		b, err := json.Marshal(v)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), b, 0o644)
		}
		if err != nil {
			return fmt.Errorf("wine: saving checkpoint in %s: %w", dir, err)
		}
	}
	return nil
}

// Restore rebuilds a [Result] from a checkpoint written by [Experiment.Run]:
// it reads the experiment saved with it, reloads the data and the same
// split, restores the model, scores it, and compares its test probabilities
// with those stored when the model was saved (RestoredMaxDiff). History is
// nil.
func Restore(b compute.Backend, dir string) (*Result, error) {
	var e Experiment
	var saved []float64
	for name, v := range map[string]any{experimentFile: &e, probsFile: &saved} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			err = json.Unmarshal(raw, v)
		}
		if err != nil {
			return nil, fmt.Errorf("wine: %s is not a checkpoint of the wine classifier: %w", dir, err)
		}
	}
	e.CheckpointDir = dir
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("wine: checkpoint in %s: %w", dir, err)
	}
	r, err := e.split()
	if err != nil {
		return nil, err
	}
	if r.Model, err = classify.Load(b, dir, MLP(e.Hidden), 1); err != nil {
		return nil, err
	}
	if err := r.score(); err != nil {
		return nil, err
	}
	if len(saved) != len(r.Probs) {
		return nil, fmt.Errorf("wine: saved predictions in %s do not match the test set (%d values for %d wines)", dir, len(saved), len(r.Probs))
	}
	r.RestoredMaxDiff = 0
	for i := range saved {
		r.RestoredMaxDiff = math.Max(r.RestoredMaxDiff, math.Abs(saved[i]-r.Probs[i]))
	}
	return r, nil
}

// MustRestore is [Restore] for notebook cells.
func MustRestore(b compute.Backend, dir string) *Result {
	r, err := Restore(b, dir)
	if err != nil {
		panic(err)
	}
	return r
}

// report summarises a trained result.
func (r *Result) report(b compute.Backend) *Report {
	out := &Report{Accuracy: r.Report.Accuracy, AUC: r.AUC, Precision: r.Report.Macro.Precision,
		Recall: r.Report.Macro.Recall, F1: r.Report.Macro.F1, PerClass: r.Report.Classes, Confusion: r.Confusion.Counts,
		Classes: r.Test.Classes, ClassificationReport: r.Report, Seed: r.Experiment.Seed,
		TrainWines: r.Train.Len(), TestWines: r.Test.Len(), CheckpointDir: r.Experiment.CheckpointDir,
		Backend: b.String(), BackendDescription: backend.Describe(b), LossEvery10: map[string]float64{}}
	if h := r.History; h != nil {
		out.FinalTrainLoss, out.Epochs, out.Seconds = h.Last().TrainLoss, len(h.Epochs), h.Seconds
		for _, ep := range h.Epochs {
			if ep.Epoch%10 == 0 {
				out.LossEvery10[fmt.Sprint(ep.Epoch)] = ep.TrainLoss
			}
		}
	}
	if !math.IsNaN(r.RestoredMaxDiff) {
		d := r.RestoredMaxDiff
		out.RestoredMaxDiff = &d
	}
	return out
}

// String is the readable summary `physnb wine` prints.
func (r *Report) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "wine classifier, %d epochs on %d wines, tested on %d (%s, %.1f s)\n", r.Epochs, r.TrainWines, r.TestWines, r.BackendDescription, r.Seconds)
	fmt.Fprintf(&s, "accuracy %.4f   ROC AUC %.4f   (macro precision %.4f recall %.4f F1 %.4f)\n", r.Accuracy, r.AUC, r.Precision, r.Recall, r.F1)
	fmt.Fprintf(&s, "confusion matrix (rows true %v, columns predicted):\n%s", r.Classes, &metrics.Confusion{Counts: r.Confusion})
	if r.ClassificationReport != nil {
		s.WriteString(r.ClassificationReport.String())
	}
	if r.RestoredMaxDiff != nil {
		fmt.Fprintf(&s, "checkpoint in %s restored: max |p - p_restored| = %.3g\n", r.CheckpointDir, *r.RestoredMaxDiff)
	}
	return s.String()
}
