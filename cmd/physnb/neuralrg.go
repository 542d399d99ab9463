package main

// Commands of the Neural Network Renormalization Group walkthrough
// (notebooks/neural-rg.ipynb): train a hierarchical RealNVP flow on the 2D
// Ising model and compare its variational free energy with the exact bound;
// print the exact lnZ and the bound for any L and T.

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/flows/neuralrg"
	"github.com/physnb/physnb/lib/ising"
	"github.com/physnb/physnb/lib/progress"
)

func init() {
	register(command{name: "neuralrg", summary: "Neural Network Renormalization Group: train a RealNVP flow on the 2D Ising model (train), or a MERA flow on MNIST (mnist)", run: runNeuralRG})
	register(command{name: "ising", summary: "exact lnZ of the periodic 2D Ising model and the NeuralRG loss bound (exact)", run: runIsing})
	bench.Register(bench.Workload{
		Name:        "neuralrg-train-step",
		Description: "NeuralRG training step: MERA flow on the 8x8 Ising model at T_c, batch 512, Z2-symmetrised reverse KL with Adam",
		Unit:        "samples/s",
		Run:         nrgBenchTrainStep,
	})
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

// nrgTrainReport is the JSON of `physnb neuralrg train`.
type nrgTrainReport struct {
	L                   int     `json:"L"`
	T                   float64 `json:"T"`
	Arch                string  `json:"arch"`
	Depth               int     `json:"depth"`
	Blocks              int     `json:"blocks"`
	MLPLayers           int     `json:"mlp_layers"`
	Hidden              int     `json:"hidden"`
	Batch               int     `json:"batch"`
	LearningRate        float64 `json:"lr"`
	Seed                uint64  `json:"seed"`
	Symmetric           bool    `json:"symmetric"`
	Whiten              bool    `json:"whiten"`
	Cosine              bool    `json:"cosine"`
	Parameters          int     `json:"parameters"`
	Epochs              int     `json:"epochs"`
	Loss                float64 `json:"loss"`
	LossStdErr          float64 `json:"loss_std_err"`
	LossPerSite         float64 `json:"loss_per_site"`
	TrainLossLast       float64 `json:"train_loss_last"`
	ExactBound          float64 `json:"exact_bound"`
	LnZ                 float64 `json:"lnz"`
	Fix                 float64 `json:"fix"`
	RelErr              float64 `json:"rel_err"`
	Samples             int     `json:"samples"`
	Acceptance          float64 `json:"acceptance"`
	ESS                 float64 `json:"ess"`
	Tau                 float64 `json:"tau"`
	LnZRelaxedIS        float64 `json:"lnz_relaxed_is"`
	LocalMoves          int     `json:"local_moves"`
	ChainAcceptance     float64 `json:"chain_acceptance"`
	ChainTau            float64 `json:"chain_tau"`
	ChainSeconds        float64 `json:"chain_seconds"`
	EnergyPerSite       float64 `json:"energy_per_site"`
	EnergyPerSiteErr    float64 `json:"energy_per_site_err"`
	EnergyPerSiteExact  float64 `json:"energy_per_site_exact"`
	AbsMagnetisation    float64 `json:"abs_magnetisation"`
	AbsMagnetisationErr float64 `json:"abs_magnetisation_err"`
	StructureFactor     float64 `json:"structure_factor"`
	StructureFactorErr  float64 `json:"structure_factor_err"`
	Seconds             float64 `json:"seconds"`
	SamplesPerSecond    float64 `json:"samples_per_second"`
	Backend             string  `json:"backend"`
	Out                 string  `json:"out,omitempty"`
}

func nrgTrain(args []string) error {
	def := neuralrg.DefaultConfig(4)
	fs := flag.NewFlagSet("neuralrg train", flag.ContinueOnError)
	L := fs.Int("L", 4, "linear lattice size")
	T := fs.Float64("T", ising.CriticalT, "temperature (> 0); default T_c")
	d := fs.Int("d", 2, "dimension of the lattice (only 2 is implemented)")
	arch := fs.String("arch", def.Arch, "hierarchy: tebd or mera")
	depth := fs.Int("depth", 0, "TEBD layers or MERA RG levels (0: 4 for TEBD, log2 L for MERA)")
	repeat := fs.Int("repeat", 1, "(decimator, disentangler) pairs per MERA level")
	blocks := fs.Int("blocks", def.Blocks, "RealNVP coupling layers per block")
	mlpLayers := fs.Int("mlp-layers", def.MLPLayers, "hidden layers of each coupling's network")
	hidden := fs.Int("hidden", def.Hidden, "hidden units per layer")
	activation := fs.String("activation", def.Activation, "hidden activation (relu, tanh, swish, ...)")
	epochs := fs.Int("epochs", 300, "training steps (one fresh batch each, as the original code's epochs)")
	batch := fs.Int("batch", def.Batch, "samples per step")
	lr := fs.Float64("lr", def.LearningRate, "Adam learning rate")
	seed := fs.Uint64("seed", def.Seed, "random seed")
	symmetric := fs.Bool("symmetric", def.Symmetric, "train the Z2-symmetrised density ½[q(x)+q(-x)]")
	whiten := fs.Bool("whiten", def.Whiten, "let the flow generate y = K'^(-1/2) x (Gaussian part built in; same loss and bound)")
	cosine := fs.Bool("cosine", def.Cosine, "cosine decay of the learning rate to lr/20 over --epochs")
	samples := fs.Int("samples", 4096, "samples for the final evaluation (loss, Metropolis), and measured flow proposals of the hybrid chain (observables)")
	local := fs.Int("local-moves", 16, "Gibbs moves of the relaxation between flow proposals in the hybrid chain (0: plain independence sampler)")
	quick := fs.Bool("quick", false, "a short run (L=4, 40 steps, batch 128, lr 3e-3) for tests")
	asJSON := fs.Bool("json", false, "print one JSON object")
	out := fs.String("out", "", "checkpoint directory: resumes from it if it holds a run, saves into it")
	saveEvery := fs.Int("save-every", 100, "with --out, save a checkpoint every this many steps")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *d != 2 {
		return fmt.Errorf("--d=%d: only the two-dimensional Ising model is implemented", *d)
	}
	if *epochs < 0 || *samples < 64 || *saveEvery < 1 || *local < 0 {
		return fmt.Errorf("need --epochs >= 0, --samples >= 64, --save-every >= 1 and --local-moves >= 0")
	}
	cfg := neuralrg.Config{L: *L, T: *T, Arch: *arch, Depth: *depth, Repeat: *repeat, Blocks: *blocks,
		MLPLayers: *mlpLayers, Hidden: *hidden, ScaleBound: def.ScaleBound, Activation: *activation,
		Batch: *batch, LearningRate: *lr, Seed: *seed, Symmetric: *symmetric, Shift: ising.DefaultShift,
		Whiten: *whiten, Cosine: *cosine}
	if *quick {
		cfg.L, cfg.Batch, cfg.Depth, cfg.LearningRate = 4, 128, 0, 3e-3
		*epochs, *samples = 40, 512
	}
	cfg.Epochs = *epochs
	b, err := backend.Default()
	if err != nil {
		return err
	}
	var m *neuralrg.Model
	if *out != "" && neuralrg.HasCheckpoint(*out) {
		m, err = neuralrg.Load(b, *out)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "resuming the run in %s after %d steps (its saved configuration is used)\n", *out, len(m.History))
	} else {
		m, err = neuralrg.New(b, cfg)
		if err != nil {
			return err
		}
	}
	remaining := *epochs - len(m.History)
	if remaining > 0 {
		bar := progress.New(fmt.Sprintf("NeuralRG %s L=%d", m.Config.Arch, m.Config.L), *epochs).Reference("exact bound", m.Bound).NoPlot()
		done := len(m.History)
		err = m.Train(remaining, func(step int, loss float64) error {
			if err := bar.Observe(step, map[string]float64{"loss": loss}); err != nil {
				return err
			}
			if *out != "" && (step-done)%*saveEvery == 0 {
				return m.Save(*out)
			}
			return nil
		})
		bar.Done()
		if err != nil {
			return err
		}
	}
	if *out != "" {
		if err := m.Save(*out); err != nil {
			return err
		}
	}
	rep, err := m.Evaluate(*samples)
	if err != nil {
		return err
	}
	ch, err := m.Chain(m.ChainConfig(*samples, *local))
	if err != nil {
		return err
	}
	obs, obsErr := ch.Observables(), ch.Errors()
	N := float64(m.Config.L * m.Config.L)
	eExact, err := ising.KaufmanEnergyPerSite(m.Config.L, m.Config.T)
	if err != nil {
		return err
	}
	r := nrgTrainReport{
		L: m.Config.L, T: m.Config.T, Arch: m.Config.Arch, Depth: m.Config.Depth, Blocks: m.Config.Blocks,
		MLPLayers: m.Config.MLPLayers, Hidden: m.Config.Hidden, Batch: m.Config.Batch, LearningRate: m.Config.LearningRate,
		Seed: m.Config.Seed, Symmetric: m.Config.Symmetric, Whiten: m.Config.Whiten, Cosine: m.Config.Cosine, Parameters: m.Flow.NumParameters(),
		Epochs: len(m.History), Loss: rep.Loss, LossStdErr: rep.LossStdErr, LossPerSite: rep.Loss / N,
		TrainLossLast: m.RecentLoss(10), ExactBound: m.Bound, LnZ: m.LnZ, Fix: m.Fix, RelErr: rep.RelErr,
		Samples: rep.Samples, Acceptance: rep.Acceptance, ESS: rep.ESS, Tau: rep.Tau,
		LnZRelaxedIS: rep.LnZRelaxedIS, LocalMoves: *local, ChainAcceptance: ch.FlowAcceptance, ChainTau: ch.Energy.Tau, ChainSeconds: ch.Seconds,
		EnergyPerSite: obs.EnergyPerSite, EnergyPerSiteErr: obsErr.EnergyPerSite,
		EnergyPerSiteExact:  eExact,
		AbsMagnetisation:    obs.AbsMagnetisation,
		AbsMagnetisationErr: obsErr.AbsMagnetisation,
		StructureFactor:     obs.StructureFactor, StructureFactorErr: obsErr.StructureFactor,
		Seconds: m.TrainSeconds, Backend: backend.Describe(b), Out: *out,
	}
	if m.TrainSeconds > 0 {
		r.SamplesPerSecond = float64(len(m.History)*m.Config.Batch) / m.TrainSeconds
	}
	if *asJSON {
		return printJSON(r)
	}
	fmt.Printf("NeuralRG %s (depth %d, %d couplings/block, MLP %dx%d, %d parameters) on the %dx%d Ising model at T = %.6f\n",
		r.Arch, r.Depth, r.Blocks, r.MLPLayers, r.Hidden, r.Parameters, r.L, r.L, r.T)
	fmt.Printf("  %d steps of batch %d in %.1f s (%.0f samples/s, %s)\n", r.Epochs, r.Batch, r.Seconds, r.SamplesPerSecond, r.Backend)
	fmt.Printf("  variational loss  %.4f ± %.4f  (%.5f per site, %d fresh samples)\n", r.Loss, r.LossStdErr, r.LossPerSite, r.Samples)
	fmt.Printf("  exact bound       %.4f  (Fix %.4f - lnZ %.4f)\n", r.ExactBound, r.Fix, r.LnZ)
	fmt.Printf("  relative error    %.3f%%\n", 100*r.RelErr)
	fmt.Printf("  flow as proposal  acceptance %.3f, importance ESS %.3f, tau_int(E) %.2f of the plain independence chain\n", r.Acceptance, r.ESS, r.Tau)
	fmt.Printf("  hybrid chain      %d Gibbs moves per flow proposal: acceptance %.3f, tau_int(E) %.2f rounds\n", r.LocalMoves, r.ChainAcceptance, r.ChainTau)
	fmt.Printf("  E/N  %.4f ± %.4f (exact %.4f)   <|m|> %.4f ± %.4f   S %.3f ± %.3f\n",
		r.EnergyPerSite, r.EnergyPerSiteErr, r.EnergyPerSiteExact, r.AbsMagnetisation, r.AbsMagnetisationErr, r.StructureFactor, r.StructureFactorErr)
	if *out != "" {
		fmt.Printf("  checkpoint in %s (run again with --out to continue; --epochs is the total)\n", *out)
	}
	return nil
}

// nrgBenchTrainStep measures training throughput at L=8, batch 512.
func nrgBenchTrainStep(b compute.Backend, quick bool) (bench.Result, error) {
	cfg := neuralrg.DefaultConfig(8)
	cfg.Epochs = 1000
	m, err := neuralrg.New(b, cfg)
	if err != nil {
		return bench.Result{}, err
	}
	iters, secs, err := bench.Repeat(bench.Budget(quick), 2, func() error { return m.Train(1, nil) })
	if err != nil {
		return bench.Result{}, err
	}
	if secs <= 0 {
		return bench.Result{}, errors.New("no time measured")
	}
	return bench.Result{
		Throughput: float64(iters*cfg.Batch) / secs, Iterations: iters, Seconds: secs,
		Extra: map[string]float64{"steps_per_second": float64(iters) / secs, "parameters": float64(m.Flow.NumParameters())},
	}, nil
}
