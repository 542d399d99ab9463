package forcefield

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/descriptors/sine"
	"github.com/physnb/physnb/lib/descriptors/soap"
	"github.com/physnb/physnb/lib/num"
	"github.com/physnb/physnb/lib/potentials/lj"
	"github.com/physnb/physnb/lib/progress"
)

// Targets of the lesson: the accuracy DScribe's example reaches on the 200
// structures (its figures), energy in eV and force (x on atom 0) in eV/Å.
const (
	TargetEnergyMAE = 0.028
	TargetForceMAE  = 0.33
)

// The lesson's Lennard-Jones potential for H₂: well depth LessonEpsilon (eV)
// and LessonSigma (Å), with ASE's cut-off 3σ.
const (
	LessonEpsilon = 1.0
	LessonSigma   = 2.9
)

// The lesson's data set: LessonStructures dimers with distances evenly spaced
// from LessonMinDistance to LessonMaxDistance (Å).
const (
	LessonStructures  = 200
	LessonMinDistance = 2.5
	LessonMaxDistance = 5.0
)

// Recipe returns the training recipe of that name: "lesson" ([Lesson], the
// lesson's as written) or "robust" ([Robust], with the departures that make it
// reliable over seeds).
func Recipe(name string) (Config, error) {
	switch name {
	case "lesson":
		return Lesson(), nil
	case "robust":
		return Robust(), nil
	}
	return Config{}, fmt.Errorf("forcefield: --recipe %q: want robust or lesson", name)
}

// LessonDataset builds the lesson's 200 Lennard-Jones H₂ dimers (ε = 1 eV,
// σ = 2.9 Å, ASE's cut-off 3σ) with the chosen descriptor: "soap" (r_cut
// 5 Å, σ 0.5 Å, n_max 3, l_max 0, at the midpoint) or "sine" (the Sine
// matrix in a cubic cell of side box Å).
func LessonDataset(descriptor string, box float64) (*Dataset, error) {
	calc, err := lj.New(LessonEpsilon, LessonSigma).Done()
	if err != nil {
		return nil, err
	}
	var desc Descriptor
	switch descriptor {
	case "soap":
		s, err := soap.New("H").RCut(5).Sigma(0.5).NMax(3).LMax(0).Done()
		if err != nil {
			return nil, err
		}
		desc = SOAPAt(s, [3]float64{})
	case "sine":
		m, err := sine.New(2).CubicCell(box).Done()
		if err != nil {
			return nil, err
		}
		desc = SineMatrix(m)
	default:
		return nil, fmt.Errorf("forcefield: --descriptor %q: want soap or sine", descriptor)
	}
	return Dimers(num.Linspace(LessonMinDistance, LessonMaxDistance, LessonStructures), calc, desc)
}

// Baseline is the error of the best constant guess, the mean energy and zero
// force: the mean absolute deviation of the energies and the mean |F_x| on
// atom 0, to judge a model against.
func Baseline(ds *Dataset) (energyMAE, forceMAE float64) {
	mean := num.Mean(ds.E)
	for i := range ds.E {
		energyMAE += math.Abs(ds.E[i]-mean) / float64(ds.Len())
		forceMAE += math.Abs(ds.F[i][0][0]) / float64(ds.Len())
	}
	return energyMAE, forceMAE
}

// Experiment configures one training run of the lesson: the network of
// [Model] learns the energies and forces of the lesson's data set
// ([LessonDataset]) through a descriptor, with a recipe, and is evaluated on
// all 200 structures. The zero value is not useful: start from [Default].
type Experiment struct {
	Descriptor string  `json:"descriptor"` // "soap" or "sine"
	Recipe     string  `json:"recipe"`     // "robust" or "lesson" ([Recipe])
	Seed       uint64  `json:"seed"`       // initialisation, split and shuffling
	Epochs     int     `json:"epochs"`     // epoch limit of each initialisation (the recipe's MaxEpochs)
	Box        float64 `json:"box"`        // side of the cubic cell (Å) of the Sine matrix
	// OnStep is called after every epoch, as [Config].OnStep says (Loss the
	// last mini-batch loss, Metrics["valid_loss"]; the restarts' epochs
	// counted together, Total = Epochs·restarts).
	OnStep progress.OnStepFn `json:"-"`
}

