// Package neuralrg puts the pieces of Neural Network Renormalization Group
// together for the two-dimensional Ising model (S.-H. Li and L. Wang, PRL 121,
// 260601 (2018), arXiv:1802.02840): a hierarchical RealNVP flow
// ([flows.Bijector]) trained by the variational free energy on the continuous
// relaxation of the Ising model ([ising.Relaxation]), whose exact lower bound
// -lnZ_relaxed = Fix - lnZ is known from Kaufman's solution, so training can be
// judged by the relative error
//
//	rel_err = (F[q] - F_exact) / |F_exact|,   F[q] = E_q[ln q(x) + E(x)] >= F_exact.
//
// The trained flow then proposes moves of an exact Markov chain: independence
// Metropolis steps ([flows.Metropolis]) interleaved with Gibbs sweeps of the
// relaxation in [Model.Chain], which stays unbiased where the flow's importance
// weights are heavy-tailed. Its hierarchy shows the renormalization group:
// read out level by level, a generated configuration goes from coarse to fine.
//
// The notebook notebooks/neural-rg.ipynb and the command `physnb neuralrg train`
// both run an [Experiment]: training (resumable from a checkpoint folder),
// the evaluation against the exact bound and the hybrid chain, in one call:
//
//	e := neuralrg.Default()
//	e.L, e.Epochs = 8, 600
//	e.OnStep = progress.New("NeuralRG", 0).OnStep
//	rep, err := e.Run(ctx, backend)
//	fmt.Println(rep.Loss, rep.ExactBound, rep.RelErr, rep.EnergyPerSite, rep.EnergyPerSiteErr)
//
// A [ChainStudy] compares samplers (plain independence, hybrid) over chain
// lengths on one trained flow. The pieces are there for other uses:
//
//	m, err := neuralrg.New(backend, neuralrg.DefaultConfig(8))
//	err = m.Train(300, nil)
//	ev, err := m.Evaluate(4096)
//	ch, err := m.Chain(m.ChainConfig(16384, 16)) // 16 Gibbs sweeps per flow proposal
package neuralrg

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/checkpoints"
	"github.com/physnb/physnb/lib/flows"
	"github.com/physnb/physnb/lib/ising"
	"github.com/physnb/physnb/lib/progress"
)

// Config is everything that defines a NeuralRG run; its JSON form is stored
// next to the checkpoints so that a run can resume.
type Config struct {
	// L is the linear lattice size, T the temperature.
	L int     `json:"L"`
	T float64 `json:"T"`
	// Arch is "tebd" or "mera".
	Arch string `json:"arch"`
	// Depth is the number of TEBD layers or of MERA RG levels (0: the default,
	// 4 for TEBD and log2 L for MERA).
	Depth int `json:"depth"`
	// Repeat is the number of (decimator, disentangler) pairs per MERA level.
	Repeat int `json:"repeat"`
	// Blocks is the number of RealNVP coupling layers in each block.
	Blocks int `json:"blocks"`
	// MLPLayers and Hidden shape the networks inside each coupling.
	MLPLayers int `json:"mlp_layers"`
	Hidden    int `json:"hidden"`
	// ScaleBound bounds the log-scale of each coupling.
	ScaleBound float64 `json:"scale_bound"`
	// Activation of the hidden layers.
	Activation string `json:"activation"`
	// Batch, LearningRate and Seed of the training.
	Batch        int     `json:"batch"`
	LearningRate float64 `json:"lr"`
	Seed         uint64  `json:"seed"`
	// Symmetric trains the Z2-symmetrised density ½[q(x) + q(-x)].
	Symmetric bool `json:"symmetric"`
	// Shift is the smallest eigenvalue of the shifted coupling matrix K'.
	Shift float64 `json:"shift"`
	// Whiten lets the flow generate y = K'^(-½) x instead of x (see
	// [ising.Relaxation.Whitened]): the Gaussian part of the target is then
	// built in, and the loss and its bound are unchanged.
	Whiten bool `json:"whiten"`
	// Epochs is the planned number of steps; with Cosine the learning rate
	// decays from LearningRate to LearningRate/20 over them (cosine schedule),
	// which removes most of the step-to-step jitter of the weights at the end.
	Epochs int  `json:"epochs"`
	Cosine bool `json:"cosine"`
}

