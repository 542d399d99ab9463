package neuralrg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/checkpoints"
	"github.com/physnb/physnb/lib/progress"
)

// tiny is a run of a few steps of a small TEBD flow, saved in out.
func tiny(out string, epochs, saveEvery int) Experiment {
	e := Default()
	e.Arch, e.Depth, e.Batch, e.Hidden, e.Blocks = "tebd", 2, 16, 8, 2
	e.Epochs, e.SaveEvery, e.Out, e.Samples, e.LocalMoves = epochs, saveEvery, out, 64, 0
	return e
}

// A folder with the run's neuralrg.json but without its weights must not be
// "resumed" from fresh random weights: the run stops and says what is missing.
func TestResumeWithoutWeights(t *testing.T) {
	b := backend.Must()
	out := filepath.Join(t.TempDir(), "run")
	if _, err := tiny(out, 3, 10).Train(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	des, _ := os.ReadDir(out)
	for _, d := range des {
		if d.Name() != stateFile {
			os.RemoveAll(filepath.Join(out, d.Name()))
		}
	}
	var log strings.Builder
	e := tiny(out, 5, 10)
	e.Log = &log
	_, err := e.Train(context.Background(), b)
	if err == nil || !strings.Contains(err.Error(), stateFile) || !strings.Contains(err.Error(), "no weights") {
		t.Fatalf("resuming without weights: err %v (log %q); want an error naming %s and the missing weights", err, log.String(), stateFile)
	}
	if strings.Contains(log.String(), "resuming") {
		t.Errorf("the log claims a resume: %q", log.String())
	}
}

// A neuralrg.json whose sizes differ from the weights' is refused, naming
// the sizes, whether the run summary was edited or a checkpoint holds
// weights of another configuration.
func TestResumeMismatchedSizes(t *testing.T) {
	b := backend.Must()
	out := filepath.Join(t.TempDir(), "run")
	if _, err := tiny(out, 2, 10).Train(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(out, stateFile)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(raw), `"hidden": 8`, `"hidden": 16`, 1)
	if edited == string(raw) {
		t.Fatalf("no hidden size in %s", raw)
	}
	os.WriteFile(p, []byte(edited), 0o644)
	_, err = tiny(out, 4, 10).Train(context.Background(), b)
	if err == nil || !strings.Contains(err.Error(), "MLP 2x16") || !strings.Contains(err.Error(), "MLP 2x8") {
		t.Fatalf("resuming with an edited %s: %v; want an error naming both sizes", stateFile, err)
	}

	// A checkpoint whose own metadata (consistent with its manifest) names
	// other sizes than its weights: the weights are checked variable by variable.
	m, err := Load(b, filepath.Join(out)) // fails: the summary is still edited
	if err == nil {
		t.Fatal("Load accepted the edited summary")
	}
	os.Remove(p)
	if m, err = Load(b, out); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	cfg := m.Config
	cfg.Hidden = 16
	js := fmt.Sprintf(`{"config": %s, "history": [{"step":1},{"step":2}], "train_seconds": 1}`, mustJSON(t, cfg))
	if _, err := checkpoints.Save(other, m.Flow.Store(), 2, map[string][]byte{stateFile: []byte(js)}, 1); err != nil {
		t.Fatal(err)
	}
	_, err = Load(b, other)
	if !errors.Is(err, checkpoints.ErrMismatch) || !strings.Contains(err.Error(), "MLP 2x16") {
		t.Fatalf("weights of hidden 8 under a configuration of hidden 16: %v; want a mismatch naming the sizes", err)
	}
}

// A run interrupted after a periodic save resumes from it with its training
// time (so samples per second counts the steps it trained), says that the
// cosine schedule it planned has ended, and keeps checkpoints of distinct steps.
func TestResumeAfterInterruption(t *testing.T) {
	b := backend.Must()
	out := filepath.Join(t.TempDir(), "run")
	e := tiny(out, 4, 2)
	stop := errors.New("interrupted")
	e.OnStep = func(s progress.Step) error {
		if s.Step == 3 {
			return stop
		}
		return nil
	}
	if _, err := e.Train(context.Background(), b); !errors.Is(err, stop) {
		t.Fatalf("interrupted run: %v", err)
	}
	m, err := Load(b, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.History) != 2 || !(m.TrainSeconds > 0) {
		t.Fatalf("the periodic checkpoint holds %d steps and %g s of training; want 2 steps and their time", len(m.History), m.TrainSeconds)
	}
	e = tiny(out, 6, 2)
	e.LearningRate = 2e-3
	var log strings.Builder
	e.Log = &log
	rep, err := e.Run(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Resumed == nil || rep.Resumed.Step != 2 || rep.Epochs != 6 || rep.Resumed.Weights == 0 {
		t.Fatalf("resumed %+v, %d steps", rep.Resumed, rep.Epochs)
	}
	if want := float64(rep.Epochs*rep.Batch) / rep.Seconds; rep.SamplesPerSecond != want || !(rep.Seconds > m.TrainSeconds) {
		t.Errorf("samples/s %g, want %d steps x %d / %g s = %g", rep.SamplesPerSecond, rep.Epochs, rep.Batch, rep.Seconds, want)
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, want := range []string{"cosine schedule spans 4 steps", "steps 5-6", "lr 0.002 (saved: 0.001)"} {
		if !strings.Contains(notes, want) || !strings.Contains(log.String(), want) {
			t.Errorf("notes %q and log %q do not say %q", notes, log.String(), want)
		}
	}
	if got, _ := checkpoints.Steps(out); !slices.Equal(got, []int{6, 4}) {
		t.Errorf("checkpoints of steps %v, want the two newest distinct steps [6 4]", got)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The run-metadata reader never panics and accepts only valid states; the
// seed corpus is the neuralrg.json a real run writes.
func FuzzParseState(f *testing.F) {
	b := backend.Must()
	out := filepath.Join(f.TempDir(), "run")
	if _, err := tiny(out, 2, 10).Train(context.Background(), b); err != nil {
		f.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(out, stateFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"config":{"L":4,"T":2.269,"arch":"mera","blocks":4,"mlp_layers":2,"hidden":8,"batch":16,"lr":0.001},"history":[{"step":2}]}`))
	f.Add([]byte(`{"config":{"L":1073741824}}`))
	f.Add([]byte(`{"train_seconds":-1}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		st, err := parseState(raw)
		if err != nil {
			return
		}
		if st.Config.Validate() != nil || !(st.TrainSeconds >= 0) {
			t.Errorf("accepted %+v", st)
		}
	})
}