// Default is what `physnb forces train` runs: SOAP, the robust recipe, the
// lesson's seed 7 and its 5000-epoch limit, a 20 Å box for the Sine matrix.
func Default() Experiment {
	return Experiment{Descriptor: "soap", Recipe: "robust", Seed: 7, Epochs: 5000, Box: 20}
}

// Validate reports the first bad parameter, with its valid range.
func (e Experiment) Validate() error {
	switch {
	case e.Descriptor != "soap" && e.Descriptor != "sine":
		return fmt.Errorf("forcefield: --descriptor %q: want soap or sine", e.Descriptor)
	case e.Recipe != "robust" && e.Recipe != "lesson":
		return fmt.Errorf("forcefield: --recipe %q: want robust or lesson", e.Recipe)
	case e.Epochs < 1 || e.Epochs > 10_000_000:
		return fmt.Errorf("forcefield: --epochs %d: want 1 to 10000000", e.Epochs)
	// sin²(πd/L) grows with d only up to L/2: a smaller box would give two
	// distances the same Sine matrix.
	case !(e.Box >= 2*LessonMaxDistance) || math.IsInf(e.Box, 0):
		return fmt.Errorf("forcefield: --box %g Å: want a finite side of at least %g Å (twice the longest dimer)", e.Box, 2*LessonMaxDistance)
	}
	return nil
}

// Config is the training recipe the experiment runs.
func (e Experiment) Config() (Config, error) {
	cfg, err := Recipe(e.Recipe)
	cfg.Seed, cfg.MaxEpochs, cfg.OnStep = e.Seed, e.Epochs, e.OnStep
	return cfg, err
}

// Report is what [Experiment.Run] measured: the summary the CLI prints, and
// the histories, predictions and model the notebook plots.
type Report struct {
	Descriptor  string  `json:"descriptor"`
	Recipe      string  `json:"recipe"`
	Seed        uint64  `json:"seed"`
	EnergyMAE   float64 `json:"energy_mae"`    // eV, over the 200 structures
	ForceMAE    float64 `json:"force_mae"`     // eV/Å, x on atom 0 (the lesson's figure)
	ForceMAEAll float64 `json:"force_mae_all"` // eV/Å, all atoms and components
	Epochs      int     `json:"epochs"`        // epochs of the kept initialisation
	TotalEpochs int     `json:"total_epochs"`  // of all initialisations together
	BestEpoch   int     `json:"best_epoch"`    // of the kept model, from 0
	EarlyStop   bool    `json:"early_stop"`
	StopReason  string  `json:"stop_reason"`
	Restart     int     `json:"restart"`   // the kept initialisation, from 0
	Decays      int     `json:"lr_decays"` // learning-rate decays of the kept initialisation
	// LongestRise is the most consecutive epochs not below the previous one
	// (the lesson's stopping rule counts these).
	LongestRise int     `json:"longest_rise"`
	Seconds     float64 `json:"seconds"`      // wall time of the training loop
	MeetsTarget bool    `json:"meets_target"` // both MAEs within TargetEnergyMAE and TargetForceMAE

	Backend string `json:"backend"`
	// EndHeldOut says whether the split held out the shortest or the longest
	// distance for validation.
	EndHeldOut        bool      `json:"end_held_out"`
	BaselineEnergyMAE float64   `json:"baseline_energy_mae"` // the constant guess ([Baseline])
	BaselineForceMAE  float64   `json:"baseline_force_mae"`
	RunLoss           []float64 `json:"run_loss"`     // best validation loss of each initialisation
	DecayEpochs       []int     `json:"decay_epochs"` // epochs (from 0) after which the step was lowered
	TrainIdx          []int     `json:"train_idx"`    // structures trained on
	ValidIdx          []int     `json:"valid_idx"`    // ... and held out for validation
	// Per epoch of the kept initialisation: the last and the mean mini-batch
	// loss, the validation loss and the step size.
	TrainLoss    []float64 `json:"train_loss"`
	EpochLoss    []float64 `json:"epoch_loss"`
	ValidLoss    []float64 `json:"valid_loss"`
	LearningRate []float64 `json:"learning_rate"`
	// Per structure: the distance (Å), the reference energy (eV) and force
	// F_x on atom 0 (eV/Å), and the model's.
	Distance        []float64 `json:"distance"`
	Energy          []float64 `json:"energy"`
	Force           []float64 `json:"force"`
	PredictedEnergy []float64 `json:"predicted_energy"`
	PredictedForce  []float64 `json:"predicted_force"`
	Model           *Model    `json:"model"`  // the kept network
	Scaler          Scaler    `json:"scaler"` // the standardisation it reads its descriptors through
}

