package hnet

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/progress"
)

// Every bad parameter is caught by Validate, with the valid range in the message.
func TestTrainExperimentValidate(t *testing.T) {
	if err := DefaultTrain().Validate(); err != nil {
		t.Errorf("DefaultTrain: %v", err)
	}
	for want, mod := range map[string]func(*TrainExperiment){
		"--k 5: want 1..4":               func(e *TrainExperiment) { e.Degree = 5 },
		"--psi-batch 0: want at least 1": func(e *TrainExperiment) { e.PsiBatch = 0 },
		"points 5 per modulus":           func(e *TrainExperiment) { e.Points = 5 },
		"--psi-radius -1":                func(e *TrainExperiment) { e.PsiRadius = -1 },
		"--lr 0":                         func(e *TrainExperiment) { e.LearningRate = 0 },
		// 10⁸ points x 4 moduli x (256 + 8·35²) bytes: about 4 TB.
		"--points 100000000 needs about":  func(e *TrainExperiment) { e.Points = 100_000_000 },
		"init fluctuation -1":             func(e *TrainExperiment) { e.InitFluctuation = -1 },
		"hidden width 0: want at least 1": func(e *TrainExperiment) { e.Hidden = []int{100, 0} },
		"--steps 0: want 1 to 10000000":   func(e *TrainExperiment) { e.Steps = 0 },
		"--grid-points 10 are too few":    func(e *TrainExperiment) { e.GridPoints = 10 },
		"grid every -1":                   func(e *TrainExperiment) { e.GridEvery = -1 },
	} {
		e := DefaultTrain()
		mod(&e)
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v", want, err)
		}
		if _, err := e.Run(context.Background(), backend.Must()); err == nil {
			t.Errorf("%q: Run accepted it", want)
		}
	}
}

// A short run reports every step to the hook, keeps the σ grids and
// snapshots, and its report survives a JSON round trip (the notebook caches it).
func TestTrainExperiment(t *testing.T) {
	e := DefaultTrain()
	e.Degree, e.Steps, e.GridPoints, e.GridEvery = 1, 3, 60, 1
	var steps []progress.Step
	e.OnStep = func(s progress.Step) error { steps = append(steps, s); return nil }
	r, err := e.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || steps[2].Total != 3 || steps[2].Loss != r.LossPerStep[2] || len(r.Snapshots) != 2 ||
		len(r.SigmaGridAfter) != 5 || len(r.SigmaGridAfter[0]) != 10 || len(r.SigmaAfter) != 5 || r.Sections != 5 || r.Backend == "" {
		t.Errorf("steps %+v\nreport %+v", steps, r)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back TrainReport
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(*r, back) {
		t.Errorf("JSON round trip: %v", err)
	}
	if f := SigmaFigure("σ", r.Radii, r.SigmaGridAfter); f.Err() != nil {
		t.Error(f.Err())
	}
}

// AbsMatrix measures the distance from the identity (hand-computed 2x2 example).
func TestAbsMatrix(t *testing.T) {
	abs, diag, off := AbsMatrix([]complex128{1.5, 3 + 4i, 0, 1}, 2)
	if abs[0][1] != 5 || diag != 0.5 || off != 5 {
		t.Errorf("abs %v, diag %g, off %g", abs, diag, off)
	}
}
