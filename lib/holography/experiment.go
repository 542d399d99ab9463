package holography

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/holography/blackhole"
	"github.com/physnb/physnb/lib/plots"
	"github.com/physnb/physnb/lib/preflight"
	"github.com/physnb/physnb/lib/progress"
)

// Names of the true backgrounds, learnable metrics and training starts of a
// [TrainExperiment].
const (
	MetricSchwarzschild = "schwarzschild"
	MetricRN            = "rn" // Reissner–Nordström with charge Q

	ParamAnsatz   = "ansatz"   // the walkthrough's [Ansatz]
	ParamSeries   = "series"   // the [HorizonSeries] 1/η + a₁η + a₂η³ + …
	ParamPerLayer = "perlayer" // the paper's [PerLayer]

	StartGrid   = "grid"   // scan the training loss, then refine ([TrainFromLandscape], [FitHorizonSeries])
	StartRandom = "random" // the walkthrough's gradient training from a random metric ([Train])
)

// MinPerClass is the fewest samples per class a [TrainExperiment] accepts:
// 80% of 2×32 samples make one batch of 50 for training, the rest test.
const MinPerClass = 32

// TrainExperiment configures one run of the holographic-metric walkthrough:
// boundary data labelled by a true black-hole metric, a learnable metric
// trained on 80% of them, and the learned H(η) compared with the truth.
// The zero value is not useful: start from [DefaultTrain].
type TrainExperiment struct {
	Metric string  `json:"metric"` // true background: MetricSchwarzschild or MetricRN
	Charge float64 `json:"charge"` // Q of the rn background, in [0, √3) (unused for schwarzschild)
	Param  string  `json:"parameterisation"`
	// Start is StartGrid or StartRandom; the per-layer metric always starts
	// at random (its report says so).
	Start string `json:"start"`
	// K is the number of coefficients: ansatz 1…8 (grid start 2 or 3),
	// series 1…8 (grid start 2…8); 0 takes the parameterisation's default,
	// 3 for the ansatz and 2 for the series. The per-layer metric has none.
	K        int     `json:"ansatz_k"`
	Layers   int     `json:"layers"` // RK4 layers N
	EtaUV    float64 `json:"eta_uv"` // boundary-side cut-off η_UV
	EtaIR    float64 `json:"eta_ir"` // horizon-side cut-off η_IR, 0 < η_IR < η_UV
	Epochs   int     `json:"epochs"` // passes over the training set, mini-batches of 50
	PerClass int     `json:"samples_per_class"`
	Seed     uint64  `json:"seed"`      // initial metric and batch order
	DataSeed uint64  `json:"data_seed"` // boundary data
	// OnStep is called after every Adam step (see [Training].OnStep).
	OnStep progress.OnStepFn `json:"-"`
}

// DefaultTrain returns the command line's defaults: Schwarzschild data, the
// walkthrough's ansatz with K = 3 from the grid start, the paper's 10 layers
// from η = 1 to 0.1, 100 epochs, 1000 samples per class, seed 1. Charge 0.9
// (the walkthrough's) applies once Metric is MetricRN.
func DefaultTrain() TrainExperiment {
	cfg := DefaultConfig()
	return TrainExperiment{Metric: MetricSchwarzschild, Charge: 0.9, Param: ParamAnsatz, Start: StartGrid,
		Layers: cfg.Layers, EtaUV: cfg.EtaUV, EtaIR: cfg.EtaIR, Epochs: 100, PerClass: 1000, Seed: 1, DataSeed: 1}
}

// Quick returns e with the sizes of a quick run: 200 samples per class, 20 epochs.
func (e TrainExperiment) Quick() TrainExperiment {
	e.PerClass, e.Epochs = 200, 20
	return e
}