// DefaultConfig returns the default run for an L x L lattice at T_c: a MERA
// of log2 L levels with 4-coupling RealNVP blocks, batch 512, Adam at 1e-3
// with a cosine decay over Epochs (set it), trained on the Z2-symmetrised
// density of the whitened variables.
func DefaultConfig(L int) Config {
	blk := flows.DefaultRealNVP()
	return Config{
		L: L, T: ising.CriticalT, Arch: "mera", Repeat: 1,
		Blocks: blk.Couplings, MLPLayers: blk.MLPLayers, Hidden: blk.Hidden,
		ScaleBound: blk.ScaleBound, Activation: blk.Activation,
		Batch: 512, LearningRate: 1e-3, Seed: 1, Symmetric: true, Shift: ising.DefaultShift,
		Whiten: true, Cosine: true,
	}
}

// withDefaults fills the depth.
func (c Config) withDefaults() Config {
	if c.Depth == 0 {
		if c.Arch == "mera" {
			c.Depth = flows.MaxMERADepth(c.L)
		} else {
			c.Depth = 4
		}
	}
	if c.Repeat == 0 {
		c.Repeat = 1
	}
	if c.Shift == 0 {
		c.Shift = ising.DefaultShift
	}
	return c
}

// MaxDepth and MaxHidden bound the network's layers (TEBD layers, MERA
// repeats, couplings per block, hidden layers) and hidden units, MaxL the
// lattice (the memory check of an experiment is finer).
const (
	MaxDepth  = 64
	MaxHidden = 4096
	MaxL      = 512
)

// Validate reports the first bad parameter with its valid range.
func (c Config) Validate() error {
	c = c.withDefaults()
	if !(c.T > 0) || math.IsInf(c.T, 0) {
		return fmt.Errorf("neuralrg: -T %v: want a positive, finite temperature", c.T)
	}
	if c.L > MaxL { // before the layout is built
		return fmt.Errorf("neuralrg: --L %d: want at most %d (the relaxation's N x N matrix, N = L², takes 8·L⁴ bytes)", c.L, MaxL)
	}
	if c.Depth > MaxDepth || c.Repeat > MaxDepth { // before the layout is built
		return fmt.Errorf("neuralrg: --depth %d --repeat %d: want at most %d each", c.Depth, c.Repeat, MaxDepth)
	}
	if _, err := flows.NewLayout(c.Arch, c.L, c.Depth, c.Repeat); err != nil {
		return fmt.Errorf("neuralrg: --arch %s --L %d --depth %d --repeat %d: %w", c.Arch, c.L, c.Depth, c.Repeat, err)
	}
	// The upper limits keep the graph to a size that compiles in seconds;
	// the NeuralRG README's networks are far inside them.
	switch {
	case c.Blocks < 1 || c.Blocks > MaxDepth:
		return fmt.Errorf("neuralrg: --blocks %d: want 1 to %d coupling layers per block", c.Blocks, MaxDepth)
	case c.MLPLayers < 1 || c.MLPLayers > MaxDepth:
		return fmt.Errorf("neuralrg: --mlp-layers %d: want 1 to %d hidden layers", c.MLPLayers, MaxDepth)
	case c.Hidden < 1 || c.Hidden > MaxHidden:
		return fmt.Errorf("neuralrg: --hidden %d: want 1 to %d hidden units", c.Hidden, MaxHidden)
	}
	if err := c.block().Validate(); err != nil || c.Activation == "" {
		return fmt.Errorf("neuralrg: --activation %q: want a GoMLX activation: relu, tanh, swish, gelu, ...", c.Activation)
	}
	if c.Batch < 2 {
		return fmt.Errorf("neuralrg: --batch %d: want at least 2", c.Batch)
	}
	if !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0) {
		return fmt.Errorf("neuralrg: --lr %v: want a positive, finite learning rate", c.LearningRate)
	}
	return nil
}

func (c Config) block() flows.RealNVP {
	return flows.RealNVP{Dim: 4, Couplings: c.Blocks, MLPLayers: c.MLPLayers, Hidden: c.Hidden,
		ScaleBound: c.ScaleBound, Activation: c.Activation}
}

