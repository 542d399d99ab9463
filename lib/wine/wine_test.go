package wine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/metrics"
)

func winePath(t *testing.T) string {
	if os.Getenv(data.EnvVar) == "" {
		t.Setenv(data.EnvVar, "../../../shared/data")
	}
	p, err := data.Path(data.WineQuality)
	if err != nil {
		t.Skipf("wine data not found (set %s): %v", data.EnvVar, err)
	}
	return p
}

func TestLoadWineErrors(t *testing.T) {
	cases := []struct{ csv, want string }{
		{"fixed acidity,alcohol\n1,2\n", `type`},
		{"type,a,b\nred,1,2\nwhite,1,x\n", `line 3`},
		{"type,a,b\nred,1,2\nwhite,1\n", "line 3"},
		{"type,a\nred,1\n", "want 2"},
	}
	dir := t.TempDir()
	for i, c := range cases {
		p := filepath.Join(dir, fmt.Sprintf("bad%d.csv", i))
		if err := os.WriteFile(p, []byte(c.csv), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: error %v, want it to name the file and mention %s", c.csv, err, c.want)
		}
	}
}

func TestLoadWineCounts(t *testing.T) {
	d, err := Load(winePath(t))
	if err != nil {
		t.Fatal(err)
	}
	// data/README.md: 6497 rows, 4898 white then 1599 red; 12 numeric columns.
	if d.Len() != 6497 || d.SampleSize() != 12 {
		t.Fatalf("got %d rows x %d features, want 6497 x 12", d.Len(), d.SampleSize())
	}
	white := 0
	for _, y := range d.Y {
		white += y
	}
	if white != 4898 || d.Classes[1] != "white" {
		t.Fatalf("white count %d (classes %v), want 4898", white, d.Classes)
	}
	// First row, first feature: fixed acidity 7.0 (the lesson's df.head()).
	if d.X[0] != 7 || d.X[11] != 6 {
		t.Errorf("first row starts %v", d.X[:12])
	}
}