// Validate reports the first parameter outside its valid range.
func (e TrainExperiment) Validate() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case e.Metric != MetricSchwarzschild && e.Metric != MetricRN:
		return fmt.Errorf("holography: --metric %q: use %s or %s", e.Metric, MetricSchwarzschild, MetricRN)
	case e.Metric == MetricRN && !(e.Charge >= 0 && e.Charge < blackhole.ExtremalCharge):
		return fmt.Errorf("holography: --charge %g: want Q in [0, √3=%.4f)", e.Charge, blackhole.ExtremalCharge)
	case e.Param != ParamAnsatz && e.Param != ParamSeries && e.Param != ParamPerLayer:
		return fmt.Errorf("holography: --param %q: use ansatz, series or perlayer", e.Param)
	case e.Start != StartGrid && e.Start != StartRandom:
		return fmt.Errorf("holography: --start %q: use grid or random", e.Start)
	case e.Layers < 1 || e.Layers > MaxLayers:
		return fmt.Errorf("holography: --layers %d: want 1 to %d RK4 layers", e.Layers, MaxLayers)
	case !finite(e.EtaUV) || !finite(e.EtaIR) || !(e.EtaUV > e.EtaIR && e.EtaIR > 0):
		return fmt.Errorf("holography: --eta-uv %g --eta-ir %g: cut-offs out of order, want η_UV > η_IR > 0 (boundary above horizon)", e.EtaUV, e.EtaIR)
	case e.Epochs < 1:
		return fmt.Errorf("holography: --epochs %d: want at least 1", e.Epochs)
	case e.PerClass < MinPerClass:
		return fmt.Errorf("holography: --n %d samples per class: want at least %d (one training batch of 50)", e.PerClass, MinPerClass)
	}
	k, start := e.k(), e.start()
	switch {
	case e.Param == ParamAnsatz && start == StartGrid && k != 2 && k != 3:
		return fmt.Errorf("holography: --k %d for the ansatz from the grid start: want K = 2 or 3", k)
	case e.Param == ParamSeries && start == StartGrid && (k < 2 || k > 8):
		return fmt.Errorf("holography: --k %d for the series from the grid start: want 2 ≤ K ≤ 8", k)
	case e.Param != ParamPerLayer && (k < 1 || k > 8):
		return fmt.Errorf("holography: --k %d for the %s: want 1 ≤ K ≤ 8", k, e.Param)
	}
	return budget(e.PerClass, e.Epochs, 50)
}

// MaxLayers is the most RK4 layers a network may have (the paper's has 10):
// the graph grows with every layer and compiles for minutes beyond.
const MaxLayers = 1000

// Rough sizes for budget: the data and their per-sample arrays, and the
// most Adam steps a run may take (about three hours at 1000 steps/s).
const (
	bytesPerSample = 1 << 10
	maxSteps       = 1e7
)

// budget refuses data sets beyond the machine's memory and runs of more
// than maxSteps Adam steps (80% of the 2·perClass samples train, in batches
// of batch), naming the flag to lower.
func budget(perClass, epochs, batch int) error {
	if err := preflight.CheckMemory("holography", "--n", perClass, func(n int) float64 {
		return 2 * float64(n) * bytesPerSample
	}); err != nil {
		return err
	}
	steps := func(n, ep int) float64 { return float64(ep) * math.Ceil(1.6*float64(n)/float64(batch)) }
	if steps(1, epochs) > maxSteps { // too many epochs whatever the data
		return preflight.CheckSteps("holography", "--epochs", epochs, "Adam steps", func(ep int) float64 { return steps(perClass, ep) }, maxSteps)
	}
	if err := preflight.CheckSteps("holography", "--n", perClass, "Adam steps", func(n int) float64 { return steps(n, epochs) }, maxSteps); err != nil {
		return err
	}
	return preflight.CheckSteps("holography", "--epochs", epochs, "Adam steps", func(ep int) float64 { return steps(perClass, ep) }, maxSteps)
}

// k is the number of coefficients the run uses (0 for the per-layer metric).
func (e TrainExperiment) k() int {
	switch {
	case e.Param == ParamPerLayer:
		return 0
	case e.K != 0:
		return e.K
	case e.Param == ParamSeries:
		return 2
	}
	return 3
}

// start is the start the run uses: the per-layer metric has no grid start.
func (e TrainExperiment) start() string {
	if e.Param == ParamPerLayer {
		return StartRandom
	}
	return e.Start
}