// Point is one entry of the training history.
type Point struct {
	Step   int     `json:"step"`
	Loss   float64 `json:"loss"`
	StdErr float64 `json:"std_err"`
}

// Model is a NeuralRG flow for one Ising model, with its exact references.
type Model struct {
	Config     Config
	Relaxation *ising.Relaxation
	// LnZ is the exact lnZ of the discrete model (Kaufman), Fix the relaxation
	// constant and Bound = Fix - LnZ the exact minimum of the loss.
	LnZ, Fix, Bound float64
	Flow            *flows.Bijector
	Trainer         *flows.Variational
	// History of the training losses (one point per step).
	History []Point
	// TrainSeconds is the wall time of the training steps (saves and
	// progress reports excluded), of earlier runs too after a resume; it is
	// counted after every step, so a checkpoint saved mid-run carries it.
	TrainSeconds float64
	// Resumed describes the checkpoint the model was loaded from (nil for a
	// fresh model).
	Resumed *Resumed
	// Notes say how a resumed run differs from what was asked (see
	// [Experiment.Train]).
	Notes   []string
	backend compute.Backend
	levels  *model.Exec
	// savedIn is the folder the model was loaded from or last saved to, and
	// savedStep the step of that checkpoint.
	savedIn   string
	savedStep int
}

// Resumed says which checkpoint a loaded model comes from.
type Resumed struct {
	Dir        string   `json:"dir"`
	Checkpoint string   `json:"checkpoint"` // the checkpoint folder's name
	Step       int      `json:"step"`       // steps the checkpoint holds
	Weights    int      `json:"weights"`    // variables restored (flow weights, Adam moments, ...)
	Skipped    []string `json:"skipped,omitempty"`
}

// New builds the model: the exact references, the layout, fresh weights and the trainer.
func New(b compute.Backend, cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r, err := ising.NewRelaxation(cfg.L, cfg.T, cfg.Shift)
	if err != nil {
		return nil, err
	}
	lnZ, err := ising.KaufmanLnZ(cfg.L, cfg.T)
	if err != nil {
		return nil, err
	}
	lay, err := flows.NewLayout(cfg.Arch, cfg.L, cfg.Depth, cfg.Repeat)
	if err != nil {
		return nil, err
	}
	bj, err := flows.NewBijector(model.NewStore(), lay, cfg.block(), dtypes.Float32, cfg.Seed)
	if err != nil {
		return nil, err
	}
	energy := r.EnergyGraph
	if cfg.Whiten {
		energy = r.Whitened
	}
	tr, err := flows.NewVariational(b, bj, energy, flows.VariationalConfig{
		Batch: cfg.Batch, LearningRate: cfg.LearningRate, Symmetric: cfg.Symmetric, Seed: cfg.Seed + 1})
	if err != nil {
		return nil, err
	}
	return &Model{Config: cfg, Relaxation: r, LnZ: lnZ, Fix: r.Fix, Bound: r.ExactBound(lnZ),
		Flow: bj, Trainer: tr, backend: b}, nil
}

// MustNew is [New] for notebook cells.
func MustNew(b compute.Backend, cfg Config) *Model {
	m, err := New(b, cfg)
	if err != nil {
		panic(err)
	}
	return m
}

// RelErr is (loss - Bound)/|Bound|.
func (m *Model) RelErr(loss float64) float64 { return (loss - m.Bound) / math.Abs(m.Bound) }

// Train takes `steps` Adam steps (an "epoch" of the original code is one step
// on a fresh batch). onStep, if not nil, sees every step: Step counts all the
// steps of the model (len(History)), Total is Config.Epochs (0 if unset) and
// Loss the batch's variational loss; an error it returns stops the run (e.g. a
// progress bar reporting NaN) and is returned.
func (m *Model) Train(steps int, onStep progress.OnStepFn) error {
	if steps < 0 {
		return fmt.Errorf("neuralrg: steps=%d must be >= 0", steps)
	}
	for i := 0; i < steps; i++ {
		start := time.Now()
		if lr := m.LearningRate(len(m.History)); lr != m.Config.LearningRate || m.Config.Cosine {
			if err := m.Trainer.SetLearningRate(lr); err != nil {
				return err
			}
		}
		st, err := m.Trainer.Step()
		if err != nil {
			return err
		}
		m.TrainSeconds += time.Since(start).Seconds()
		step := len(m.History) + 1
		m.History = append(m.History, Point{Step: step, Loss: st.Loss, StdErr: st.StdErr})
		if err := onStep.Call(progress.Step{Step: step, Total: m.Config.Epochs, Loss: st.Loss}); err != nil {
			return err
		}
	}
	return nil
}

