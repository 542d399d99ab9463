package wine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
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

// wineCSV writes a wine table with the given header and rows: each row is
// the type followed by values for the other header columns.
func wineCSV(header []string, rows ...[]string) string {
	var b strings.Builder
	b.WriteString(strings.Join(header, ",") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	return b.String()
}

// row returns a type and one value per feature, v, v+1, ..., so that each
// column can be recognised after loading.
func row(kind string, v, n int) []string {
	r := []string{kind}
	for k := range n {
		r = append(r, fmt.Sprint(v+k))
	}
	return r
}

func TestLoadWineErrors(t *testing.T) {
	full := append([]string{"type"}, FeatureColumns...)
	nf := len(FeatureColumns)
	without := func(name string) []string {
		var h []string
		for _, c := range full {
			if c != name {
				h = append(h, c)
			}
		}
		return h
	}
	dupHeader := append(slices.Clone(full[:nf]), "pH") // "quality" replaced by a second "pH"
	badValue := row("white", 1, nf)
	badValue[3] = "x"
	cases := []struct{ name, csv, want string }{
		{"no type column", wineCSV(FeatureColumns, row("1", 1, nf-1)), `no column "type"`},
		{"a feature column missing", wineCSV(without("pH"), row("red", 1, nf-1), row("white", 2, nf-1)), `lacks the feature column(s) "pH"`},
		{"two missing", wineCSV(without("pH")[:nf-1], row("red", 1, nf-2), row("white", 2, nf-2)), `"pH", "quality"`},
		{"a duplicated header", wineCSV(dupHeader, row("red", 1, nf), row("white", 2, nf)), `columns 10 and 13 are both named "pH"`},
		{"an unknown column", wineCSV(append(slices.Clone(full), "colour"), row("red", 1, nf+1), row("white", 2, nf+1)), `column(s) ["colour"] besides`},
		{"a field that is not a number", wineCSV(full, row("red", 1, nf), badValue), `line 3, column "citric acid"`},
		{"a short row", wineCSV(full, row("red", 1, nf), row("white", 1, nf-1)), "line 3"},
		{"one type only", wineCSV(full, row("red", 1, nf), row("red", 2, nf)), `want the 2 values "red" and "white"`},
		{"a misspelt type", wineCSV(full, row("Red", 1, nf), row("white", 2, nf)), `want the 2 values "red" and "white"`},
		{"no rows", wineCSV(full), "no data rows"},
	}
	dir := t.TempDir()
	for i, c := range cases {
		p := filepath.Join(dir, fmt.Sprintf("bad%d.csv", i))
		if err := os.WriteFile(p, []byte(c.csv), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want it to name the file and say %s", c.name, err, c.want)
		}
	}
}

// The features come in the order of FeatureColumns whatever the file's
// column order, so that a model trained on one file reads another.
func TestLoadWineColumnOrder(t *testing.T) {
	nf := len(FeatureColumns)
	rev := slices.Clone(FeatureColumns)
	slices.Reverse(rev)
	header := append(rev, "type") // type last, features reversed
	rows := [][]string{row("", 10, nf), row("", 40, nf)}
	for i, kind := range []string{"white", "red"} {
		rows[i] = append(rows[i][1:], kind)
	}
	p := filepath.Join(t.TempDir(), "perm.csv")
	if err := os.WriteFile(p, []byte(wineCSV(header, rows...)), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Features, FeatureColumns) {
		t.Errorf("features %q, want %q", d.Features, FeatureColumns)
	}
	// Row i holds v+k in file column k, which is FeatureColumns[nf-1-k].
	for i, v := range []int{10, 40} {
		for j := range nf {
			if got, want := d.X[i*nf+j], float32(v+nf-1-j); got != want {
				t.Errorf("row %d, %s = %v, want %v", i, FeatureColumns[j], got, want)
			}
		}
	}
	if d.Y[0] != 1 || d.Y[1] != 0 || !slices.Equal(d.Classes, []string{"red", "white"}) {
		t.Errorf("labels %v of %q, want [1 0] of [red white]", d.Y, d.Classes)
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
	// model and predictions saved with the experiment's seed changed to 43.
	other := t.TempDir()
	e43 := r2.Experiment
	e43.Seed = 43
	ej, _ := json.Marshal(e43)
	pj, _ := json.Marshal(r2.Probs)
	if _, err := r2.Model.SaveWith(other, map[string][]byte{experimentFile: ej, probsFile: pj}); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(b, other); err == nil || !strings.Contains(err.Error(), "predicts up to") {
		t.Fatalf("a different split (seed 43) restored: %v; want an error saying the predictions differ", err)
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