// Config returns the network's physics: [DefaultConfig] with e's layers and cut-offs.
func (e TrainExperiment) Config() Config {
	cfg := DefaultConfig()
	cfg.Layers, cfg.EtaUV, cfg.EtaIR = e.Layers, e.EtaUV, e.EtaIR
	return cfg
}

// Background returns the true metric that labels the data.
func (e TrainExperiment) Background() (*blackhole.Background, error) {
	if e.Metric == MetricRN {
		return blackhole.New(e.Charge)
	}
	return blackhole.Schwarzschild(), nil
}

// Data returns the labelled boundary data of the run (before the 80/20
// split), the same for every call.
func (e TrainExperiment) Data() (*Dataset, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	bh, err := e.Background()
	if err != nil {
		return nil, err
	}
	return Generate(e.Config(), bh, e.PerClass, e.DataSeed)
}

// learnable returns a fresh learnable metric of the experiment.
func (e TrainExperiment) learnable() Metric {
	switch e.Param {
	case ParamSeries:
		return NewHorizonSeries(e.k())
	case ParamPerLayer:
		return NewPerLayer()
	}
	a := NewAnsatz()
	a.K = e.k()
	return a
}

// TrainReport is what a [TrainExperiment] measured.
type TrainReport struct {
	Metric   string  `json:"metric"`
	Charge   float64 `json:"charge"` // Q of the true background (0 for schwarzschild)
	Param    string  `json:"parameterisation"`
	Start    string  `json:"start"` // the start used
	K        int     `json:"ansatz_k,omitempty"`
	Layers   int     `json:"layers"`
	Epochs   int     `json:"epochs"`
	PerClass int     `json:"samples_per_class"`
	Seed     uint64  `json:"seed"`
	DataSeed uint64  `json:"data_seed"`
	// MetricName describes the learnable metric ("ansatz K=3, η*=0.5").
	MetricName    string  `json:"metric_name"`
	TrainLoss     float64 `json:"train_loss"` // mean loss of the last epoch
	TrainAccuracy float64 `json:"train_accuracy"`
	TestAccuracy  float64 `json:"test_accuracy"`
	// TrueAccuracy is the test accuracy of the true metric's layers.
	TrueAccuracy float64 `json:"true_metric_test_accuracy"`
	HRelErrRMS   float64 `json:"h_rel_err_rms"` // RMS of H/H_true - 1 over Etas
	HRelErrMax   float64 `json:"h_rel_err_max"`
	// HRelErrRMSInit is the RMS error of the untrained metric: did training
	// move it toward the truth?
	HRelErrRMSInit float64 `json:"h_rel_err_rms_initial"`
	// HDistSchwarzschild is the RMS relative distance of the learned H from
	// Schwarzschild's: against h_rel_err_rms it tells whether rn data were
	// told apart from the uncharged metric (0 for the per-layer metric,
	// whose H is compared with layer averages instead).
	HDistSchwarzschild float64   `json:"h_dist_schwarzschild_rms,omitempty"`
	Params             []float64 `json:"params"`
	EpochLoss          []float64 `json:"epoch_loss"` // mean training loss per epoch
	// Etas, H and HTrue are the learned and the true metric where they are
	// compared (91 points, or the layers for the per-layer metric).
	Etas           []float64 `json:"etas"`
	H              []float64 `json:"h"`
	HTrue          []float64 `json:"h_true"`
	Steps          int       `json:"steps"`
	StepsPerSecond float64   `json:"steps_per_second"`
	Seconds        float64   `json:"seconds"` // the whole run, data generation included
	Backend        string    `json:"backend"`
}

// Result returns the report's run in the form the figure functions take.
func (r *TrainReport) Result() *Result {
	return &Result{Metric: r.MetricName, EpochLoss: r.EpochLoss, Etas: r.Etas, H: r.H, HTrue: r.HTrue,
		RelErrRMS: r.HRelErrRMS, RelErrMax: r.HRelErrMax, TrainAccuracy: r.TrainAccuracy, TestAccuracy: r.TestAccuracy,
		Params: r.Params, Steps: r.Steps, StepsPerSecond: r.StepsPerSecond}
}