// LearningRate is the rate used for step `step` (0-based): constant, or the
// cosine decay from LearningRate to LearningRate/20 over Config.Epochs steps.
func (m *Model) LearningRate(step int) float64 {
	c := m.Config
	if !c.Cosine || c.Epochs <= 0 {
		return c.LearningRate
	}
	lo := c.LearningRate / 20
	f := math.Min(1, float64(step)/float64(c.Epochs))
	return lo + 0.5*(c.LearningRate-lo)*(1+math.Cos(math.Pi*f))
}

// Configs returns x for the rows of a sample: the flow's output itself, or
// K'^½ y when the flow generates whitened variables.
func (m *Model) Configs(s flows.Samples) []float64 {
	if m.Config.Whiten {
		return m.Relaxation.Unwhiten(s.X)
	}
	return s.X
}

// RecentLoss averages the last n training losses (fewer if the history is shorter).
func (m *Model) RecentLoss(n int) float64 {
	h := m.History
	if len(h) == 0 {
		return math.NaN()
	}
	if n > len(h) {
		n = len(h)
	}
	s := 0.0
	for _, p := range h[len(h)-n:] {
		s += p.Loss
	}
	return s / float64(n)
}

// Evaluation is the evaluation of a trained flow on fresh samples.
type Evaluation struct {
	Samples int
	// Loss is F[q] estimated on the samples, LossStdErr its standard error.
	Loss, LossStdErr float64
	RelErr           float64
	// Acceptance of the plain independence Metropolis chain over the samples;
	// ESS the importance-weight effective sample size fraction; Tau that
	// chain's integrated autocorrelation time of the energy. They measure the
	// flow as a proposal; the observables come from [Model.Chain].
	Acceptance, ESS, Tau float64
	// LnZRelaxedIS is the importance-sampling estimate ln E_q[exp(-E)/q] of
	// lnZ_relaxed = -Bound: it checks that ln q and E are consistently
	// normalised, and falls short when the weights are heavy-tailed.
	LnZRelaxedIS float64
	// Raw are the averages over the flow's samples without any Metropolis
	// correction (biased by the flow's imperfection).
	Raw ising.Observables
	// SamplesPerSecond of drawing from the flow.
	SamplesPerSecond float64
	// Draws keeps the samples for plots.
	Draws flows.Samples
}

// Evaluate draws n independent samples, estimates the loss and the proposal
// diagnostics (acceptance, ESS, τ of the plain independence chain) and the
// raw averages of the observables.
func (m *Model) Evaluate(n int) (Evaluation, error) {
	if n < 20 {
		return Evaluation{}, fmt.Errorf("neuralrg: need >= 20 samples to evaluate, got %d", n)
	}
	start := time.Now()
	s, err := m.Trainer.Sample(n)
	if err != nil {
		return Evaluation{}, err
	}
	rep := Evaluation{Samples: n, Draws: s, SamplesPerSecond: float64(n) / time.Since(start).Seconds()}
	rep.Loss, rep.LossStdErr = s.FreeEnergy()
	rep.RelErr = m.RelErr(rep.Loss)
	logPi := make([]float64, n)
	for i, e := range s.Energy {
		logPi[i] = -e
	}
	chain, err := flows.Metropolis(s.LogQ, logPi, m.Config.Seed+7)
	if err != nil {
		return Evaluation{}, err
	}
	rep.Acceptance = chain.Acceptance
	rep.ESS = flows.ImportanceESS(s.LogQ, logPi)
	rep.LnZRelaxedIS = flows.ImportanceLogMean(s.LogQ, logPi)
	rng := rand.New(rand.NewPCG(m.Config.Seed+11, 3))
	energy := make([]float64, n)
	xs := m.Configs(s)
	N := m.Config.L * m.Config.L
	for i := 0; i < n; i++ {
		o := ising.SpinEstimates(m.Config.L, xs[i*N:(i+1)*N], rng)
		energy[i] = o.EnergyPerSite
		rep.Raw.EnergyPerSite += o.EnergyPerSite / float64(n)
		rep.Raw.AbsMagnetisation += o.AbsMagnetisation / float64(n)
		rep.Raw.StructureFactor += o.StructureFactor / float64(n)
	}
	e := make([]float64, n)
	for t, idx := range chain.State {
		e[t] = energy[idx]
	}
	rep.Tau = flows.AutocorrTime(e)
	return rep, nil
}