// Run trains and evaluates the experiment on backend b.
func (e Experiment) Run(ctx context.Context, b compute.Backend) (*Report, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	ds, err := LessonDataset(e.Descriptor, e.Box)
	if err != nil {
		return nil, err
	}
	return e.run(ctx, b, ds)
}

// run trains on a data set already built for e.
func (e Experiment) run(ctx context.Context, b compute.Backend, ds *Dataset) (*Report, error) {
	cfg, err := e.Config()
	if err != nil {
		return nil, err
	}
	res, err := TrainContext(ctx, b, ds, cfg)
	if err != nil {
		return nil, err
	}
	m := res.Metrics
	r := &Report{Descriptor: e.Descriptor, Recipe: e.Recipe, Seed: e.Seed,
		EnergyMAE: m.EnergyMAE, ForceMAE: m.ForceMAE, ForceMAEAll: m.ForceMAEAll,
		Epochs: res.Epochs, TotalEpochs: res.TotalEpochs, BestEpoch: res.BestEpoch, EarlyStop: res.EarlyStop, StopReason: res.StopReason,
		Restart: res.Restart, Decays: len(res.Decays), LongestRise: LongestRise(res.ValidLoss), Seconds: res.Seconds,
		MeetsTarget: m.EnergyMAE <= TargetEnergyMAE && m.ForceMAE <= TargetForceMAE,
		Backend:     backend.Describe(b),
		EndHeldOut:  slices.Contains(res.ValidIdx, 0) || slices.Contains(res.ValidIdx, ds.Len()-1),
		RunLoss:     res.RunLoss, DecayEpochs: res.Decays, TrainIdx: res.TrainIdx, ValidIdx: res.ValidIdx,
		TrainLoss: res.TrainLoss, EpochLoss: res.EpochLoss, ValidLoss: res.ValidLoss, LearningRate: res.LearningRate,
		Distance: ds.R, Energy: ds.E, PredictedEnergy: res.Prediction.E, Model: res.Model, Scaler: res.Scaler}
	r.BaselineEnergyMAE, r.BaselineForceMAE = Baseline(ds)
	for i := range ds.F {
		r.Force = append(r.Force, ds.F[i][0][0])
		r.PredictedForce = append(r.PredictedForce, res.Prediction.F[i][0][0])
	}
	return r, nil
}

// SeedStudy trains the same experiment with Seeds consecutive seeds, from
// Base.Seed on, and gathers the spread of the errors. The zero value is not
// useful: start from [DefaultSeedStudy].
type SeedStudy struct {
	Base  Experiment `json:"base"`  // the run repeated (its OnStep is not used)
	Seeds int        `json:"seeds"` // how many seeds: Base.Seed, Base.Seed+1, ...
	// OnStep is called after every epoch of every run, the runs counted
	// together: run i (from 0) reports Step = i·P + its own step, with P =
	// Base.Epochs·restarts its planned steps, and Total = Seeds·P, except
	// that the step that ends the study has Total = Step.
	OnStep progress.OnStepFn `json:"-"`
}

// DefaultSeedStudy is what `physnb forces seeds` runs: [Default] with seeds
// 7 to 11.
func DefaultSeedStudy() SeedStudy { return SeedStudy{Base: Default(), Seeds: 5} }

// Validate reports the first bad parameter, with its valid range.
func (s SeedStudy) Validate() error {
	if s.Seeds < 1 || s.Seeds > 10000 {
		return fmt.Errorf("forcefield: --n %d seeds: want 1 to 10000", s.Seeds)
	}
	return s.Base.Validate()
}

// Stats are the mean, the population standard deviation (numpy.std, as the
// lesson's figures and docs/forces.md give them), the minimum and the maximum
// of one error over the seeds.
type Stats struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

