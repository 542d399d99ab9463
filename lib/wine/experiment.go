package wine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/checkpoints"
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
	// restores it and fails unless the restored model's predictions are the
	// trained model's (within [RoundTripTolerance]). A folder that already
	// holds a model is refused before training unless Overwrite is set.
	CheckpointDir string `json:"checkpoint_dir"`
	// Overwrite lets Run replace a model already saved in CheckpointDir
	// (the old checkpoint is removed once the new one is on disk).
	Overwrite bool `json:"-"`
	// RoundTrip, without a CheckpointDir, has Run save the model in a
	// temporary folder, restore and compare it, then remove the folder.
	RoundTrip bool              `json:"-"`
	OnStep    progress.OnStepFn `json:"-"` // every training step; see classify.Config.OnStep
}

// RoundTripTolerance is the largest |p - p_restored| a checkpoint round trip
// accepts: a restored model computes the same float32 graph on the same
// weights, so the difference is 0 on one backend and rounding across backends.
const RoundTripTolerance = 1e-5

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
	RestoredMaxDiff *float64 `json:"restored_max_abs_diff,omitempty"`
	// CheckpointDir is where the model is saved (absent when the round trip
	// went through a temporary folder, CheckpointTemporary, now removed).
	CheckpointDir       string  `json:"checkpoint_dir,omitempty"`
	CheckpointTemporary bool    `json:"checkpoint_temporary,omitempty"`
	Seconds             float64 `json:"seconds"` // training time
	Backend             string  `json:"backend"`
	BackendDescription  string  `json:"backend_description"`
	// LossEvery10 is the mean training loss of every 10th epoch, keyed by
	// the epoch, as the lesson prints it.
	LossEvery10 map[string]float64 `json:"train_loss_every_10_epochs"`
}

// Run loads the table, splits, standardises, trains and scores the lesson's
// wine classifier, and with a CheckpointDir (or RoundTrip) saves it and
// checks that the restored model predicts the same probabilities. It stops
// with ctx's error when ctx is cancelled.
func (e Experiment) Run(ctx context.Context, b compute.Backend) (*Report, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	dir := e.CheckpointDir
	if dir != "" && !e.Overwrite && classify.HasCheckpoint(dir) {
		return nil, fmt.Errorf("wine: %s already holds a saved model: save into a fresh folder, or replace it with --overwrite (Experiment.Overwrite)", dir)
	}
	r, err := e.split()
	if err != nil {
		return nil, err
	}
	if dir == "" && e.RoundTrip {
		if dir, err = os.MkdirTemp("", "physnb-wine-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
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
	if dir != "" {
		if err := r.save(dir); err != nil {
			return nil, err
		}
		// Restore compares the restored model's predictions with the saved
		// ones, r.Probs, and fails beyond RoundTripTolerance.
		restored, err := Restore(b, dir)
		if err != nil {
			return nil, fmt.Errorf("wine: checkpoint round trip: %w", err)
		}
		r.RestoredMaxDiff = maxAbsDiff(restored.Probs, r.Probs)
	}
	rep := r.report(b)
	rep.CheckpointTemporary = dir != "" && dir != e.CheckpointDir
	return rep, nil
}

func maxAbsDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
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

// save writes the model, the experiment and the test probabilities as one
// checkpoint (replacing a model saved there before).
func (r *Result) save(dir string) error {
	files := map[string][]byte{}
	for name, v := range map[string]any{experimentFile: r.Experiment, probsFile: r.Probs} {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("wine: saving checkpoint in %s: %w", dir, err)
		}
		files[name] = b
	}
	_, err := r.Model.SaveWith(dir, files)
	return err
}

// parseSaved decodes the experiment and the probabilities saved with a
// checkpoint and checks them.
func parseSaved(experiment, probs []byte) (Experiment, []float64, error) {
	var e Experiment
	var p []float64
	if err := json.Unmarshal(experiment, &e); err != nil {
		return e, nil, fmt.Errorf("%s: %w", experimentFile, err)
	}
	if err := e.Validate(); err != nil {
		return e, nil, fmt.Errorf("%s: %w", experimentFile, err)
	}
	if err := json.Unmarshal(probs, &p); err != nil {
		return e, nil, fmt.Errorf("%s: %w", probsFile, err)
	}
	for i, v := range p {
		if !(v >= 0 && v <= 1) {
			return e, nil, fmt.Errorf("%s: value %d is %v, not a probability", probsFile, i, v)
		}
	}
	return e, p, nil
}

// Restore rebuilds a [Result] from a checkpoint written by [Experiment.Run]:
// it reads the experiment saved with it, reloads the data and the same
// split, restores the model, scores it, and compares its test probabilities
// with those stored when the model was saved (RestoredMaxDiff); a difference
// beyond [RoundTripTolerance] is an error (the checkpoint does not belong to
// this data). History is nil. If the newest checkpoint in dir is damaged,
// the newest intact one is used and a line on stderr says so.
func Restore(b compute.Backend, dir string) (*Result, error) {
	ck, err := checkpoints.Open(dir, os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("wine: %w", err)
	}
	var raw [2][]byte
	for i, name := range []string{experimentFile, probsFile} {
		if raw[i], err = ck.ReadFile(name); err != nil {
			return nil, fmt.Errorf("wine: %s is not a checkpoint of the wine classifier: %w", dir, err)
		}
	}
	e, saved, err := parseSaved(raw[0], raw[1])
	if err != nil {
		return nil, fmt.Errorf("wine: checkpoint in %s: %w", dir, err)
	}
	e.CheckpointDir = dir
	r, err := e.split()
	if err != nil {
		return nil, err
	}
	if r.Model, err = classify.FromCheckpoint(b, ck, MLP(e.Hidden), 1); err != nil {
		return nil, err
	}
	if err := r.score(); err != nil {
		return nil, err
	}
	if len(saved) != len(r.Probs) {
		return nil, fmt.Errorf("wine: saved predictions in %s do not match the test set (%d values for %d wines)", dir, len(saved), len(r.Probs))
	}
	r.RestoredMaxDiff = maxAbsDiff(saved, r.Probs)
	if r.RestoredMaxDiff > RoundTripTolerance {
		return nil, fmt.Errorf("wine: the model restored from %s predicts up to %.3g away from the probabilities saved with it (tolerance %g): the checkpoint does not match its experiment or the data",
			ck.Folder, r.RestoredMaxDiff, RoundTripTolerance)
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
	switch {
	case r.RestoredMaxDiff != nil && r.CheckpointTemporary:
		fmt.Fprintf(&s, "checkpoint round trip through a temporary folder (removed; --save keeps one): max |p - p_restored| = %.3g\n", *r.RestoredMaxDiff)
	case r.RestoredMaxDiff != nil:
		fmt.Fprintf(&s, "checkpoint in %s restored: max |p - p_restored| = %.3g\n", r.CheckpointDir, *r.RestoredMaxDiff)
	}
	return s.String()
}
