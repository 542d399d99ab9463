package main

// Commands of the Neural Network Renormalization Group walkthrough
// (notebooks/neural-rg.ipynb): train a hierarchical RealNVP flow on the 2D
// Ising model and compare its variational free energy with the exact bound;
// print the exact lnZ and the bound for any L and T.

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/flows/neuralrg"
	"github.com/physnb/physnb/lib/ising"
	"github.com/physnb/physnb/lib/preflight"
	"github.com/physnb/physnb/lib/progress"
)

func init() {
	register(command{name: "neuralrg", summary: "Neural Network Renormalization Group: train a RealNVP flow on the 2D Ising model (train), or a MERA flow on MNIST (mnist)", run: runNeuralRG})
	register(command{name: "ising", summary: "exact lnZ of the periodic 2D Ising model and the NeuralRG loss bound (exact)", run: runIsing})
	bench.Register(neuralrg.BenchWorkload())
}

func runNeuralRG(args []string) error {
	sub, rest, err := splitSub("neuralrg", args, "train", "mnist")
	if err != nil {
		return err
	}
	if sub == "mnist" {
		return nrgMNIST(rest)
	}
	return nrgTrain(rest)
}

func runIsing(args []string) error {
	sub, rest, err := splitSub("ising", args, "exact")
	if err != nil {
		return err
	}
	_ = sub
	return nrgIsingExact(rest)
}

// nrgExactReport is the JSON of `physnb ising exact`.
type nrgExactReport struct {
	L              int     `json:"L"`
	T              float64 `json:"T"`
	Shift          float64 `json:"shift"`
	LnZ            float64 `json:"lnz"`
	LnZPerSite     float64 `json:"lnz_per_site"`
	Fix            float64 `json:"fix"`
	ExactBound     float64 `json:"exact_bound"`
	LnZBruteForce  float64 `json:"lnz_brute_force,omitempty"`
	OnsagerPerSite float64 `json:"onsager_lnz_per_site"`
}

func nrgIsingExact(args []string) error {
	fs := flag.NewFlagSet("ising exact", flag.ContinueOnError)
	L := fs.Int("L", 4, "linear lattice size (periodic L x L)")
	T := fs.Float64("T", ising.CriticalT, "temperature (J/k_B); default T_c = 2/ln(1+√2)")
	shift := fs.Float64("shift", ising.DefaultShift, "smallest eigenvalue of the shifted coupling matrix K' of the relaxation")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bound, lnZ, fix, err := ising.ExactBound(*L, *T, *shift)
	if err != nil {
		return err
	}
	rep := nrgExactReport{L: *L, T: *T, Shift: *shift, LnZ: lnZ, LnZPerSite: lnZ / float64(*L**L),
		Fix: fix, ExactBound: bound, OnsagerPerSite: ising.OnsagerLnZPerSite(*T)}
	if *L**L <= 16 {
		// Small lattices: the sum over all configurations as an independent check.
		rep.LnZBruteForce, _ = ising.BruteForceLnZ(*L, *T)
	}
	if *asJSON {
		return printJSON(rep)
	}
	fmt.Printf("2D Ising model, %dx%d periodic, T = %.6f\n", *L, *L, *T)
	fmt.Printf("  lnZ (Kaufman)          %.10f   (%.10f per site; Onsager's infinite lattice: %.10f)\n", lnZ, rep.LnZPerSite, rep.OnsagerPerSite)
	if rep.LnZBruteForce != 0 {
		fmt.Printf("  lnZ (all 2^%d states)   %.10f\n", *L**L, rep.LnZBruteForce)
	}
	fmt.Printf("  relaxation constant    Fix = %.10f   (lnZ = lnZ_relaxed + Fix, shift %.3g)\n", fix, *shift)
	fmt.Printf("  exact loss bound       -lnZ_relaxed = Fix - lnZ = %.10f\n", bound)
	return nil
}

