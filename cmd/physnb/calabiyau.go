package main

// Commands of the Calabi-Yau metrics walkthrough (notebooks/calabi-yau-metrics.ipynb):
// the σ accuracy of an algebraic metric on a quintic, Donaldson's T-operator
// iteration, and training the moduli network ψ → H(ψ).
//
//	physnb calabiyau sigma --family dwork --psi 10+3i --k 4 --points 20000 [--balanced-iterations 15]
//	physnb calabiyau donaldson --family dwork --psi 10+3i --k 4 --iterations 15 --points 20000
//	physnb calabiyau train --steps 500
//
// "cy" is an alias of "calabiyau".

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/calabiyau"
	"github.com/physnb/physnb/lib/calabiyau/hnet"
	"github.com/physnb/physnb/lib/progress"
)

func init() {
	register(command{name: "calabiyau", summary: "Calabi-Yau metrics on quintics: sigma accuracy, Donaldson's algorithm, moduli network (sigma, donaldson, train)", run: runCalabiYau})
	register(command{name: "cy", summary: "alias of calabiyau", run: runCalabiYau})
	bench.Register(bench.Workload{
		Name:        "cy-donaldson-step",
		Description: "Donaldson T-operator step on the Dwork quintic psi=10+3i, degree 4 (70 sections), 20000 fresh points (host, complex128); cyjax on an H100: 1.9 s",
		Unit:        "steps/s",
		Run:         cyBenchDonaldson,
	})
	bench.Register(bench.Workload{
		Name:        "cy-sigma",
		Description: "sigma accuracy at degree 3 (35 sections, full basis) on 100000 fresh points of the Dwork quintic psi=10+3i (host, complex128); cyjax on an H100: 9.8 s",
		Unit:        "points/s",
		Run:         cyBenchSigma,
	})
	bench.Register(bench.Workload{
		Name:        "cy-sigma-graph",
		Description: "sigma accuracy as cy-sigma, with eta from the GoMLX graph on the selected backend (host sampling and sections included); the path for XLA/CUDA",
		Unit:        "points/s",
		Run:         cyBenchSigmaGraph,
	})
	bench.Register(bench.Workload{
		Name:        "cy-train-step",
		Description: "moduli network training step (k=3, 4 psi x 100 fresh points, eta-variance loss through the in-graph complex determinant, Adam)",
		Unit:        "steps/s",
		Run:         cyBenchTrain,
	})
}

func runCalabiYau(args []string) error {
	sub, rest, err := splitSub("calabiyau", args, "sigma", "donaldson", "train")
	if err != nil {
		return err
	}
	switch sub {
	case "sigma":
		return cySigma(rest)
	case "donaldson":
		return cyDonaldson(rest)
	default:
		return cyTrain(rest)
	}
}

// cyVariety parses --family and --psi.
func cyVariety(family, psi string) (*calabiyau.Quintic, error) {
	z, err := calabiyau.ParsePsi(psi)
	if err != nil {
		return nil, err
	}
	return calabiyau.NewQuintic(family, z)
}

// cyGeometryFlags are the flags `sigma` and `donaldson` share: the variety,
// the sections and the random seed.
type cyGeometryFlags struct {
	family, psi *string
	k           *int
	seed        *uint64
	symmetric   *bool
	asJSON      *bool
}

func addCYGeometryFlags(fs *flag.FlagSet, defaultK int) *cyGeometryFlags {
	return &cyGeometryFlags{
		family:    fs.String("family", "dwork", "fermat or dwork"),
		psi:       fs.String("psi", "10+3i", "Dwork modulus, e.g. 10+3i (must be 0 for fermat)"),
		k:         fs.Int("k", defaultK, "degree of the monomial sections (reduced basis from k = 5)"),
		seed:      fs.Uint64("seed", 1, "random seed"),
		symmetric: fs.Bool("symmetric", false, "restrict H to the quintic's permutation and phase symmetries in Donaldson iterations"),
		asJSON:    fs.Bool("json", false, "print one JSON object"),
	}
}

// setup builds the variety and its basis of sections from the flags.
func (f *cyGeometryFlags) setup() (*calabiyau.Quintic, *calabiyau.MonomialBasis, error) {
	q, err := cyVariety(*f.family, *f.psi)
	if err != nil {
		return nil, nil, err
	}
	b, err := calabiyau.NewReducedBasis(*f.k)
	return q, b, err
}