// Level is a configuration read out inside the hierarchy.
type Level struct {
	// Name says where it was read (e.g. "level 2 (4x4)").
	Name string `json:"name"`
	// Size is the side of the image, Pixels its Size² values (row-major).
	Size   int       `json:"size"`
	Pixels []float64 `json:"pixels"`
}

// MeanSpins maps the level's variables x to tanh x = <s|x>, the mean spins
// given the continuous variables (what the notebook draws).
func (l Level) MeanSpins() []float64 {
	out := make([]float64, len(l.Pixels))
	for i, v := range l.Pixels {
		out[i] = math.Tanh(v)
	}
	return out
}

// Levels generates n configurations and reads each out at every stage of the
// hierarchy, in generation order (of the flow's own variables; with Whiten a
// last stage shows the configuration x = K'^½ y). For MERA these are the coarse-grained
// lattices: after RG level k the sites on the 2^k sublattice are final, an
// (L/2^k)² image, preceded by the latent noise on the coarsest sublattice. For
// TEBD, the full lattice after every layer (the latent noise first).
// The result is indexed [sample][stage].
func (m *Model) Levels(n int) ([][]Level, error) {
	if m.levels == nil {
		var err error
		m.levels, err = model.NewExec(m.backend, m.Flow.Store(), func(_ *model.Scope, z *Node) []*Node {
			x, _, lv := m.Flow.GenerateLevels(z)
			return append([]*Node{z, x}, lv...)
		})
		if err != nil {
			return nil, err
		}
	}
	L, N := m.Config.L, m.Config.L*m.Config.L
	rng := rand.New(rand.NewPCG(m.Config.Seed+13, 5))
	z := make([]float32, n*N)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	out, err := m.levels.Exec(tensors.FromFlatDataAndDimensions(z, n, N))
	if err != nil {
		return nil, err
	}
	vals := make([][]float32, len(out))
	for i, t := range out {
		vals[i] = tensors.MustCopyFlatData[float32](t)
	}
	layers := m.Flow.Layout.Layers
	// Stages: (output index, sublattice spacing, name).
	type stage struct {
		out, spacing int
		name         string
	}
	var stages []stage
	if m.Config.Arch == "mera" {
		top := 1 << m.Config.Depth
		stages = append(stages, stage{0, top, fmt.Sprintf("latent (%dx%d)", L/top, L/top)})
		for li, layer := range layers {
			if li == len(layers)-1 || layers[li+1].Level != layer.Level {
				s := 1 << layer.Level
				stages = append(stages, stage{2 + li, s, fmt.Sprintf("level %d (%dx%d)", layer.Level, L/s, L/s)})
			}
		}
	} else {
		stages = append(stages, stage{0, 1, "latent"})
		for li := range layers {
			stages = append(stages, stage{2 + li, 1, fmt.Sprintf("layer %d", li+1)})
		}
	}
	var xs []float64
	if m.Config.Whiten {
		y := make([]float64, len(vals[1]))
		for i, v := range vals[1] {
			y[i] = float64(v)
		}
		xs = m.Relaxation.Unwhiten(y)
	}
	res := make([][]Level, n)
	for r := 0; r < n; r++ {
		for _, st := range stages {
			size := L / st.spacing
			px := make([]float64, 0, size*size)
			for y := 0; y < L; y += st.spacing {
				for x := 0; x < L; x += st.spacing {
					px = append(px, float64(vals[st.out][r*N+y*L+x]))
				}
			}
			res[r] = append(res[r], Level{Name: st.name, Size: size, Pixels: px})
		}
		if xs != nil {
			res[r] = append(res[r], Level{Name: "x = K'^½ y", Size: L, Pixels: append([]float64(nil), xs[r*N:(r+1)*N]...)})
		}
	}
	return res, nil
}

