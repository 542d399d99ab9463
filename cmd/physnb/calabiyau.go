package main

// Commands of the Calabi-Yau metrics walkthrough (notebooks/calabi-yau-metrics.ipynb):
// the σ accuracy of an algebraic metric on a quintic, Donaldson's T-operator
// iteration, and training the moduli network ψ → H(ψ).
//
//	physnb calabiyau sigma --family dwork --psi 10+3i --k 4 --points 20000 [--balanced-iterations 15]
//	physnb calabiyau donaldson --family dwork --psi 10+3i --k 4 --iterations 15 --points 20000
//	physnb calabiyau train --steps 500
//
// "cy" is an alias of "calabiyau". The experiments are
// calabiyau.SigmaExperiment, calabiyau.DonaldsonExperiment and hnet.TrainExperiment.

import (
	"context"
	"flag"
	"fmt"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/calabiyau"
	"github.com/physnb/physnb/lib/calabiyau/hnet"
	"github.com/physnb/physnb/lib/progress"
)

func init() {
	register(command{name: "calabiyau", summary: "Calabi-Yau metrics on quintics: sigma accuracy, Donaldson's algorithm, moduli network (sigma, donaldson, train)", run: runCalabiYau})
	register(command{name: "cy", summary: "alias of calabiyau", run: runCalabiYau})
	for _, w := range append(calabiyau.BenchWorkloads(), hnet.BenchWorkloads()...) {
		bench.Register(w)
	}
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

// addCYGeometryFlags adds the flags `sigma` and `donaldson` share (the
// variety, the sections, the symmetry restriction, the seed) with g's values
// as defaults, and --json.
func addCYGeometryFlags(fs *flag.FlagSet, g *calabiyau.Geometry) (asJSON *bool) {
	d := *g
	fs.StringVar(&g.Family, "family", d.Family, "fermat or dwork")
	fs.StringVar(&g.Psi, "psi", d.Psi, "Dwork modulus, e.g. 10+3i (must be 0 for fermat)")
	fs.IntVar(&g.K, "k", d.K, "degree of the monomial sections (reduced basis from k = 5)")
	fs.Uint64Var(&g.Seed, "seed", d.Seed, "random seed")
	fs.BoolVar(&g.Symmetric, "symmetric", d.Symmetric, "restrict H to the quintic's permutation and phase symmetries in Donaldson iterations")
	return fs.Bool("json", false, "print one JSON object")
}

// cyVariety names the variety of a validated experiment.
func cyVariety(g calabiyau.Geometry) string {
	q, _, err := g.Setup()
	if err != nil {
		return err.Error()
	}
	return q.String()
}

func cySigma(args []string) error {
	e := calabiyau.DefaultSigma()
	d := e
	fs := flag.NewFlagSet("calabiyau sigma", flag.ContinueOnError)
	asJSON := addCYGeometryFlags(fs, &e.Geometry)
	fs.IntVar(&e.Points, "points", d.Points, "Monte Carlo points for sigma and the volume")
	fs.IntVar(&e.BalancedIterations, "balanced-iterations", d.BalancedIterations, "Donaldson iterations before measuring (0: H = identity)")
	fs.IntVar(&e.IterationPoints, "iteration-points", d.IterationPoints, "fresh points per Donaldson iteration")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rep, err := e.Run(context.Background(), nil)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(rep)
	}
	fmt.Printf("%s, k = %d (%d sections), %d Donaldson iterations\n", cyVariety(e.Geometry), rep.K, rep.Sections, rep.BalancedIterations)
	fmt.Printf("sigma  = %.4f ± %.4f   (%d points)\n", rep.Sigma, rep.SigmaStderr, rep.Points)
	fmt.Printf("volume = %.4f ± %.4f   (cyjax normalisation)\n", rep.Volume, rep.VolumeStderr)
	fmt.Printf("%.2f s\n", rep.Seconds)
	return nil
}

func cyDonaldson(args []string) error {
	e := calabiyau.DefaultDonaldson()
	d := e
	fs := flag.NewFlagSet("calabiyau donaldson", flag.ContinueOnError)
	asJSON := addCYGeometryFlags(fs, &e.Geometry)
	fs.IntVar(&e.Iterations, "iterations", d.Iterations, "T-operator iterations")
	fs.IntVar(&e.Points, "points", d.Points, "fresh points per iteration")
	fs.IntVar(&e.EvalPoints, "eval-points", d.EvalPoints, "points of the fixed sample sigma is measured on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	e.OnStep = progress.New("Donaldson iterations", 0).NoPlot().OnStep
	rep, err := e.Run(context.Background(), nil)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(rep)
	}
	fmt.Printf("%s, k = %d (%d sections), %d iterations x %d points\n", cyVariety(e.Geometry), rep.K, rep.Sections, rep.Iterations, rep.Points)
	fmt.Printf("sigma: %.4f ± %.4f (H = 1) -> %.4f ± %.4f (on %d points)\n", rep.SigmaInitial, rep.SigmaInitialStderr, rep.SigmaFinal, rep.SigmaFinalStderr, rep.EvalPoints)
	fmt.Printf("volume %.4f ± %.4f; %.2f s per T-operator iteration (sampling included)\n", rep.Volume, rep.VolumeStderr, rep.SecondsPerIteration)
	return nil
}

func cyTrain(args []string) error {
	e := hnet.DefaultTrain()
	d := e
	fs := flag.NewFlagSet("calabiyau train", flag.ContinueOnError)
	fs.IntVar(&e.Steps, "steps", d.Steps, "Adam steps")
	fs.IntVar(&e.Degree, "k", d.Degree, "degree of the monomial sections (1..4)")
	fs.IntVar(&e.Points, "points", d.Points, "fresh points per modulus per step")
	fs.IntVar(&e.PsiBatch, "psi-batch", d.PsiBatch, "moduli per step")
	fs.Float64Var(&e.PsiRadius, "psi-radius", d.PsiRadius, "training moduli have |psi| below this")
	fs.Float64Var(&e.LearningRate, "lr", d.LearningRate, "Adam learning rate")
	fs.Uint64Var(&e.Seed, "seed", d.Seed, "random seed")
	fs.IntVar(&e.GridPoints, "grid-points", d.GridPoints, "points per psi in the sigma grid (5 radii in [1,100] x 10 phases)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	e.OnStep = progress.New("H(psi) network", 0).OnStep
	rep, err := e.Run(context.Background(), b)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(rep)
	}
	fmt.Printf("moduli network, k = %d (%d sections), %d steps at %.1f ms/step on %s\n", rep.K, rep.Sections, rep.Steps, 1e3*rep.SecondsPerStep, rep.Backend)
	fmt.Printf("loss on a fixed batch (4 psi x 2000 points): %.4f -> %.4f\n", rep.LossInitial, rep.LossFinal)
	for i, r := range rep.Radii {
		fmt.Printf("|psi| = %6.2f: mean sigma %.3f -> %.3f\n", r, rep.SigmaBefore[i], rep.SigmaAfter[i])
	}
	return nil
}