// cySigmaReport is the JSON of `physnb calabiyau sigma`.
type cySigmaReport struct {
	Family             string  `json:"family"`
	Psi                string  `json:"psi"`
	K                  int     `json:"k"`
	Sections           int     `json:"sections"`
	BalancedIterations int     `json:"balanced_iterations"`
	Symmetric          bool    `json:"symmetric"`
	Sigma              float64 `json:"sigma"`
	SigmaStderr        float64 `json:"sigma_stderr"`
	Volume             float64 `json:"volume"`
	VolumeStderr       float64 `json:"volume_stderr"`
	Points             int     `json:"points"`
	Seconds            float64 `json:"seconds"`
}

func cySigma(args []string) error {
	fs := flag.NewFlagSet("calabiyau sigma", flag.ContinueOnError)
	g := addCYGeometryFlags(fs, 3)
	points := fs.Int("points", 20000, "Monte Carlo points for sigma and the volume")
	iters := fs.Int("balanced-iterations", 0, "Donaldson iterations before measuring (0: H = identity)")
	iterPoints := fs.Int("iteration-points", 20000, "fresh points per Donaldson iteration")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q, b, err := g.setup()
	if err != nil {
		return err
	}
	if *points < calabiyau.MinPoints {
		return fmt.Errorf("--points %d is too few (need at least %d)", *points, calabiyau.MinPoints)
	}
	rng := rand.New(rand.NewPCG(*g.seed, 11))
	start := time.Now()
	m := calabiyau.NewMetric(q, b)
	if *iters > 0 {
		if m, err = calabiyau.Donaldson(q, b, rng, calabiyau.DonaldsonConfig{Iterations: *iters, Points: *iterPoints, Symmetric: *g.symmetric}); err != nil {
			return err
		}
	}
	s, err := q.Sample(rng, *points)
	if err != nil {
		return err
	}
	sig, se, err := m.Sigma(s)
	if err != nil {
		return err
	}
	vol, vse, _ := s.Volume()
	rep := cySigmaReport{Family: *g.family, Psi: *g.psi, K: *g.k, Sections: b.Size(), BalancedIterations: *iters, Symmetric: *g.symmetric,
		Sigma: sig, SigmaStderr: se, Volume: vol, VolumeStderr: vse, Points: *points, Seconds: time.Since(start).Seconds()}
	if *g.asJSON {
		return printJSON(rep)
	}
	fmt.Printf("%s, k = %d (%d sections), %d Donaldson iterations\n", q, *g.k, b.Size(), *iters)
	fmt.Printf("sigma  = %.4f ± %.4f   (%d points)\n", sig, se, *points)
	fmt.Printf("volume = %.4f ± %.4f   (cyjax normalisation)\n", vol, vse)
	fmt.Printf("%.2f s\n", rep.Seconds)
	return nil
}

// cyDonaldsonReport is the JSON of `physnb calabiyau donaldson`.
type cyDonaldsonReport struct {
	Family              string    `json:"family"`
	Psi                 string    `json:"psi"`
	K                   int       `json:"k"`
	Sections            int       `json:"sections"`
	Iterations          int       `json:"iterations"`
	Symmetric           bool      `json:"symmetric"`
	Points              int       `json:"points"`
	EvalPoints          int       `json:"eval_points"`
	SigmaInitial        float64   `json:"sigma_initial"`
	SigmaInitialStderr  float64   `json:"sigma_initial_stderr"`
	SigmaFinal          float64   `json:"sigma_final"`
	SigmaFinalStderr    float64   `json:"sigma_final_stderr"`
	SigmaPerIteration   []float64 `json:"sigma_per_iteration"`
	Volume              float64   `json:"volume"`
	VolumeStderr        float64   `json:"volume_stderr"`
	SecondsPerIteration float64   `json:"seconds_per_iteration"`
}

