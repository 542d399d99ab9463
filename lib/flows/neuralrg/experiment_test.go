package neuralrg

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/progress"
)

// Every bad parameter is caught before any work, with its valid range.
func TestExperimentValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default: %v", err)
	}
	if err := Default().Quick().Validate(); err != nil {
		t.Fatalf("Quick: %v", err)
	}
	cases := []struct {
		mod  func(*Experiment)
		want string
	}{
		{func(e *Experiment) { e.Dim = 3 }, "-d 3: only the two-dimensional Ising model is implemented (want 2)"},
		{func(e *Experiment) { e.Epochs = -1 }, "--epochs -1: want at least 0"},
		{func(e *Experiment) { e.Samples = 63 }, "--samples 63: want at least 64"},
		{func(e *Experiment) { e.LocalMoves = -1 }, "--local-moves -1: want at least 0"},
		{func(e *Experiment) { e.SaveEvery = 0 }, "--save-every 0 steps: want at least 1"},
		{func(e *Experiment) { e.Levels = -2 }, "levels -2: want at least 0"},
		{func(e *Experiment) { e.L = 6 }, "power of two"},
		{func(e *Experiment) { e.T = 0 }, "-T 0: want a positive, finite temperature"},
		{func(e *Experiment) { e.Batch = 1 }, "--batch 1: want at least 2"},
		{func(e *Experiment) { e.LearningRate = 0 }, "--lr 0: want a positive"},
		{func(e *Experiment) { e.L = 256 }, "--L 256 needs about"},
		{func(e *Experiment) { e.Batch = 100_000_000 }, "--batch 100000000 needs about"},
		{func(e *Experiment) { e.Samples = 1_000_000_000 }, "--samples 1000000000 needs about"},
		{func(e *Experiment) { e.Samples, e.LocalMoves = 1_000_000, 1000 }, "--samples 1000000 means"},
		{func(e *Experiment) { e.Hidden = 1 << 20 }, "--hidden 1048576: want 1 to 4096"},
	}
	for _, c := range cases {
		e := Default()
		c.mod(&e)
		err := e.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
		if _, err := e.Run(context.Background(), nil); err == nil {
			t.Errorf("Run accepted what Validate rejects (%q)", c.want)
		}
	}
	s := DefaultChainStudy()
	for _, c := range []struct {
		mod  func(*ChainStudy)
		want string
	}{
		{func(s *ChainStudy) { s.Lengths = nil }, "want at least one of each"},
		{func(s *ChainStudy) { s.LocalMoves = []int{0, -1} }, "local moves -1: want at least 0"},
		{func(s *ChainStudy) { s.Lengths = []int{16, 1} }, "chain length 1: want at least 2"},
		{func(s *ChainStudy) { s.Flow.Samples = 0 }, "samples 0: want at least 64"},
	} {
		st := s
		c.mod(&st)
		if err := st.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("chain study: error %v, want one containing %q", err, c.want)
		}
	}
}

// A short run saved to a folder resumes there (its history continues, the
// hook sees the steps with the run's total), its report survives a JSON
// round trip, and a chain study on the saved flow trains nothing more.
func TestExperimentResumesAndStudies(t *testing.T) {
	b, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := Default()
	e.Batch, e.Epochs, e.Samples, e.Levels, e.KeepFreeEnergies = 32, 3, 64, 1, true
	e.Out = t.TempDir() + "/run"
	var seen []progress.Step
	e.OnStep = func(s progress.Step) error { seen = append(seen, s); return nil }
	r, err := e.Run(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.History) != 3 || len(seen) != 3 || seen[2].Step != 3 || seen[2].Total != 3 || len(r.Levels) != 1 || len(r.FreeEnergies) != 64 {
		t.Fatalf("history %d, hook steps %+v, levels %d, free energies %d", len(r.History), seen, len(r.Levels), len(r.FreeEnergies))
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js, &back); err != nil || back.Loss != r.Loss || len(back.History) != 3 || back.Levels[0][0].Name != r.Levels[0][0].Name {
		t.Fatalf("JSON round trip: %v, %+v", err, back)
	}
	seen = nil
	e.Epochs = 5
	if r, err = e.Run(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if len(r.History) != 5 || len(seen) != 2 || seen[0].Step != 4 || seen[1].Total != 5 {
		t.Fatalf("resumed: history %d, hook steps %+v", len(r.History), seen)
	}
	seen = nil
	s := ChainStudy{Flow: e, LocalMoves: []int{0, 2}, Lengths: []int{4, 8}}
	cr, err := s.Run(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 0 || len(cr.Samplers) != 2 || len(cr.Samplers[1].Runs) != 2 || cr.Samplers[1].Longest().Config.Steps != 8 || cr.Reference.EnergyPerSite == 0 {
		t.Fatalf("chain study: %d training steps, report %+v", len(seen), cr)
	}
	if !strings.Contains(cr.Table(), "hybrid, 2 Gibbs moves per proposal") {
		t.Errorf("table:\n%s", cr.Table())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e.Out, e.Epochs = "", 2
	if _, err := e.Run(ctx, b); err == nil {
		t.Error("a cancelled context did not stop the run")
	}
}
