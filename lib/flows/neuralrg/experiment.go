package neuralrg

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/ising"
	"github.com/physnb/physnb/lib/preflight"
	"github.com/physnb/physnb/lib/progress"
)

// Experiment configures one NeuralRG run, the one of `physnb neuralrg train`:
// train the flow of Config for Epochs steps (resuming from the checkpoint
// folder Out if it holds a run), evaluate it on Samples fresh samples against
// the exact bound, and measure the Ising observables with the hybrid chain.
// The zero value is not useful: start from [Default].
type Experiment struct {
	// Config is the model and its training (L, T, arch, depth, ..., epochs);
	// its JSON fields are those of the experiment.
	Config
	// Dim is the dimension of the lattice; only 2 is implemented.
	Dim int `json:"d"`
	// Samples is the number of fresh samples of the final evaluation (loss,
	// plain Metropolis chain) and of measured flow proposals of the hybrid
	// chain (at least 64).
	Samples int `json:"samples"`
	// LocalMoves is the number of Gibbs moves of the relaxation between flow
	// proposals in the hybrid chain (0: the plain independence sampler).
	LocalMoves int `json:"local_moves"`
	// Out is the checkpoint folder ("" for none): a run saved there is
	// resumed (its saved configuration is used, and Epochs is the total
	// number of steps), and the run is saved there every SaveEvery steps
	// and at the end.
	Out       string `json:"out"`
	SaveEvery int    `json:"save_every"`
	// Levels is the number of generated configurations read out level by
	// level into [Report].Levels (0: none).
	Levels int `json:"levels"`
	// KeepFreeEnergies keeps ln q(x) + E(x) of every evaluation sample in
	// [Report].FreeEnergies (for a histogram).
	KeepFreeEnergies bool `json:"keep_free_energies"`
	// OnStep sees every training step (Step counts from the start of the
	// run, resumed steps included; Total is Epochs; Loss the batch's
	// variational loss).
	OnStep progress.OnStepFn `json:"-"`
	// Log, if not nil, receives notes on the run (a resumed checkpoint).
	Log io.Writer `json:"-"`
}

// Default is `physnb neuralrg train` without flags: the MERA of
// [DefaultConfig] on the 4x4 lattice at T_c for 300 steps, 4096 evaluation
// samples, 16 Gibbs moves per flow proposal, a checkpoint every 100 steps
// when Out is set.
func Default() Experiment {
	cfg := DefaultConfig(4)
	cfg.Epochs = 300
	return Experiment{Config: cfg, Dim: 2, Samples: 4096, LocalMoves: 16, SaveEvery: 100}
}

// Quick is the short run of `--quick` (tests): the 4x4 lattice, batch 128,
// the default depth, learning rate 3e-3, 40 steps and 512 samples.
func (e Experiment) Quick() Experiment {
	e.L, e.Batch, e.Depth, e.LearningRate = 4, 128, 0, 3e-3
	e.Epochs, e.Samples = 40, 512
	return e
}

// Validate reports the first bad parameter with its valid range.
func (e Experiment) Validate() error {
	switch {
	case e.Dim != 2:
		return fmt.Errorf("neuralrg: -d %d: only the two-dimensional Ising model is implemented (want 2)", e.Dim)
	case e.Epochs < 0:
		return fmt.Errorf("neuralrg: --epochs %d: want at least 0", e.Epochs)
	case e.Samples < 64:
		return fmt.Errorf("neuralrg: --samples %d: want at least 64", e.Samples)
	case e.LocalMoves < 0:
		return fmt.Errorf("neuralrg: --local-moves %d: want at least 0", e.LocalMoves)
	case e.SaveEvery < 1:
		return fmt.Errorf("neuralrg: --save-every %d steps: want at least 1", e.SaveEvery)
	case e.Levels < 0:
		return fmt.Errorf("neuralrg: levels %d: want at least 0", e.Levels)
	}
	if err := e.Config.Validate(); err != nil {
		return err
	}
	return e.budget()
}