func nrgTrain(args []string) error {
	d := neuralrg.Default()
	e := d
	fs := flag.NewFlagSet("neuralrg train", flag.ContinueOnError)
	fs.IntVar(&e.L, "L", d.L, "linear lattice size")
	fs.Float64Var(&e.T, "T", d.T, "temperature (> 0); default T_c")
	fs.IntVar(&e.Dim, "d", d.Dim, "dimension of the lattice (only 2 is implemented)")
	fs.StringVar(&e.Arch, "arch", d.Arch, "hierarchy: tebd or mera")
	fs.IntVar(&e.Depth, "depth", d.Depth, "TEBD layers or MERA RG levels (0: 4 for TEBD, log2 L for MERA)")
	fs.IntVar(&e.Repeat, "repeat", d.Repeat, "(decimator, disentangler) pairs per MERA level")
	fs.IntVar(&e.Blocks, "blocks", d.Blocks, "RealNVP coupling layers per block")
	fs.IntVar(&e.MLPLayers, "mlp-layers", d.MLPLayers, "hidden layers of each coupling's network")
	fs.IntVar(&e.Hidden, "hidden", d.Hidden, "hidden units per layer")
	fs.StringVar(&e.Activation, "activation", d.Activation, "hidden activation (relu, tanh, swish, ...)")
	fs.IntVar(&e.Epochs, "epochs", d.Epochs, "training steps (one fresh batch each, as the original code's epochs)")
	fs.IntVar(&e.Batch, "batch", d.Batch, "samples per step")
	fs.Float64Var(&e.LearningRate, "lr", d.LearningRate, "Adam learning rate")
	fs.Uint64Var(&e.Seed, "seed", d.Seed, "random seed")
	fs.BoolVar(&e.Symmetric, "symmetric", d.Symmetric, "train the Z2-symmetrised density ½[q(x)+q(-x)]")
	fs.BoolVar(&e.Whiten, "whiten", d.Whiten, "let the flow generate y = K'^(-1/2) x (Gaussian part built in; same loss and bound)")
	fs.BoolVar(&e.Cosine, "cosine", d.Cosine, "cosine decay of the learning rate to lr/20 over --epochs")
	fs.IntVar(&e.Samples, "samples", d.Samples, "samples for the final evaluation (loss, Metropolis), and measured flow proposals of the hybrid chain (observables)")
	fs.IntVar(&e.LocalMoves, "local-moves", d.LocalMoves, "Gibbs moves of the relaxation between flow proposals in the hybrid chain (0: plain independence sampler)")
	quick := fs.Bool("quick", false, "a short run (L=4, 40 steps, batch 128, lr 3e-3) for tests; flags given explicitly win")
	asJSON := fs.Bool("json", false, "print one JSON object")
	fs.StringVar(&e.Out, "out", d.Out, "checkpoint directory: resumes from it if it holds a run, saves into it")
	fs.IntVar(&e.SaveEvery, "save-every", d.SaveEvery, "with --out, save a checkpoint every this many steps")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *quick {
		withExplicit(fs, func() { e = e.Quick() })
	}
	if err := e.Validate(); err != nil {
		return err
	}
	if err := preflight.CheckOutputDir("--out", e.Out); err != nil {
		return err
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	e.Log = os.Stderr
	e.OnStep = progress.New(fmt.Sprintf("NeuralRG %s L=%d", e.Arch, e.L), 0).NoPlot().OnStep
	r, err := e.Run(context.Background(), b)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(r)
	}
	fmt.Printf("NeuralRG %s (depth %d, %d couplings/block, MLP %dx%d, %d parameters) on the %dx%d Ising model at T = %.6f\n",
		r.Arch, r.Depth, r.Blocks, r.MLPLayers, r.Hidden, r.Parameters, r.L, r.L, r.T)
	fmt.Printf("  %d steps of batch %d in %.1f s (%.0f samples/s, %s)\n", r.Epochs, r.Batch, r.Seconds, r.SamplesPerSecond, r.Backend)
	if r.Resumed != nil {
		fmt.Printf("  resumed from %s at step %d (%d weight arrays restored)\n", r.Resumed.Checkpoint, r.Resumed.Step, r.Resumed.Weights)
	}
	for _, n := range r.Notes {
		fmt.Printf("  note: %s\n", n)
	}
	fmt.Printf("  variational loss  %.4f ± %.4f  (%.5f per site, %d fresh samples)\n", r.Loss, r.LossStdErr, r.LossPerSite, r.Samples)
	fmt.Printf("  exact bound       %.4f  (Fix %.4f - lnZ %.4f)\n", r.ExactBound, r.Fix, r.LnZ)
	fmt.Printf("  relative error    %.3f%%\n", 100*r.RelErr)
	fmt.Printf("  flow as proposal  acceptance %.3f, importance ESS %.3f, tau_int(E) %.2f of the plain independence chain\n", r.Acceptance, r.ESS, r.Tau)
	fmt.Printf("  hybrid chain      %d Gibbs moves per flow proposal: acceptance %.3f, tau_int(E) %.2f rounds\n", r.LocalMoves, r.ChainAcceptance, r.ChainTau)
	fmt.Printf("  E/N  %.4f ± %.4f (exact %.4f)   <|m|> %.4f ± %.4f   S %.3f ± %.3f\n",
		r.EnergyPerSite, r.EnergyPerSiteErr, r.EnergyPerSiteExact, r.AbsMagnetisation, r.AbsMagnetisationErr, r.StructureFactor, r.StructureFactorErr)
	if r.Out != "" {
		fmt.Printf("  checkpoint in %s (run again with --out to continue; --epochs is the total)\n", r.Out)
	}
	return nil
}