// Run generates the data, measures the untrained metric, trains with the
// chosen start ([TrainFromLandscape] or [FitHorizonSeries] for the grid
// start, [Train] for the random one) and compares the learned H with the truth.
func (e TrainExperiment) Run(ctx context.Context, b compute.Backend) (*TrainReport, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	cfg := e.Config()
	bh, err := e.Background()
	if err != nil {
		return nil, err
	}
	data, err := Generate(cfg, bh, e.PerClass, e.DataSeed)
	if err != nil {
		return nil, err
	}
	trainSet, testSet := data.Split(0.8)
	m, k := e.learnable(), e.k()
	net0, err := NewNetwork(cfg, m, e.Seed)
	if err != nil {
		return nil, err
	}
	r0 := &Result{}
	if err := net0.Evaluate(b, r0, trainSet, nil, bh); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tr := DefaultTraining()
	tr.Epochs, tr.Seed = e.Epochs, e.Seed
	tr.OnStep = progress.Chain(func(progress.Step) error { return ctx.Err() }, e.OnStep)
	var res *Result
	switch {
	case e.start() == StartGrid && e.Param == ParamAnsatz:
		res, err = TrainFromLandscape(b, cfg, k, trainSet, testSet, tr, bh)
	case e.start() == StartGrid:
		res, err = FitHorizonSeries(b, cfg, k, trainSet, testSet, tr, bh)
	default:
		res, _, err = Train(b, cfg, m, trainSet, testSet, tr, bh)
	}
	if err != nil {
		return nil, err
	}
	rep := &TrainReport{Metric: e.Metric, Charge: bh.Q, Param: e.Param, Start: e.start(), K: k, Layers: cfg.Layers, Epochs: e.Epochs,
		PerClass: e.PerClass, Seed: e.Seed, DataSeed: e.DataSeed, MetricName: res.Metric,
		TrainLoss: res.EpochLoss[len(res.EpochLoss)-1], TrainAccuracy: res.TrainAccuracy, TestAccuracy: res.TestAccuracy,
		TrueAccuracy: Accuracy(cfg, TrueProfile(cfg, bh), testSet),
		HRelErrRMS:   res.RelErrRMS, HRelErrMax: res.RelErrMax, HRelErrRMSInit: r0.RelErrRMS,
		Params: res.Params, EpochLoss: res.EpochLoss, Etas: res.Etas, H: res.H, HTrue: res.HTrue,
		Steps: res.Steps, StepsPerSecond: res.StepsPerSecond, Backend: backend.Describe(b)}
	if e.Param != ParamPerLayer {
		rep.HDistSchwarzschild, _ = RelErr(res.H, blackhole.Schwarzschild().H(res.Etas))
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// MustRun is Run for notebook cells: it panics on an error.
func (e TrainExperiment) MustRun(ctx context.Context, b compute.Backend) *TrainReport {
	rep, err := e.Run(ctx, b)
	if err != nil {
		panic(err)
	}
	return rep
}

// Figures returns the run's figures by file name: the labelled data, the
// training loss and the learned metric (against the truth and Schwarzschild).
func (e TrainExperiment) Figures(rep *TrainReport) (map[string]plots.Drawer, error) {
	data, err := e.Data()
	if err != nil {
		return nil, err
	}
	bh, err := e.Background()
	if err != nil {
		return nil, err
	}
	res := rep.Result()
	return map[string]plots.Drawer{
		"holography-data.svg":    DataFigure("Boundary data labelled by the true metric", data),
		"holography-loss.svg":    LossFigure("Training loss", map[string]*Result{rep.Param: res}),
		"holography-learned.svg": LearnedFigure("Learned metric", res, e.Config(), bh, blackhole.Schwarzschild()),
	}, nil
}

// SaveFigures writes [TrainExperiment.Figures] as SVG files into dir.
func (e TrainExperiment) SaveFigures(dir string, rep *TrainReport) error {
	figs, err := e.Figures(rep)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(figs))
	for name := range figs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := plots.Save(figs[name], filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