// A short run of the lesson's wine classifier must already separate red from
// white well (the lesson reaches 0.9969 after 100 epochs), and a checkpoint
// must restore a model that predicts the same probabilities.
func TestWineShortTrainingAndCheckpoint(t *testing.T) {
	d, err := Load(winePath(t))
	if err != nil {
		t.Fatal(err)
	}
	tr, te, err := d.Split(0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	b := backend.Must()
	c := classify.New(b, MLP(64), 1).Seed(7).Standardize(tr)
	h, err := c.Fit(tr, te, classify.Config{Epochs: 5, BatchSize: 64, LearningRate: 1e-3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if h.Last().TestAcc < 0.97 || h.Last().TrainLoss > h.Epochs[0].TrainLoss {
		t.Fatalf("after 5 epochs test accuracy %.4f (want >= 0.97), train loss %g -> %g",
			h.Last().TestAcc, h.Epochs[0].TrainLoss, h.Last().TrainLoss)
	}
	p, err := c.Probabilities(te)
	if err != nil {
		t.Fatal(err)
	}
	auc, err := metrics.AUC(te.Y, p)
	if err != nil || auc < 0.99 {
		t.Fatalf("AUC %g (%v), want >= 0.99", auc, err)
	}
	dir := t.TempDir()
	if err := c.Save(dir); err != nil {
		t.Fatal(err)
	}
	c2, err := classify.Load(b, dir, MLP(64), 1)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c2.Probabilities(te)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p {
		if math.Abs(p[i]-p2[i]) > 1e-6 {
			t.Fatalf("restored model differs at sample %d: %g vs %g", i, p[i], p2[i])
		}
	}
	// A fresh, untrained model must not agree (the check can fail).
	c3 := classify.New(b, MLP(64), 1).Seed(99).Standardize(tr)
	c3.Store.RootScope() // untrained: variables are created on first use
	p3, err := c3.Probabilities(te)
	if err != nil {
		t.Fatal(err)
	}
	same := 0
	for i := range p {
		if math.Abs(p[i]-p3[i]) < 1e-6 {
			same++
		}
	}
	if same == len(p) {
		t.Fatal("an untrained model predicts the same probabilities: the comparison cannot fail")
	}
	if _, err := classify.Load(b, filepath.Join(dir, "missing"), MLP(64), 1); err == nil {
		t.Error("loading a missing checkpoint gave no error")
	}
}

// Run with a checkpoint, then Restore in the same way a later notebook cell
// (a new process) does: same split, same probabilities; the report survives
// a JSON round trip.
func TestRunAndRestore(t *testing.T) {
	e := Default()
	e.Path, e.Epochs, e.CheckpointDir = winePath(t), 3, t.TempDir()
	b := backend.Must()
	r, err := e.Run(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if r.RestoredMaxDiff == nil || *r.RestoredMaxDiff > 1e-6 || r.TestWines != 1300 || r.ClassificationReport.Total != 1300 {
		t.Fatalf("round trip diff %v, %d test wines", r.RestoredMaxDiff, r.TestWines)
	}
	if r.Epochs != 3 || len(r.PerClass) != 2 || r.PerClass[1].Name != "white" || len(r.LossEvery10) != 0 {
		t.Fatalf("report %+v", r)
	}
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(raw, &back); err != nil || back.AUC != r.AUC || *back.RestoredMaxDiff != *r.RestoredMaxDiff {
		t.Fatalf("JSON round trip: %v, %+v", err, back)
	}
	r2, err := Restore(b, e.CheckpointDir)
	if err != nil {
		t.Fatal(err)
	}
	if r2.RestoredMaxDiff > 1e-6 || r2.AUC != r.AUC || r2.Report.Accuracy != r.Accuracy {
		t.Fatalf("restored: diff %g, AUC %g vs %g, accuracy %g vs %g", r2.RestoredMaxDiff, r2.AUC, r.AUC, r2.Report.Accuracy, r.Accuracy)
	}
	// A different split must not match the saved predictions: the same
	// checkpoint with the experiment's seed changed to 43.
	other := t.TempDir()
	entries, _ := os.ReadDir(e.CheckpointDir)
	for _, f := range entries {
		raw, err := os.ReadFile(filepath.Join(e.CheckpointDir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if f.Name() == experimentFile {
			raw = []byte(strings.Replace(string(raw), `"seed":42`, `"seed":43`, 1))
		}
		if err := os.WriteFile(filepath.Join(other, f.Name()), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r3, err := Restore(b, other); err == nil && (r3.Experiment.Seed != 43 || r3.RestoredMaxDiff < 1e-3) {
		t.Fatalf("a different split (seed %d) restored with diff %g", r3.Experiment.Seed, r3.RestoredMaxDiff)
	}
	if _, err := Restore(b, t.TempDir()); err == nil {
		t.Error("restoring an empty folder gave no error")
	}
}

// Every bad parameter is refused before any work, naming the valid range.
func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	for _, c := range []struct {
		change func(*Experiment)
		want   string
	}{
		{func(e *Experiment) { e.Hidden = 0 }, "--hidden 0: want 1 to 1000000"},
		{func(e *Experiment) { e.Epochs = 0 }, "--epochs 0: want 1 to"},
		{func(e *Experiment) { e.BatchSize = 0 }, "--batch 0: want at least 1"},
		{func(e *Experiment) { e.LearningRate = 0 }, "--lr 0: want a finite value > 0"},
		{func(e *Experiment) { e.LearningRate = math.NaN() }, "--lr NaN"},
		{func(e *Experiment) { e.TestFraction = 1 }, "test fraction 1: want a value in (0, 1)"},
	} {
		e := Default()
		c.change(&e)
		err := e.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
		if _, err := e.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Run: error %v, want %q", err, c.want)
		}
	}
}