// state is the run metadata saved in every checkpoint (and, as the run's
// summary, next to them): the configuration, the history up to the
// checkpoint's step and the training time.
type state struct {
	Config       Config  `json:"config"`
	History      []Point `json:"history"`
	TrainSeconds float64 `json:"train_seconds"`
	// Parameters is the flow's number of weights, checked on loading.
	Parameters int `json:"parameters,omitempty"`
}

const (
	stateFile = "neuralrg.json"
	// keepSteps is how many checkpoints (of distinct steps) a run folder keeps.
	keepSteps = 2
	// maxHistory bounds the history a state file may hold, maxSavedL its lattice.
	maxHistory = 100_000_000
	maxSavedL  = 1024
	// maxLayoutSites bounds the sites of all layers of a saved run's layout.
	maxLayoutSites = 1 << 24
)

// parseState decodes and checks a state file.
func parseState(b []byte) (*state, error) {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	// Bounds first: Validate builds the layout, of L² sites per layer.
	c := st.Config
	if c.L < 2 || c.L > maxSavedL || c.Depth < 0 || c.Depth > 64 || c.Repeat < 0 || c.Repeat > 64 ||
		c.L*c.L*(c.Depth+1)*(c.Repeat+1) > maxLayoutSites {
		return nil, fmt.Errorf("config L=%d, depth %d, repeat %d: want 2 <= L <= %d, depth and repeat in [0, 64], and L²(depth+1)(repeat+1) <= %d",
			c.L, c.Depth, c.Repeat, maxSavedL, maxLayoutSites)
	}
	if err := st.Config.Validate(); err != nil {
		return nil, err
	}
	if len(st.History) > maxHistory {
		return nil, fmt.Errorf("a history of %d steps exceeds %d", len(st.History), maxHistory)
	}
	for i, p := range st.History {
		if p.Step != i+1 {
			return nil, fmt.Errorf("history entry %d is step %d, want %d", i, p.Step, i+1)
		}
	}
	if !(st.TrainSeconds >= 0) || math.IsInf(st.TrainSeconds, 0) {
		return nil, fmt.Errorf("train_seconds %v: want a finite value >= 0", st.TrainSeconds)
	}
	if st.Parameters < 0 {
		return nil, fmt.Errorf("parameters %d: want >= 0", st.Parameters)
	}
	return &st, nil
}

// describe names the sizes of a configuration, for messages.
func (c Config) describe() string {
	c = c.withDefaults()
	return fmt.Sprintf("L=%d, %s of depth %d (repeat %d), %d couplings per block, MLP %dx%d", c.L, c.Arch, c.Depth, c.Repeat, c.Blocks, c.MLPLayers, c.Hidden)
}

// Save writes a checkpoint of the weights and optimizer state, with the
// configuration and history, to dir (package checkpoints: atomic, the
// newest checkpoints of 2 distinct steps kept), and the run's summary
// neuralrg.json next to them (atomically too). A folder holding another run
// is refused.
func (m *Model) Save(dir string) error {
	if !sameDir(m.savedIn, dir) && HasCheckpoint(dir) {
		return fmt.Errorf("neuralrg: %s already holds a saved run: resume it with Load, or remove it first", dir)
	}
	js, err := json.MarshalIndent(state{m.Config, m.History, m.TrainSeconds, m.Flow.NumParameters()}, "", " ")
	if err != nil {
		return err
	}
	step := len(m.History)
	if _, err := checkpoints.Save(dir, m.Flow.Store(), step, map[string][]byte{stateFile: js}, keepSteps); err != nil {
		return fmt.Errorf("neuralrg: %w", err)
	}
	m.savedIn, m.savedStep = dir, step
	if err := checkpoints.WriteFile(filepath.Join(dir, stateFile), js, 0o644); err != nil {
		return fmt.Errorf("neuralrg: %w", err)
	}
	return nil
}