func cyDonaldson(args []string) error {
	fs := flag.NewFlagSet("calabiyau donaldson", flag.ContinueOnError)
	g := addCYGeometryFlags(fs, 4)
	iters := fs.Int("iterations", 15, "T-operator iterations")
	points := fs.Int("points", 20000, "fresh points per iteration")
	evalPoints := fs.Int("eval-points", 20000, "points of the fixed sample sigma is measured on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q, b, err := g.setup()
	if err != nil {
		return err
	}
	if *evalPoints < calabiyau.MinPoints {
		return fmt.Errorf("--eval-points %d is too few (need at least %d)", *evalPoints, calabiyau.MinPoints)
	}
	rng := rand.New(rand.NewPCG(*g.seed, 12))
	eval, err := q.Sample(rng, *evalPoints)
	if err != nil {
		return err
	}
	rep := cyDonaldsonReport{Family: *g.family, Psi: *g.psi, K: *g.k, Sections: b.Size(), Iterations: *iters, Symmetric: *g.symmetric, Points: *points, EvalPoints: *evalPoints}
	rep.Volume, rep.VolumeStderr, _ = eval.Volume()
	if rep.SigmaInitial, rep.SigmaInitialStderr, err = calabiyau.NewMetric(q, b).Sigma(eval); err != nil {
		return err
	}
	bar := progress.New("Donaldson iterations", *iters).NoPlot()
	var stepSeconds float64
	last := time.Now()
	m, err := calabiyau.Donaldson(q, b, rng, calabiyau.DonaldsonConfig{Iterations: *iters, Points: *points, Symmetric: *g.symmetric,
		OnStep: func(i int, m *calabiyau.Metric) {
			stepSeconds += time.Since(last).Seconds()
			sig, _, _ := m.Sigma(eval)
			rep.SigmaPerIteration = append(rep.SigmaPerIteration, sig)
			_ = bar.Step(sig)
			last = time.Now()
		}})
	bar.Done()
	if err != nil {
		return err
	}
	rep.SecondsPerIteration = stepSeconds / float64(*iters)
	if rep.SigmaFinal, rep.SigmaFinalStderr, err = m.Sigma(eval); err != nil {
		return err
	}
	if *g.asJSON {
		return printJSON(rep)
	}
	fmt.Printf("%s, k = %d (%d sections), %d iterations x %d points\n", q, *g.k, b.Size(), *iters, *points)
	fmt.Printf("sigma: %.4f ± %.4f (H = 1) -> %.4f ± %.4f (on %d points)\n", rep.SigmaInitial, rep.SigmaInitialStderr, rep.SigmaFinal, rep.SigmaFinalStderr, *evalPoints)
	fmt.Printf("volume %.4f ± %.4f; %.2f s per T-operator iteration (sampling included)\n", rep.Volume, rep.VolumeStderr, rep.SecondsPerIteration)
	return nil
}

// cyTrainReport is the JSON of `physnb calabiyau train`.
type cyTrainReport struct {
	Steps          int       `json:"steps"`
	K              int       `json:"k"`
	Sections       int       `json:"sections"`
	LearningRate   float64   `json:"learning_rate"`
	LossInitial    float64   `json:"loss_initial"`
	LossFinal      float64   `json:"loss_final"`
	Radii          []float64 `json:"radii"`
	SigmaBefore    []float64 `json:"sigma_mean_before"`
	SigmaAfter     []float64 `json:"sigma_mean_after"`
	SecondsPerStep float64   `json:"seconds_per_step"`
	Backend        string    `json:"backend"`
}

func cyTrain(args []string) error {
	fs := flag.NewFlagSet("calabiyau train", flag.ContinueOnError)
	cfg := hnet.DefaultConfig()
	steps := fs.Int("steps", 500, "Adam steps")
	fs.IntVar(&cfg.Degree, "k", cfg.Degree, "degree of the monomial sections (1..4)")
	fs.IntVar(&cfg.Points, "points", cfg.Points, "fresh points per modulus per step")
	fs.IntVar(&cfg.PsiBatch, "psi-batch", cfg.PsiBatch, "moduli per step")
	fs.Float64Var(&cfg.PsiRadius, "psi-radius", cfg.PsiRadius, "training moduli have |psi| below this")
	fs.Float64Var(&cfg.LearningRate, "lr", cfg.LearningRate, "Adam learning rate")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	gridPoints := fs.Int("grid-points", 500, "points per psi in the sigma grid (5 radii in [1,100] x 10 phases)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *steps < 1 {
		return fmt.Errorf("--steps %d: need at least one step", *steps)
	}
	be, err := hnet.Backend()
	if err != nil {
		return err
	}
	m, err := hnet.New(be, cfg)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 13))
	var samples []*calabiyau.Sample
	for _, psi := range hnet.RandomPsi(rng, 4, cfg.PsiRadius) {
		q, err := calabiyau.NewDwork(psi)
		if err != nil {
			return err
		}
		s, err := q.Sample(rng, 2000)
		if err != nil {
			return err
		}
		samples = append(samples, s)
	}
	eval, err := hnet.NewPoints(m.Basis, samples)
	if err != nil {
		return err
	}
	rep := cyTrainReport{Steps: *steps, K: cfg.Degree, Sections: m.Basis.Size(), LearningRate: cfg.LearningRate, Backend: backend.Describe(be)}
	if rep.LossInitial, err = m.Loss(eval); err != nil {
		return err
	}
	radii, phases := hnet.EvalGrid(100, 5, 10)
	rep.Radii = radii
	before, err := m.SigmaGrid(radii, phases, *gridPoints)
	if err != nil {
		return err
	}
	rep.SigmaBefore, _, _ = hnet.GridStats(before)
	bar := progress.New("H(psi) network", *steps)
	start := time.Now()
	for i := 0; i < *steps; i++ {
		loss, err := m.Step()
		if err != nil {
			return err
		}
		if err := bar.Step(loss); err != nil {
			return err
		}
	}
	bar.Done()
	rep.SecondsPerStep = time.Since(start).Seconds() / float64(*steps)
	if rep.LossFinal, err = m.Loss(eval); err != nil {
		return err
	}
	after, err := m.SigmaGrid(radii, phases, *gridPoints)
	if err != nil {
		return err
	}
	rep.SigmaAfter, _, _ = hnet.GridStats(after)
	if *asJSON {
		return printJSON(rep)
	}
	fmt.Printf("moduli network, k = %d (%d sections), %d steps at %.1f ms/step on %s\n", cfg.Degree, rep.Sections, *steps, 1e3*rep.SecondsPerStep, rep.Backend)
	fmt.Printf("loss on a fixed batch (4 psi x 2000 points): %.4f -> %.4f\n", rep.LossInitial, rep.LossFinal)
	for i, r := range radii {
		fmt.Printf("|psi| = %6.2f: mean sigma %.3f -> %.3f\n", r, rep.SigmaBefore[i], rep.SigmaAfter[i])
	}
	return nil
}

