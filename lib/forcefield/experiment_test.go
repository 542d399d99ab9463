package forcefield

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/progress"
)

func TestExperimentValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default: %v", err)
	}
	if err := DefaultSeedStudy().Validate(); err != nil {
		t.Fatalf("DefaultSeedStudy: %v", err)
	}
	for _, tc := range []struct {
		mod  func(*SeedStudy)
		want string // the parameter and its valid range
	}{
		{func(s *SeedStudy) { s.Base.Descriptor = "coulomb" }, `descriptor "coulomb": want soap or sine`},
		{func(s *SeedStudy) { s.Base.Recipe = "fast" }, `recipe "fast": want robust or lesson`},
		{func(s *SeedStudy) { s.Base.Epochs = 0 }, "--epochs 0: want 1 to"},
		{func(s *SeedStudy) { s.Base.Box = 0 }, "--box 0 Å: want a finite side of at least 10 Å"},
		{func(s *SeedStudy) { s.Base.Box = 8 }, "at least 10 Å"},
		{func(s *SeedStudy) { s.Base.Box = math.NaN() }, "at least 10 Å"},
		{func(s *SeedStudy) { s.Base.Box = math.Inf(1) }, "finite side"},
		{func(s *SeedStudy) { s.Seeds = 0 }, "--n 0 seeds: want 1 to 10000"},
	} {
		s := DefaultSeedStudy()
		tc.mod(&s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SeedStudy.Validate: %v, want an error with %q", err, tc.want)
		}
		if s.Seeds >= 1 {
			if _, err := s.Base.Run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run: %v, want the Validate error %q before any work", err, tc.want)
			}
		}
	}
}

func TestExperimentRunReportsEveryEpochAndRoundTrips(t *testing.T) {
	// The robust recipe trains 4 initialisations of 5 epochs: 20 steps in
	// all, counted together, the last one with Step == Total.
	e := Default()
	e.Epochs, e.Seed = 5, 3
	var steps []progress.Step
	e.OnStep = func(s progress.Step) error { steps = append(steps, s); return nil }
	r, err := e.Run(context.Background(), backend.Must())
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 20 || steps[0].Step != 1 || steps[0].Total != 20 || steps[19].Step != 20 || steps[19].Total != 20 || steps[6].Epoch != 2 {
		t.Errorf("steps %+v", steps)
	}
	for i, s := range steps {
		if !s.EpochEnd || s.Metrics["valid_loss"] <= 0 || s.Loss <= 0 || (i > 0 && s.Step != steps[i-1].Step+1) {
			t.Errorf("step %d: %+v", i, s)
		}
	}
	if s := steps[5*r.Restart+4]; s.Loss != r.TrainLoss[4] || s.Metrics["valid_loss"] != r.ValidLoss[4] {
		t.Errorf("last step of the kept run %d: %+v, its losses %v %v", r.Restart, s, r.TrainLoss, r.ValidLoss)
	}
	if len(r.Distance) != LessonStructures || len(r.PredictedForce) != LessonStructures || r.Model == nil || r.TotalEpochs != 20 || !(r.BaselineEnergyMAE > r.EnergyMAE) {
		t.Errorf("report %+v", r)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, r) {
		t.Errorf("JSON round trip changed the report (%v)", err)
	}
	// A hook's error stops training and is returned.
	e.OnStep = func(s progress.Step) error {
		if s.Step == 3 {
			return context.Canceled
		}
		return nil
	}
	if _, err := e.Run(context.Background(), backend.Must()); err != context.Canceled {
		t.Errorf("hook error: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Run(ctx, backend.Must()); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("cancelled context: got %v", err)
	}
}

func TestSeedStudyStatistics(t *testing.T) {
	s := DefaultSeedStudy()
	s.Base.Recipe, s.Base.Epochs, s.Base.Seed, s.Seeds = "lesson", 4, 1, 3
	var last progress.Step
	n := 0
	s.OnStep = func(st progress.Step) error { last, n = st, n+1; return nil }
	r, err := s.Run(context.Background(), backend.Must())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Runs) != 3 || r.Runs[0].Seed != 1 || r.Runs[2].Seed != 3 || n != 12 || last.Step != 12 || last.Total != 12 {
		t.Fatalf("runs %d, seeds %d..%d, %d steps, last %+v", len(r.Runs), r.Runs[0].Seed, r.Runs[len(r.Runs)-1].Seed, n, last)
	}
	// Population statistics by hand.
	var mean, v float64
	for _, x := range r.Runs {
		mean += x.EnergyMAE / 3
	}
	for _, x := range r.Runs {
		v += (x.EnergyMAE - mean) * (x.EnergyMAE - mean) / 3
	}
	if math.Abs(r.EnergyMAE.Mean-mean) > 1e-15 || math.Abs(r.EnergyMAE.Std-math.Sqrt(v)) > 1e-15 || r.EnergyMAE.Min > r.EnergyMAE.Max {
		t.Errorf("energy stats %+v, want mean %g std %g", r.EnergyMAE, mean, math.Sqrt(v))
	}
	if !strings.Contains(r.Table("SOAP"), "seeds meet both targets") {
		t.Errorf("table:\n%s", r.Table("SOAP"))
	}
}

func TestOnStepEndsAtTotalWhenStoppedEarly(t *testing.T) {
	// With patience 0 the robust rule stops each initialisation at its first
	// epoch without a new best: the last step still has Step == Total, and the
	// next initialisation starts at k·MaxEpochs + 1.
	cfg := Robust()
	cfg.Patience, cfg.MaxEpochs, cfg.Restarts = 0, 200, 2
	var steps []progress.Step
	cfg.OnStep = func(s progress.Step) error { steps = append(steps, s); return nil }
	res, err := Train(backend.Must(), smallDataset(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	last := steps[len(steps)-1]
	if !res.EarlyStop || last.Step != last.Total || last.Step >= 400 || last.Step <= 200 || steps[0].Total != 400 {
		t.Errorf("early stop %v, steps %+v", res.EarlyStop, steps)
	}
	for _, s := range steps {
		if s.Epoch == 1 && s.Step != 1 && s.Step != 201 {
			t.Errorf("an initialisation starts at step %d", s.Step)
		}
	}
}