func sameDir(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	a, errA := filepath.Abs(a)
	b, errB := filepath.Abs(b)
	return errA == nil && errB == nil && a == b
}

// HasCheckpoint reports whether dir holds a saved run (its checkpoints or
// its summary neuralrg.json, intact or not).
func HasCheckpoint(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, stateFile))
	return err == nil || checkpoints.Has(dir)
}

// Load rebuilds a saved model from the newest intact checkpoint in dir
// (configuration, history, weights and Adam moments), ready to continue
// training or to sample; damaged newer checkpoints are skipped with a line on
// stderr. It fails, saying what is missing, rather than return a model whose
// weights it did not restore: when dir has the run's neuralrg.json but no
// intact checkpoint, when the weights do not fit the configuration saved
// with them, or when that configuration differs from the summary's.
func Load(b compute.Backend, dir string) (*Model, error) { return load(b, dir, os.Stderr) }

func load(b compute.Backend, dir string, log io.Writer) (*Model, error) {
	summary, summaryErr := os.ReadFile(filepath.Join(dir, stateFile))
	ck, err := checkpoints.Open(dir, log)
	if err != nil {
		if summaryErr == nil && errors.Is(err, checkpoints.ErrNoCheckpoint) {
			steps := "a run"
			if st, perr := parseState(summary); perr == nil {
				steps = fmt.Sprintf("a run of %d steps", len(st.History))
			}
			return nil, fmt.Errorf("neuralrg: %s holds %s (%s) but no weights to resume it from: %w; "+
				"put the checkpoint folders back, or move %s away (or choose another --out) to start afresh",
				dir, stateFile, steps, err, dir)
		}
		return nil, fmt.Errorf("neuralrg: no saved run in %s: %w", dir, err)
	}
	raw, err := ck.ReadFile(stateFile)
	if err != nil {
		return nil, fmt.Errorf("neuralrg: checkpoint %s has no run metadata: %w", ck.Folder, err)
	}
	st, err := parseState(raw)
	if err != nil {
		return nil, fmt.Errorf("neuralrg: reading %s of checkpoint %s: %w", stateFile, ck.Folder, err)
	}
	if !ck.Legacy() && len(st.History) != ck.Step {
		return nil, fmt.Errorf("neuralrg: checkpoint %s holds a history of %d steps but was saved at step %d", ck.Folder, len(st.History), ck.Step)
	}
	if summaryErr == nil && !ck.Legacy() {
		sum, err := parseState(summary)
		if err != nil {
			return nil, fmt.Errorf("neuralrg: %s: %w (the checkpoints in %s are intact: restore the file from %s, or remove it)",
				filepath.Join(dir, stateFile), err, dir, filepath.Join(ck.Folder, stateFile))
		}
		if sum.Config != st.Config {
			return nil, fmt.Errorf("neuralrg: %s describes %s, but checkpoint %s was saved with %s: "+
				"the file was edited or belongs to another run; restore it from %s, or move %s away to start afresh",
				filepath.Join(dir, stateFile), sum.Config.describe(), ck.Name, st.Config.describe(), filepath.Join(ck.Folder, stateFile), dir)
		}
	}
	m, err := New(b, st.Config)
	if err != nil {
		return nil, fmt.Errorf("neuralrg: the configuration saved in %s: %w", ck.Folder, err)
	}
	if st.Parameters > 0 && st.Parameters != m.Flow.NumParameters() {
		return nil, fmt.Errorf("neuralrg: checkpoint %s was saved from a flow of %d weights; its configuration (%s) builds one of %d",
			ck.Folder, st.Parameters, st.Config.describe(), m.Flow.NumParameters())
	}
	n, err := ck.Restore(m.Flow.Store())
	if err != nil {
		return nil, fmt.Errorf("neuralrg: the weights in %s do not fit the configuration saved with them (%s): %w", dir, st.Config.describe(), err)
	}
	m.History, m.TrainSeconds = st.History, st.TrainSeconds
	m.Trainer.Skip(len(st.History))
	m.savedIn, m.savedStep = dir, len(st.History)
	m.Resumed = &Resumed{Dir: dir, Checkpoint: ck.Name, Step: len(st.History), Weights: n, Skipped: ck.Skipped}
	return m, nil
}
