package main

// Commands of the holographic-metric walkthrough (arXiv:1802.08313): learn the
// metric function H(η) of an AdS black hole from labelled boundary data, and
// the holographic QCD follow-up (arXiv:1809.10536).

import (
	"context"
	"flag"
	"fmt"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/holography"
	"github.com/physnb/physnb/lib/preflight"
	"github.com/physnb/physnb/lib/progress"
)

func init() {
	register(command{name: "holography", summary: "learn an AdS black-hole metric H(η) from boundary data (train)", run: runHolography})
	bench.Register(holography.BenchWorkload())
}

func runHolography(args []string) error {
	if len(args) > 0 && args[0] == "qcd" {
		return runHolographyQCD(args[1:])
	}
	if len(args) == 0 || args[0] != "train" {
		return fmt.Errorf("usage: physnb holography train|qcd [flags] (see physnb holography train -h)")
	}
	d := holography.DefaultTrain()
	e := d
	fs := flag.NewFlagSet("holography train", flag.ContinueOnError)
	fs.StringVar(&e.Metric, "metric", d.Metric, "true background: schwarzschild or rn")
	fs.Float64Var(&e.Charge, "charge", d.Charge, "charge Q of the rn background, in [0, √3)")
	fs.StringVar(&e.Param, "param", d.Param, "learnable metric: ansatz (walkthrough), series (horizon series 1/η + a₁η + a₂η³ + …) or perlayer (paper)")
	fs.StringVar(&e.Start, "start", d.Start, "ansatz start: grid (scan the training loss, then refine) or random (the walkthrough's gradient training)")
	fs.IntVar(&e.K, "k", d.K, "coefficients K: ansatz 2 (the walkthrough's) or 3 (default; grid start supports 2 or 3), series ≥ 2 (default 2)")
	fs.IntVar(&e.Layers, "layers", d.Layers, "number of RK4 layers")
	fs.Float64Var(&e.EtaUV, "eta-uv", d.EtaUV, "boundary-side cut-off η_UV")
	fs.Float64Var(&e.EtaIR, "eta-ir", d.EtaIR, "horizon-side cut-off η_IR (< η_UV)")
	fs.IntVar(&e.Epochs, "epochs", d.Epochs, "training epochs")
	fs.IntVar(&e.PerClass, "n", d.PerClass, "samples per class (positive and negative)")
	fs.Uint64Var(&e.Seed, "seed", d.Seed, "seed for data, initial metric and batches")
	quick := fs.Bool("quick", false, "small run (200 per class, 20 epochs; flags given explicitly win)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	out := fs.String("out", "", "directory for the figures (SVG)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if flagGiven(fs, "charge") && e.Metric != holography.MetricRN {
		return fmt.Errorf("--charge %g needs --metric rn (Q in [0, √3))", e.Charge)
	}
	if *quick {
		withExplicit(fs, func() { e = e.Quick() })
	}
	e.DataSeed = e.Seed
	if err := e.Validate(); err != nil {
		return err
	}
	if err := preflight.CheckOutputDir("--out", *out); err != nil {
		return err
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	e.OnStep = progress.New("holography", 0).OnStep
	rep, err := e.Run(context.Background(), b)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := e.SaveFigures(*out, rep); err != nil {
			return err
		}
	}
	if *asJSON {
		return printJSON(rep)
	}
	fmt.Printf("holography: %s (Q=%g), %s (start %s), %d layers, %d epochs, %d per class\n", rep.Metric, rep.Charge, rep.Param, rep.Start, rep.Layers, rep.Epochs, rep.PerClass)
	fmt.Printf("  train loss %.4g, accuracy train %.3f / test %.3f (true metric: %.3f)\n", rep.TrainLoss, rep.TrainAccuracy, rep.TestAccuracy, rep.TrueAccuracy)
	fmt.Printf("  H relative error: RMS %.2f%% (initial %.2f%%), max %.2f%%; RMS distance from Schwarzschild %.2f%%\n", 100*rep.HRelErrRMS, 100*rep.HRelErrRMSInit, 100*rep.HRelErrMax, 100*rep.HDistSchwarzschild)
	fmt.Printf("  params %.4g\n  %d steps, %.1f steps/s, %.1f s on %s\n", rep.Params, rep.Steps, rep.StepsPerSecond, rep.Seconds, rep.Backend)
	return nil
}

// withExplicit runs apply (a --quick preset) and then sets again every flag
// given on the command line, so that an explicit flag always wins over the
// preset.
func withExplicit(fs *flag.FlagSet, apply func()) {
	given := map[string]string{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = f.Value.String() })
	apply()
	fs.Visit(func(f *flag.Flag) { f.Value.Set(given[f.Name]) })
}

// flagGiven reports whether the flag name was given on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// runHolographyQCD trains the holographic QCD network (arXiv:1809.10536) on
// the lattice chiral-condensate data.
func runHolographyQCD(args []string) error {
	d := holography.DefaultQCD()
	e := d
	fs := flag.NewFlagSet("holography qcd", flag.ContinueOnError)
	fs.IntVar(&e.Epochs, "epochs", d.Epochs, "training epochs")
	fs.IntVar(&e.PerClass, "n", d.PerClass, "samples per class")
	fs.Uint64Var(&e.Seed, "seed", d.Seed, "seed for data, initial metric and batches")
	fs.Float64Var(&e.InitRadius, "radius", d.InitRadius, "initial AdS radius L in GeV⁻¹ (the paper's code: 0.8)")
	fs.Float64Var(&e.LearningRate, "lr", d.LearningRate, "Adam step")
	fs.IntVar(&e.Search, "search", d.Search, "random smooth metrics to try for the start (SearchQCDStart; 0: the paper's start H ≈ 4)")
	fs.Float64Var(&e.DevStart, "dev-start", d.DevStart, "anneal the final layer's edge width from this value down to 0.01 (0: fixed 0.01)")
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
	e.OnStep = progress.New("holography", 0).OnStep
	rep, err := e.Run(context.Background(), b)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(rep)
	}
	fmt.Printf("holography qcd: %d epochs, %d per class: loss %.4g, accuracy train %.3f / test %.3f\n", rep.Epochs, rep.PerClass, rep.TrainLoss, rep.TrainAccuracy, rep.TestAccuracy)
	fmt.Printf("  λ = %.4g, L = %.4g GeV⁻¹, H per layer %.3g\n  %.1f s on %s\n", rep.Lambda, rep.Radius, rep.H, rep.Seconds, rep.Backend)
	return nil
}