// Rough sizes for [Experiment.budget], measured with `physnb neuralrg train`
// (peak RSS at batch 128 and 4096 on the 4x4 lattice, and seconds at 512
// and 32768 evaluation samples with 16 Gibbs moves).
const (
	bytesPerBatchSite = 8 << 10 // the training graph's activations and gradients, per sample and site
	bytesPerEvalSite  = 256     // an evaluation sample and its chains' states, per site
	// maxSiteMoves is the most site updates of the hybrid chain an evaluation
	// may make: at about 4 µs each, half a day.
	maxSiteMoves = 1e10
)

// budget refuses sizes whose memory or evaluation time is out of reach
// before anything is allocated: the relaxation's N x N matrix K'⁻¹ (N = L²),
// a training batch, the evaluation samples and their hybrid chain.
func (e Experiment) budget() error {
	n := float64(e.L) * float64(e.L)
	fixed := 8*n*n + 64<<20
	if err := preflight.CheckMemory("neuralrg", "--L", e.L, func(L int) float64 {
		m := float64(L) * float64(L)
		return 8*m*m + 64<<20
	}); err != nil {
		return err
	}
	if err := preflight.CheckMemory("neuralrg", "--batch", e.Batch, func(b int) float64 {
		return fixed + float64(b)*n*bytesPerBatchSite
	}); err != nil {
		return err
	}
	if err := preflight.CheckMemory("neuralrg", "--samples", e.Samples, func(s int) float64 {
		return fixed + float64(s)*n*bytesPerEvalSite
	}); err != nil {
		return err
	}
	return preflight.CheckSteps("neuralrg", "--samples", e.Samples, "site updates of the evaluation chains", func(s int) float64 {
		return float64(s) * float64(e.LocalMoves+1) * n
	}, maxSiteMoves)
}

// ExactBound is the exact minimum Fix - lnZ of the loss for e's lattice and
// temperature (a reference line for a progress bar).
func (e Experiment) ExactBound() (float64, error) {
	if err := e.Validate(); err != nil {
		return 0, err
	}
	shift := e.Shift
	if shift == 0 {
		shift = ising.DefaultShift
	}
	bound, _, _, err := ising.ExactBound(e.L, e.T, shift)
	return bound, err
}