func statsOf(xs []float64) Stats {
	s := Stats{Mean: num.Mean(xs), Min: slices.Min(xs), Max: slices.Max(xs)}
	for _, x := range xs {
		s.Std += (x - s.Mean) * (x - s.Mean) / float64(len(xs))
	}
	s.Std = math.Sqrt(s.Std)
	return s
}

// SeedReport is what [SeedStudy.Run] measured: one row per seed and the
// statistics over them.
type SeedReport struct {
	Descriptor string   `json:"descriptor"`
	Recipe     string   `json:"recipe"`
	Runs       []Report `json:"runs"` // one per seed, in order
	EnergyMAE  Stats    `json:"energy_mae"`
	ForceMAE   Stats    `json:"force_mae"`
	// Meeting counts the runs that meet both targets.
	Meeting           int     `json:"runs_meeting_target"`
	Epochs            int     `json:"epochs"` // the epoch limit of each run
	BaselineEnergyMAE float64 `json:"baseline_energy_mae"`
	BaselineForceMAE  float64 `json:"baseline_force_mae"`
	Backend           string  `json:"backend"`
	Seconds           float64 `json:"seconds"` // training time of all runs together
}

// Run trains every seed in turn on one data set and gathers the statistics.
func (s SeedStudy) Run(ctx context.Context, b compute.Backend) (*SeedReport, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	ds, err := LessonDataset(s.Base.Descriptor, s.Base.Box)
	if err != nil {
		return nil, err
	}
	cfg, _ := s.Base.Config()
	per := max(cfg.Restarts, 1) * cfg.MaxEpochs
	out := &SeedReport{Descriptor: s.Base.Descriptor, Recipe: s.Base.Recipe, Epochs: s.Base.Epochs, Backend: backend.Describe(b)}
	out.BaselineEnergyMAE, out.BaselineForceMAE = Baseline(ds)
	var es, fs []float64
	for i := 0; i < s.Seeds; i++ {
		e := s.Base
		e.Seed, e.OnStep = s.Base.Seed+uint64(i), nil
		if s.OnStep != nil {
			e.OnStep = func(st progress.Step) error {
				end := st.Step == st.Total && i == s.Seeds-1
				st.Step, st.Total = i*per+st.Step, s.Seeds*per
				if end {
					st.Total = st.Step
				}
				return s.OnStep(st)
			}
		}
		r, err := e.run(ctx, b, ds)
		if err != nil {
			return nil, fmt.Errorf("forcefield: seed %d: %w", e.Seed, err)
		}
		out.Runs = append(out.Runs, *r)
		es, fs = append(es, r.EnergyMAE), append(fs, r.ForceMAE)
		out.Seconds += r.Seconds
		if r.MeetsTarget {
			out.Meeting++
		}
	}
	out.EnergyMAE, out.ForceMAE = statsOf(es), statsOf(fs)
	return out, nil
}

// BenchWorkload is the "forces-train-epoch" benchmark: epochs per second of
// the lesson's recipe on its SOAP data set, every epoch run (30 quick, 300
// otherwise).
func BenchWorkload() bench.Workload {
	return bench.Workload{
		Name:        "forces-train-epoch",
		Description: "epochs of the lesson's energy+force training (SOAP 6-5-1, 12 Adam steps of batch 2 with a gradient inside the loss)",
		Unit:        "epochs/s",
		Run: func(b compute.Backend, quick bool) (bench.Result, error) {
			ds, err := LessonDataset("soap", 20)
			if err != nil {
				return bench.Result{}, err
			}
			cfg := Lesson()
			cfg.Patience = 1 << 30 // run every epoch
			cfg.MaxEpochs = 300
			if quick {
				cfg.MaxEpochs = 30
			}
			res, err := Train(b, ds, cfg)
			if err != nil {
				return bench.Result{}, err
			}
			return bench.Result{Throughput: float64(res.Epochs) / res.Seconds, Iterations: res.Epochs, Seconds: res.Seconds,
				Extra: map[string]float64{"energy_mae": res.Metrics.EnergyMAE, "force_mae": res.Metrics.ForceMAE}}, nil
		},
	}
}
