package main

// Commands of the holographic-metric walkthrough (arXiv:1802.08313): learn the
// metric function H(η) of an AdS black hole from labelled boundary data.

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/holography"
	"github.com/physnb/physnb/lib/holography/blackhole"
	"github.com/physnb/physnb/lib/plots"
)

func init() {
	register(command{name: "holography", summary: "learn an AdS black-hole metric H(η) from boundary data (train)", run: runHolography})
	bench.Register(bench.Workload{
		Name:        "holography-train-step",
		Description: "Adam steps of the holographic scalar-field network (10 RK4 layers, walkthrough ansatz, batch 1000, float64)",
		Unit:        "steps/s",
		Run:         benchHolographyStep,
	})
}

type holographyReport struct {
	Metric         string  `json:"metric"`
	Charge         float64 `json:"charge"`
	Param          string  `json:"parameterisation"`
	Start          string  `json:"start"`
	K              int     `json:"ansatz_k,omitempty"`
	Layers         int     `json:"layers"`
	Epochs         int     `json:"epochs"`
	PerClass       int     `json:"samples_per_class"`
	Seed           uint64  `json:"seed"`
	TrainLoss      float64 `json:"train_loss"`
	TrainAccuracy  float64 `json:"train_accuracy"`
	TestAccuracy   float64 `json:"test_accuracy"`
	TrueAccuracy   float64 `json:"true_metric_test_accuracy"`
	HRelErrRMS     float64 `json:"h_rel_err_rms"`
	HRelErrMax     float64 `json:"h_rel_err_max"`
	HRelErrRMSInit float64 `json:"h_rel_err_rms_initial"`
	// HDistSchwarzschild is the RMS relative distance of the learned H from
	// Schwarzschild's: against h_rel_err_rms it tells whether rn data were
	// told apart from the uncharged metric.
	HDistSchwarzschild float64   `json:"h_dist_schwarzschild_rms,omitempty"`
	Params             []float64 `json:"params"`
	Steps              int       `json:"steps"`
	StepsPerSecond     float64   `json:"steps_per_second"`
	Seconds            float64   `json:"seconds"`
	Backend            string    `json:"backend"`
}