// Train returns the trained model of e: loaded from Out if it holds a run
// (then trained on up to Epochs steps in all), otherwise built from Config
// and trained for Epochs steps; with Out set, saved every SaveEvery steps and
// at the end. A resumed run uses its saved configuration; what this run sets
// differently, and a cosine schedule that ended before Epochs, is said on
// Log and kept in the model's Notes.
func (e Experiment) Train(ctx context.Context, b compute.Backend) (*Model, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	var m *Model
	var err error
	if e.Out != "" && HasCheckpoint(e.Out) {
		if m, err = load(b, e.Out, e.Log); err != nil {
			return nil, err
		}
		m.Notes = e.resumeNotes(m)
		if e.Log != nil {
			fmt.Fprintf(e.Log, "resuming the run in %s from checkpoint %s: %d steps, %d weight arrays restored (its saved configuration is used)\n",
				e.Out, m.Resumed.Checkpoint, m.Resumed.Step, m.Resumed.Weights)
			for _, n := range m.Notes {
				fmt.Fprintf(e.Log, "note: %s\n", n)
			}
		}
	} else if m, err = New(b, e.Config); err != nil {
		return nil, err
	}
	if remaining := e.Epochs - len(m.History); remaining > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		done := len(m.History)
		err := m.Train(remaining, func(s progress.Step) error {
			s.Total = e.Epochs
			if err := e.OnStep.Call(s); err != nil {
				return err
			}
			if e.Out != "" && (s.Step-done)%e.SaveEvery == 0 {
				if err := m.Save(e.Out); err != nil {
					return err
				}
			}
			return ctx.Err()
		})
		if err != nil {
			return nil, err
		}
	}
	if e.Out != "" && !(sameDir(m.savedIn, e.Out) && m.savedStep == len(m.History)) {
		if err := m.Save(e.Out); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// resumeNotes says how the resumed model m differs from what e asks for.
func (e Experiment) resumeNotes(m *Model) []string {
	var notes []string
	saved, asked := m.Config, e.Config.withDefaults()
	asked.Epochs = saved.Epochs
	if saved != asked {
		var a, s map[string]any
		ja, _ := json.Marshal(asked)
		js, _ := json.Marshal(saved)
		json.Unmarshal(ja, &a)
		json.Unmarshal(js, &s)
		var diffs []string
		for _, k := range slices.Sorted(maps.Keys(a)) {
			if fmt.Sprint(a[k]) != fmt.Sprint(s[k]) {
				diffs = append(diffs, fmt.Sprintf("%s %v (saved: %v)", k, a[k], s[k]))
			}
		}
		notes = append(notes, "this run's settings differ from the saved run's, which are used: "+strings.Join(diffs, ", "))
	}
	c := m.Config
	if c.Cosine && c.Epochs > 0 && e.Epochs > c.Epochs {
		notes = append(notes, fmt.Sprintf("the saved run's cosine schedule spans %d steps; steps %d-%d keep its final learning rate %.3g (lr/20): start a fresh run for a schedule over %d steps",
			c.Epochs, max(c.Epochs, len(m.History))+1, e.Epochs, m.LearningRate(c.Epochs), e.Epochs))
	}
	if len(m.History) >= e.Epochs {
		notes = append(notes, fmt.Sprintf("the saved run already has %d steps (epochs %d): nothing to train", len(m.History), e.Epochs))
	}
	return notes
}

// Report is what [Experiment.Run] measured: the JSON of `physnb neuralrg
// train` (the configuration actually used, which on a resumed run is the
// saved one), the training history, and optionally the level readouts and
// per-sample free energies.
type Report struct {
	L            int     `json:"L"`
	T            float64 `json:"T"`
	Arch         string  `json:"arch"`
	Depth        int     `json:"depth"`
	Blocks       int     `json:"blocks"`
	MLPLayers    int     `json:"mlp_layers"`
	Hidden       int     `json:"hidden"`
	Batch        int     `json:"batch"`
	LearningRate float64 `json:"lr"`
	Seed         uint64  `json:"seed"`
	Symmetric    bool    `json:"symmetric"`
	Whiten       bool    `json:"whiten"`
	Cosine       bool    `json:"cosine"`
	Parameters   int     `json:"parameters"`
	// Epochs is the number of steps trained, resumed ones included.
	Epochs int `json:"epochs"`
	// Loss ± LossStdErr is F[q] on the fresh samples; TrainLossLast the mean
	// of the last 10 training losses.
	Loss          float64 `json:"loss"`
	LossStdErr    float64 `json:"loss_std_err"`
	LossPerSite   float64 `json:"loss_per_site"`
	TrainLossLast float64 `json:"train_loss_last"`
	// ExactBound = Fix - LnZ, and RelErr = (Loss - ExactBound)/|ExactBound|.
	ExactBound float64 `json:"exact_bound"`
	LnZ        float64 `json:"lnz"`
	Fix        float64 `json:"fix"`
	RelErr     float64 `json:"rel_err"`
	// The flow as a proposal (see [Evaluation]).
	Samples      int     `json:"samples"`
	Acceptance   float64 `json:"acceptance"`
	ESS          float64 `json:"ess"`
	Tau          float64 `json:"tau"`
	LnZRelaxedIS float64 `json:"lnz_relaxed_is"`
	// The hybrid chain and its observables (see [Model.Chain]).
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
	// Seconds of training steps (resumed runs included) and the throughput
	// Epochs*Batch/Seconds.
	Seconds          float64 `json:"seconds"`
	SamplesPerSecond float64 `json:"samples_per_second"`
	// Resumed names the checkpoint a resumed run started from (absent for a
	// fresh run); Notes says how the resumed run differs from what was asked.
	Resumed *Resumed `json:"resumed,omitempty"`
	Notes   []string `json:"notes,omitempty"`
	Backend string   `json:"backend"`
	Out     string   `json:"out,omitempty"`
	// History is the loss of every training step.
	History []Point `json:"history"`
	// Levels holds Experiment.Levels generated configurations, each read
	// out at every stage of the hierarchy ([Model.Levels]).
	Levels [][]Level `json:"levels,omitempty"`
	// FreeEnergies is ln q(x) + E(x) of every evaluation sample, with
	// Experiment.KeepFreeEnergies.
	FreeEnergies []float64 `json:"free_energies,omitempty"`
}

// Run trains (or resumes) the flow, evaluates it against the exact bound and
// runs the hybrid chain.
func (e Experiment) Run(ctx context.Context, b compute.Backend) (*Report, error) {
	m, err := e.Train(ctx, b)
	if err != nil {
		return nil, err
	}
	ev, err := m.Evaluate(e.Samples)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch, err := m.Chain(m.ChainConfig(e.Samples, e.LocalMoves))
	if err != nil {
		return nil, err
	}
	c := m.Config
	eExact, err := ising.KaufmanEnergyPerSite(c.L, c.T)
	if err != nil {
		return nil, err
	}
	obs, obsErr := ch.Observables(), ch.Errors()
	r := &Report{
		L: c.L, T: c.T, Arch: c.Arch, Depth: c.Depth, Blocks: c.Blocks, MLPLayers: c.MLPLayers, Hidden: c.Hidden,
		Batch: c.Batch, LearningRate: c.LearningRate, Seed: c.Seed, Symmetric: c.Symmetric, Whiten: c.Whiten,
		Cosine: c.Cosine, Parameters: m.Flow.NumParameters(),
		Epochs: len(m.History), Loss: ev.Loss, LossStdErr: ev.LossStdErr, LossPerSite: ev.Loss / float64(c.L*c.L),
		TrainLossLast: m.RecentLoss(10), ExactBound: m.Bound, LnZ: m.LnZ, Fix: m.Fix, RelErr: ev.RelErr,
		Samples: ev.Samples, Acceptance: ev.Acceptance, ESS: ev.ESS, Tau: ev.Tau, LnZRelaxedIS: ev.LnZRelaxedIS,
		LocalMoves: e.LocalMoves, ChainAcceptance: ch.FlowAcceptance, ChainTau: ch.Energy.Tau, ChainSeconds: ch.Seconds,
		EnergyPerSite: obs.EnergyPerSite, EnergyPerSiteErr: obsErr.EnergyPerSite, EnergyPerSiteExact: eExact,
		AbsMagnetisation: obs.AbsMagnetisation, AbsMagnetisationErr: obsErr.AbsMagnetisation,
		StructureFactor: obs.StructureFactor, StructureFactorErr: obsErr.StructureFactor,
		Seconds: m.TrainSeconds, Backend: backend.Describe(b), Out: e.Out, History: m.History,
		Resumed: m.Resumed, Notes: m.Notes,
	}
	if m.TrainSeconds > 0 {
		r.SamplesPerSecond = float64(len(m.History)*c.Batch) / m.TrainSeconds
	}
	if e.KeepFreeEnergies {
		r.FreeEnergies = make([]float64, ev.Draws.Rows())
		for i := range r.FreeEnergies {
			r.FreeEnergies[i] = ev.Draws.LogQ[i] + ev.Draws.Energy[i]
		}
	}
	if e.Levels > 0 {
		if r.Levels, err = m.Levels(e.Levels); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// LossCurve returns the steps and the training losses averaged over the last
// `window` steps (fewer at the start), for plots.
func (r *Report) LossCurve(window int) (steps, losses []float64) {
	h := r.History
	for i := range h {
		lo := max(0, i-window+1)
		s := 0.0
		for _, p := range h[lo : i+1] {
			s += p.Loss
		}
		steps = append(steps, float64(h[i].Step))
		losses = append(losses, s/float64(i+1-lo))
	}
	return steps, losses
}
