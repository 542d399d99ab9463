package wine

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/checkpoints"
	"github.com/physnb/physnb/lib/progress"
)

// Saving into a folder that already holds a model: refused before training
// with a message naming the folder and the way out, and with Overwrite the
// new model is what the folder holds afterwards (its restored predictions
// are the new model's). Keeping the old model and reporting success, as a
// GoMLX checkpoint handler does when it loads the folder before saving, is
// the failure this test catches.
func TestSaveIntoFolderWithAModel(t *testing.T) {
	b := backend.Must()
	dir := t.TempDir()
	first := Default()
	first.Path, first.Epochs, first.Hidden, first.CheckpointDir = winePath(t), 1, 4, dir
	if _, err := first.Run(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	second := first
	second.Seed, second.Epochs = 7, 2
	steps := 0
	second.OnStep = func(progress.Step) error { steps++; return nil }
	_, err := second.Run(context.Background(), b)
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "--overwrite") {
		t.Fatalf("saving into a folder with a model: %v; want a refusal naming %s and --overwrite", err, dir)
	}
	if steps != 0 {
		t.Errorf("the refusal came after %d training steps, want before any", steps)
	}
	if r, err := Restore(b, dir); err != nil || r.Experiment.Seed != first.Seed {
		t.Fatalf("after the refusal the folder holds seed %v (%v), want the first model's %d", r, err, first.Seed)
	}

	second.Overwrite = true
	rep, err := second.Run(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if rep.RestoredMaxDiff == nil || *rep.RestoredMaxDiff > RoundTripTolerance || rep.CheckpointDir != dir || rep.CheckpointTemporary {
		t.Fatalf("overwriting: round trip %v, checkpoint %q temporary %v", rep.RestoredMaxDiff, rep.CheckpointDir, rep.CheckpointTemporary)
	}
	restored, err := Restore(b, dir)
	if err != nil {
		t.Fatal(err)
	}
	if restored.Experiment.Seed != second.Seed || restored.Experiment.Epochs != second.Epochs || restored.Report.Accuracy != rep.Accuracy {
		t.Errorf("the folder holds the model of seed %d, %d epochs, accuracy %g; want the new one: seed %d, %d epochs, accuracy %g",
			restored.Experiment.Seed, restored.Experiment.Epochs, restored.Report.Accuracy, second.Seed, second.Epochs, rep.Accuracy)
	}
	ck, err := checkpoints.Open(dir, nil)
	if err != nil || len(ck.Skipped) != 0 {
		t.Fatalf("open: %v, skipped %v", err, ck)
	}
	if des, _ := os.ReadDir(dir); len(des) != 1 {
		t.Errorf("%d entries in the folder after overwriting, want the one new checkpoint", len(des))
	}
}

// Without a folder, RoundTrip goes through a temporary one, which the report
// does not name (it is gone when Run returns).
func TestTemporaryRoundTrip(t *testing.T) {
	e := Default()
	e.Path, e.Epochs, e.Hidden, e.RoundTrip = winePath(t), 1, 4, true
	rep, err := e.Run(context.Background(), backend.Must())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.CheckpointTemporary || rep.CheckpointDir != "" || rep.RestoredMaxDiff == nil {
		t.Fatalf("report: temporary %v, dir %q, diff %v", rep.CheckpointTemporary, rep.CheckpointDir, rep.RestoredMaxDiff)
	}
	if s := rep.String(); !strings.Contains(s, "temporary folder (removed") {
		t.Errorf("summary does not say the folder was temporary:\n%s", s)
	}
}

// What Restore reads back from a checkpoint (experiment.json and
// test_probabilities.json) never panics and is checked; the seed corpus is
// the files a real run writes.
func FuzzParseSaved(f *testing.F) {
	e := Default()
	ej, _ := json.Marshal(e)
	f.Add(ej, []byte(`[0.1,0.9,0.5]`))
	f.Add(ej, []byte(`[1.5]`))
	f.Add([]byte(`{"hidden":-1}`), []byte(`[]`))
	f.Add([]byte(`{"learning_rate":1e999}`), []byte(`null`))
	f.Fuzz(func(t *testing.T, experiment, probs []byte) {
		e, p, err := parseSaved(experiment, probs)
		if err != nil {
			return
		}
		if e.Validate() != nil {
			t.Errorf("accepted an invalid experiment %+v", e)
		}
		for _, v := range p {
			if !(v >= 0 && v <= 1) {
				t.Errorf("accepted probability %v", v)
			}
		}
	})
}
