package holography

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

// Every bad parameter is refused before any work, with the valid range in
// the message.
func TestTrainExperimentValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*TrainExperiment)
		want string
	}{
		{"metric", func(e *TrainExperiment) { e.Metric = "kerr" }, "use schwarzschild or rn"},
		{"charge", func(e *TrainExperiment) { e.Metric, e.Charge = MetricRN, 2 }, "want Q in [0, √3"},
		{"negative charge", func(e *TrainExperiment) { e.Metric, e.Charge = MetricRN, -0.1 }, "want Q in [0, √3"},
		{"param", func(e *TrainExperiment) { e.Param = "spline" }, "use ansatz, series or perlayer"},
		{"start", func(e *TrainExperiment) { e.Start = "warm" }, "use grid or random"},
		{"layers", func(e *TrainExperiment) { e.Layers = 0 }, "--layers 0: want 1 to 1000"},
		{"cut-offs", func(e *TrainExperiment) { e.EtaUV, e.EtaIR = 0.1, 1 }, "want η_UV > η_IR > 0"},
		{"horizon cut-off", func(e *TrainExperiment) { e.EtaIR = 0 }, "out of order"},
		{"NaN cut-off", func(e *TrainExperiment) { e.EtaUV = math.NaN() }, "out of order"},
		{"epochs", func(e *TrainExperiment) { e.Epochs = 0 }, "epochs 0: want at least 1"},
		{"samples", func(e *TrainExperiment) { e.PerClass = 10 }, "want at least 32"},
		{"ansatz K, grid", func(e *TrainExperiment) { e.K = 4 }, "want K = 2 or 3"},
		{"ansatz K, random", func(e *TrainExperiment) { e.Start, e.K = StartRandom, 9 }, "want 1 ≤ K ≤ 8"},
		{"series K, grid", func(e *TrainExperiment) { e.Param, e.K = ParamSeries, 1 }, "want 2 ≤ K ≤ 8"},
		{"series K, random", func(e *TrainExperiment) { e.Param, e.Start, e.K = ParamSeries, StartRandom, -1 }, "want 1 ≤ K ≤ 8"},
		{"too many layers", func(e *TrainExperiment) { e.Layers = 100_000_000 }, "--layers 100000000: want 1 to 1000"},
		// 2·10⁸ samples of about 1 kB: beyond any machine of today.
		{"data beyond memory", func(e *TrainExperiment) { e.PerClass = 100_000_000 }, "--n 100000000 needs about 190.7 GB"},
		// 100 epochs x ceil(1.6·10⁶/50) = 3.2·10⁶ steps fit; 10⁴ epochs do not.
		{"steps", func(e *TrainExperiment) { e.PerClass, e.Epochs = 1_000_000, 10000 }, "--n 1000000 means 320 million Adam steps"},
	}
	for _, c := range cases {
		e := DefaultTrain()
		c.edit(&e)
		err := e.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if _, runErr := e.Run(context.Background(), nil); runErr == nil || runErr.Error() != err.Error() {
			t.Errorf("%s: Run must refuse before any work with Validate's error, got %v", c.name, runErr)
		}
	}
	for _, e := range []TrainExperiment{DefaultTrain(), DefaultTrain().Quick()} {
		if err := e.Validate(); err != nil {
			t.Errorf("defaults: %v", err)
		}
	}
	ok := DefaultTrain()
	ok.Param, ok.K = ParamPerLayer, 99 // the per-layer metric has no coefficients: K is unused
	if err := ok.Validate(); err != nil {
		t.Errorf("perlayer: %v", err)
	}
}

func TestQCDExperimentValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*QCDExperiment)
		want string
	}{
		{"epochs", func(e *QCDExperiment) { e.Epochs = 0 }, "want at least 1"},
		{"samples", func(e *QCDExperiment) { e.PerClass = 62 }, "want at least 63"},
		{"radius", func(e *QCDExperiment) { e.InitRadius = 0 }, "--radius 0: want an initial AdS radius L > 0"},
		{"learning rate", func(e *QCDExperiment) { e.LearningRate = math.Inf(1) }, "--lr +Inf: want a finite learning rate > 0"},
		{"data beyond memory", func(e *QCDExperiment) { e.PerClass = 100_000_000 }, "--n 100000000 needs about"},
		{"search", func(e *QCDExperiment) { e.Search = 3 }, "at least 8"},
		{"negative search", func(e *QCDExperiment) { e.Search = -1 }, "want 0 (no search)"},
		{"dev start", func(e *QCDExperiment) { e.DevStart = -1 }, "want 0 (off)"},
	}
	for _, c := range cases {
		e := DefaultQCD()
		c.edit(&e)
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if err := DefaultQCD().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestStudiesValidate(t *testing.T) {
	cs := DefaultChargeStudy()
	cs.Charges = []float64{0, 2}
	if err := cs.Validate(); err == nil || !strings.Contains(err.Error(), "want Q in") {
		t.Errorf("charge 2: %v", err)
	}
	cs.DataSets = 0
	if err := cs.Validate(); err == nil || !strings.Contains(err.Error(), "want at least 1") {
		t.Errorf("no data sets: %v", err)
	}
	ss := DefaultSeedStudy()
	ss.Ks = []int{2, 5}
	if err := ss.Validate(); err == nil || !strings.Contains(err.Error(), "K = 2 or 3") {
		t.Errorf("K=5 grid: %v", err)
	}
	if err := DefaultSeedStudy().Validate(); err != nil {
		t.Errorf("default seed study: %v", err)
	}
}

// A tiny run end to end: the report is complete, the hook sees every step,
// the metric moves toward the truth, the report survives a JSON round trip,
// and a cancelled context stops the run.
func TestTrainExperimentRunSmall(t *testing.T) {
	e := DefaultTrain()
	e.Param, e.PerClass, e.Epochs, e.Seed, e.DataSeed = ParamSeries, 100, 2, 3, 3
	var steps []progress.Step
	e.OnStep = func(s progress.Step) error { steps = append(steps, s); return nil }
	rep, err := e.Run(context.Background(), backend.Must())
	if err != nil {
		t.Fatal(err)
	}
	// 160 training samples, batches of 50: 3 steps per epoch.
	if rep.Steps != 6 || len(steps) != 6 || steps[5].Step != 6 || steps[5].Total != 6 || !steps[2].EpochEnd || steps[3].Epoch != 2 {
		t.Errorf("steps: report %d, hook %+v", rep.Steps, steps)
	}
	if rep.K != 2 || rep.Start != StartGrid || len(rep.EpochLoss) != 2 || len(rep.H) != 91 || len(rep.Params) != 2 {
		t.Errorf("report: K %d, start %s, %d epoch losses, %d H values, params %v", rep.K, rep.Start, len(rep.EpochLoss), len(rep.H), rep.Params)
	}
	if !(rep.HRelErrRMS < rep.HRelErrRMSInit) || rep.TrueAccuracy != 1 {
		t.Errorf("H error %.4f from %.4f initially; true-metric accuracy %g (want 1)", rep.HRelErrRMS, rep.HRelErrRMSInit, rep.TrueAccuracy)
	}
	buf, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back TrainReport
	if err := json.Unmarshal(buf, &back); err != nil || !reflect.DeepEqual(&back, rep) {
		t.Errorf("JSON round trip: %v\n%+v\n%+v", err, back, *rep)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Run(ctx, backend.Must()); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("cancelled run: %v", err)
	}
	figs, err := e.Figures(rep)
	if err != nil || len(figs) != 3 {
		t.Errorf("figures: %d, %v", len(figs), err)
	}
}