func runHolography(args []string) error {
	if len(args) > 0 && args[0] == "qcd" {
		return runHolographyQCD(args[1:])
	}
	if len(args) == 0 || args[0] != "train" {
		return fmt.Errorf("usage: physnb holography train|qcd [flags] (see physnb holography train -h)")
	}
	fs := flag.NewFlagSet("holography train", flag.ContinueOnError)
	metric := fs.String("metric", "schwarzschild", "true background: schwarzschild or rn")
	charge := fs.Float64("charge", 0.9, "charge Q of the rn background, in [0, √3)")
	param := fs.String("param", "ansatz", "learnable metric: ansatz (walkthrough), series (horizon series 1/η + a₁η + a₂η³ + …) or perlayer (paper)")
	startMode := fs.String("start", "grid", "ansatz start: grid (scan the training loss, then refine) or random (the walkthrough's gradient training)")
	kCoef := fs.Int("k", 0, "coefficients K: ansatz 2 (the walkthrough's) or 3 (default; grid start supports 2 or 3), series ≥ 2 (default 2)")
	layers := fs.Int("layers", 10, "number of RK4 layers")
	etaUV := fs.Float64("eta-uv", 1, "boundary-side cut-off η_UV")
	etaIR := fs.Float64("eta-ir", 0.1, "horizon-side cut-off η_IR (< η_UV)")
	epochs := fs.Int("epochs", 100, "training epochs")
	perClass := fs.Int("n", 1000, "samples per class (positive and negative)")
	seed := fs.Uint64("seed", 1, "seed for data, initial metric and batches")
	quick := fs.Bool("quick", false, "small run (200 per class, 20 epochs)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	out := fs.String("out", "", "directory for the figures (SVG)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var bh *blackhole.Background
	switch *metric {
	case "schwarzschild":
		bh = blackhole.Schwarzschild()
	case "rn":
		var err error
		if bh, err = blackhole.New(*charge); err != nil {
			return err
		}
	default:
		return fmt.Errorf("--metric %q: use schwarzschild or rn", *metric)
	}
	cfg := holography.DefaultConfig()
	cfg.Layers, cfg.EtaUV, cfg.EtaIR = *layers, *etaUV, *etaIR
	if err := cfg.Validate(); err != nil {
		return err
	}
	var m holography.Metric
	switch *param {
	case "ansatz":
		a := holography.NewAnsatz()
		a.K = defaultK(*kCoef, 3)
		m, *kCoef = a, a.K
	case "series":
		s := holography.NewHorizonSeries(defaultK(*kCoef, 2))
		m, *kCoef = s, s.K
	case "perlayer":
		m = holography.NewPerLayer()
	default:
		return fmt.Errorf("--param %q: use ansatz, series or perlayer", *param)
	}
	tr := holography.DefaultTraining()
	tr.Epochs, tr.Seed, tr.Progress = *epochs, *seed, "holography"
	if *quick {
		*perClass, tr.Epochs = 200, 20
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	start := time.Now()
	data, err := holography.Generate(cfg, bh, *perClass, *seed)
	if err != nil {
		return err
	}
	trainSet, testSet := data.Split(0.8)
	// Error of the initial metric, for "did it move toward the truth".
	net0, err := holography.NewNetwork(cfg, m, tr.Seed)
	if err != nil {
		return err
	}
	r0 := &holography.Result{}
	if err := net0.Evaluate(b, r0, trainSet, nil, bh); err != nil {
		return err
	}
	var res *holography.Result
	switch {
	case *startMode == "grid" && *param == "ansatz":
		res, err = holography.TrainFromLandscape(b, cfg, *kCoef, trainSet, testSet, tr, bh)
	case *startMode == "grid" && *param == "series":
		res, err = holography.FitHorizonSeries(b, cfg, *kCoef, trainSet, testSet, tr, bh)
	case *startMode == "random" || *param == "perlayer":
		*startMode = "random"
		if *param == "perlayer" {
			*kCoef = 0
		}
		res, _, err = holography.Train(b, cfg, m, trainSet, testSet, tr, bh)
	default:
		return fmt.Errorf("--start %q: use grid or random", *startMode)
	}
	if err != nil {
		return err
	}
	rep := holographyReport{
		Metric: *metric, Charge: bh.Q, Param: *param, Start: *startMode, K: *kCoef, Layers: cfg.Layers, Epochs: tr.Epochs,
		PerClass: *perClass, Seed: *seed,
		TrainLoss: res.EpochLoss[len(res.EpochLoss)-1], TrainAccuracy: res.TrainAccuracy, TestAccuracy: res.TestAccuracy,
		TrueAccuracy: holography.Accuracy(cfg, holography.TrueProfile(cfg, bh), testSet),
		HRelErrRMS:   res.RelErrRMS, HRelErrMax: res.RelErrMax, HRelErrRMSInit: r0.RelErrRMS,
		HDistSchwarzschild: schwarzschildDistance(*param, res),
		Params:             res.Params, Steps: res.Steps, StepsPerSecond: res.StepsPerSecond,
		Seconds: time.Since(start).Seconds(), Backend: backend.Describe(b),
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		figs := map[string]plots.Drawer{
			"holography-data.svg":    holography.DataFigure("Boundary data labelled by the true metric", data),
			"holography-loss.svg":    holography.LossFigure("Training loss", map[string]*holography.Result{*param: res}),
			"holography-learned.svg": holography.LearnedFigure("Learned metric", res, cfg, bh, blackhole.Schwarzschild()),
		}
		for name, f := range figs {
			if err := plots.Save(f, filepath.Join(*out, name)); err != nil {
				return err
			}
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		return enc.Encode(rep)
	}
	fmt.Printf("holography: %s (Q=%g), %s (start %s), %d layers, %d epochs, %d per class\n", rep.Metric, rep.Charge, rep.Param, rep.Start, rep.Layers, rep.Epochs, rep.PerClass)
	fmt.Printf("  train loss %.4g, accuracy train %.3f / test %.3f (true metric: %.3f)\n", rep.TrainLoss, rep.TrainAccuracy, rep.TestAccuracy, rep.TrueAccuracy)
	fmt.Printf("  H relative error: RMS %.2f%% (initial %.2f%%), max %.2f%%; RMS distance from Schwarzschild %.2f%%\n", 100*rep.HRelErrRMS, 100*rep.HRelErrRMSInit, 100*rep.HRelErrMax, 100*rep.HDistSchwarzschild)
	fmt.Printf("  params %.4g\n  %d steps, %.1f steps/s, %.1f s on %s\n", rep.Params, rep.Steps, rep.StepsPerSecond, rep.Seconds, rep.Backend)
	return nil
}

// defaultK returns k, or def when k is 0 (flag not given).
func defaultK(k, def int) int {
	if k == 0 {
		return def
	}
	return k
}

// schwarzschildDistance is the RMS relative distance of a learned curve from
// Schwarzschild's H; 0 for the per-layer metric, whose curve is compared with
// layer averages instead.
func schwarzschildDistance(param string, res *holography.Result) float64 {
	if param == "perlayer" {
		return 0
	}
	d, _ := holography.RelErr(res.H, blackhole.Schwarzschild().H(res.Etas))
	return d
}

func benchHolographyStep(b compute.Backend, quick bool) (bench.Result, error) {
	cfg := holography.DefaultConfig()
	net, err := holography.NewNetwork(cfg, holography.NewAnsatz(), 1)
	if err != nil {
		return bench.Result{}, err
	}
	step, err := net.TrainStep(b, 1e-3)
	if err != nil {
		return bench.Result{}, err
	}
	const batch = 1000
	phi, pi, y := make([]float64, batch), make([]float64, batch), make([]float64, batch)
	for i := range phi {
		phi[i], pi[i], y[i] = 1.7*float64(i)/batch, 0.9*float64(i%37)/37-0.2, float64(i%2)
	}
	if _, err := step.Exec(phi, pi, y, 0.03); err != nil { // compile
		return bench.Result{}, err
	}
	iters, secs, err := bench.Repeat(bench.Budget(quick), 3, func() error {
		_, err := step.Exec(phi, pi, y, 0.03)
		return err
	})
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(iters) / secs, Iterations: iters, Seconds: secs}, nil
}

type holographyQCDReport struct {
	Epochs     int     `json:"epochs"`
	PerClass   int     `json:"samples_per_class"`
	Seed       uint64  `json:"seed"`
	InitRadius float64 `json:"initial_radius_gev_inv"`
	Search     int     `json:"search_trials"`
	// SearchAccuracy is the training accuracy of the searched start (-1 without search).
	SearchAccuracy float64   `json:"search_train_accuracy"`
	TrainLoss      float64   `json:"train_loss"`
	TrainAccuracy  float64   `json:"train_accuracy"`
	TestAccuracy   float64   `json:"test_accuracy"`
	Lambda         float64   `json:"lambda"`
	Radius         float64   `json:"radius_gev_inv"`
	H              []float64 `json:"h"`
	Seconds        float64   `json:"seconds"`
	Backend        string    `json:"backend"`
}

// runHolographyQCD trains the holographic QCD network (arXiv:1809.10536) on
// the lattice chiral-condensate data.
func runHolographyQCD(args []string) error {
	fs := flag.NewFlagSet("holography qcd", flag.ContinueOnError)
	epochs := fs.Int("epochs", 100, "training epochs")
	perClass := fs.Int("n", 1000, "samples per class")
	seed := fs.Uint64("seed", 1, "seed for data, initial metric and batches")
	radius := fs.Float64("radius", 0.8, "initial AdS radius L in GeV⁻¹ (the paper's code: 0.8)")
	lr := fs.Float64("lr", 0.01, "Adam step")
	search := fs.Int("search", 0, "random smooth metrics to try for the start (SearchQCDStart; 0: the paper's start H ≈ 4)")
	devStart := fs.Float64("dev-start", 0, "anneal the final layer's edge width from this value down to 0.01 (0: fixed 0.01)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := holography.DefaultQCDConfig()
	lat, err := holography.LoadQCDLattice()
	if err != nil {
		return err
	}
	curve, _, err := lat.Fit(3)
	if err != nil {
		return err
	}
	data, err := holography.GenerateQCD(cfg, curve, *perClass, *seed)
	if err != nil {
		return err
	}
	trainSet, testSet := data.Split(0.8)
	tr := holography.DefaultQCDTraining()
	tr.Epochs, tr.Seed, tr.InitRadius, tr.LearningRate, tr.DevStart = *epochs, *seed, *radius, *lr, *devStart
	b, err := backend.Default()
	if err != nil {
		return err
	}
	start := time.Now()
	searched := -1.0
	if *search > 0 {
		st, err := holography.SearchQCDStart(cfg, trainSet, *search, *seed)
		if err != nil {
			return err
		}
		tr.StartH, tr.InitRadius, tr.InitLambda, searched = st.H, st.Radius, st.Lambda, st.Accuracy
	}
	res, _, err := holography.TrainQCD(b, cfg, tr, trainSet, testSet)
	if err != nil {
		return err
	}
	rep := holographyQCDReport{Epochs: tr.Epochs, PerClass: *perClass, Seed: *seed, InitRadius: tr.InitRadius, Search: *search, SearchAccuracy: searched,
		TrainLoss: res.EpochLoss[len(res.EpochLoss)-1], TrainAccuracy: res.TrainAccuracy, TestAccuracy: res.TestAccuracy,
		Lambda: res.Lambda, Radius: res.Radius, H: res.H, Seconds: time.Since(start).Seconds(), Backend: backend.Describe(b)}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(rep)
	}
	fmt.Printf("holography qcd: %d epochs, %d per class: loss %.4g, accuracy train %.3f / test %.3f\n", rep.Epochs, rep.PerClass, rep.TrainLoss, rep.TrainAccuracy, rep.TestAccuracy)
	fmt.Printf("  λ = %.4g, L = %.4g GeV⁻¹, H per layer %.3g\n  %.1f s on %s\n", rep.Lambda, rep.Radius, rep.H, rep.Seconds, rep.Backend)
	return nil
}