func cyBenchDonaldson(_ compute.Backend, quick bool) (bench.Result, error) {
	q, _ := calabiyau.NewDwork(10 + 3i)
	b := calabiyau.MustMonomialBasis(4)
	points := 20000
	if quick {
		points = 2000
	}
	rng := rand.New(rand.NewPCG(1, 2))
	m := calabiyau.NewMetric(q, b)
	iters, secs, err := bench.Repeat(bench.Budget(quick), 1, func() error {
		s, err := q.Sample(rng, points)
		if err != nil {
			return err
		}
		_, err = m.DonaldsonStep(s)
		return err
	})
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(iters) / secs, Iterations: iters, Seconds: secs,
		Extra: map[string]float64{"seconds_per_step": secs / float64(iters), "points": float64(points), "sections": float64(b.Size()), "cyjax_h100_seconds": 1.9}}, nil
}

func cyBenchSigma(_ compute.Backend, quick bool) (bench.Result, error) {
	q, _ := calabiyau.NewDwork(10 + 3i)
	b := calabiyau.MustMonomialBasis(3)
	points := 100000
	if quick {
		points = 5000
	}
	rng := rand.New(rand.NewPCG(3, 4))
	m := calabiyau.NewMetric(q, b)
	iters, secs, err := bench.Repeat(bench.Budget(quick), 1, func() error {
		s, err := q.Sample(rng, points)
		if err != nil {
			return err
		}
		_, _, err = m.Sigma(s)
		return err
	})
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(iters*points) / secs, Iterations: iters, Seconds: secs,
		Extra: map[string]float64{"seconds_per_evaluation": secs / float64(iters), "points": float64(points), "sections": float64(b.Size()), "cyjax_h100_seconds": 9.8}}, nil
}

func cyBenchSigmaGraph(b compute.Backend, quick bool) (bench.Result, error) {
	if backend.IsCPU(b) {
		var err error
		if b, err = hnet.Backend(); err != nil { // see hnet.Backend: parallel pure-Go executor hangs
			return bench.Result{}, err
		}
	}
	q, _ := calabiyau.NewDwork(10 + 3i)
	points := 100000
	if quick {
		points = 5000
	}
	ev, err := hnet.NewEtaEvaluator(b, calabiyau.NewMetric(q, calabiyau.MustMonomialBasis(3)))
	if err != nil {
		return bench.Result{}, err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	iters, secs, err := bench.Repeat(bench.Budget(quick), 1, func() error {
		s, err := q.Sample(rng, points)
		if err != nil {
			return err
		}
		_, _, err = ev.Sigma(s)
		return err
	})
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(iters*points) / secs, Iterations: iters, Seconds: secs,
		Extra: map[string]float64{"seconds_per_evaluation": secs / float64(iters), "points": float64(points), "cyjax_h100_seconds": 9.8}}, nil
}

func cyBenchTrain(b compute.Backend, quick bool) (bench.Result, error) {
	if backend.IsCPU(b) {
		// The pure-Go parallel executor deadlocks on this graph (compute v0.1.6); see hnet.Backend.
		var err error
		if b, err = hnet.Backend(); err != nil {
			return bench.Result{}, err
		}
	}
	m, err := hnet.New(b, hnet.DefaultConfig())
	if err != nil {
		return bench.Result{}, err
	}
	iters, secs, err := bench.Repeat(bench.Budget(quick), 3, func() error {
		_, err := m.Step()
		return err
	})
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(iters) / secs, Iterations: iters, Seconds: secs,
		Extra: map[string]float64{"ms_per_step": 1e3 * secs / float64(iters)}}, nil
}
