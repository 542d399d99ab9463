package forcefield

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/progress"
)

// StopRule says when early stopping ends training.
type StopRule int

const (
	// StopWorseThanPrevious is the lesson's rule: stop after more than Patience
	// consecutive epochs whose validation loss is not below the previous
	// epoch's. With mini-batch noise the loss rarely rises that many times in a
	// row, so in practice it almost never fires.
	StopWorseThanPrevious StopRule = iota
	// StopNoNewBest counts epochs since the best validation loss so far and
	// stops after more than Patience of them (Keras' EarlyStopping, PyTorch
	// Lightning's): it fires once the model has stopped improving, whatever the
	// epoch-to-epoch noise.
	StopNoNewBest
)

func (r StopRule) String() string {
	switch r {
	case StopWorseThanPrevious:
		return "worse than the previous epoch (lesson)"
	case StopNoNewBest:
		return "no new best validation loss"
	}
	return fmt.Sprintf("StopRule(%d)", int(r))
}

// Config holds the training recipe. [Lesson] returns the lesson's values,
// [Robust] the recipe with the departures this package recommends.
type Config struct {
	NTrain        int     // structures picked evenly over the data set for training+validation (30)
	ValidFraction float64 // share of them held out for early stopping (0.2)
	// KeepEnds keeps the first and last of those structures in the training
	// part, so validation never asks the model to extrapolate beyond the range
	// it was trained on (the lesson's random split may hold out either end).
	KeepEnds bool
	Hidden   int // hidden sigmoid units (5)
	// SpreadInit re-centres the initial hidden biases on the training data
	// ([Model.SpreadBiases]) instead of PyTorch's random ones.
	SpreadInit   bool
	LearningRate float64  // initial Adam step size (1e-2)
	BatchSize    int      // structures per step (2)
	MaxEpochs    int      // epoch limit (5000)
	Stop         StopRule // which early-stopping rule
	Patience     int      // epochs without improvement, as Stop counts them, before stopping (20)
	// DecayFactor in (0, 1) multiplies the learning rate whenever the validation
	// loss has not reached a new best for DecayPatience epochs (PyTorch's
	// ReduceLROnPlateau); 0 keeps it constant, as the lesson.
	DecayFactor   float64
	DecayPatience int
	// MinLearningRate ends training once a decay takes the step size below it
	// (0: never).
	MinLearningRate float64
	// Restarts > 1 trains that many independent initialisations, each with
	// the full schedule, and keeps the one whose best validation loss is the
	// lowest (the test structures play no part in the choice).
	Restarts int
	Seed     uint64 // initialisation, split and shuffling
	// OnStep, if set, is called after every epoch: one step per epoch, with
	// Loss the epoch's last mini-batch loss (TrainLoss) and
	// Metrics["valid_loss"] the validation loss after it (EpochEnd is always
	// true). The initialisations run in turn and their epochs are counted
	// together, as one bar: initialisation k (from 0) reports Step =
	// k·MaxEpochs + Epoch and Total = Restarts·MaxEpochs, Epoch counting from
	// 1 within it; the step that ends the whole training has Total = Step,
	// also when early stopping ends it sooner. An error it returns stops
	// training and is returned by [Train].
	OnStep progress.OnStepFn
}

// Lesson returns the recipe of the lesson (DScribe's training_pytorch.py):
// constant learning rate, one initialisation, the lesson's stopping rule.
func Lesson() Config {
	return Config{NTrain: 30, ValidFraction: 0.2, Hidden: 5, LearningRate: 1e-2, BatchSize: 2, MaxEpochs: 5000,
		Stop: StopWorseThanPrevious, Patience: 20, Restarts: 1, Seed: 7}
}

// Robust returns the lesson's recipe with the departures that make it reliable
// over seeds (docs/forces.md gives the measurements behind each):
//
//   - KeepEnds: the shortest and longest distances stay in the training part.
//     The lesson's random split holds one of them out in about a third of the
//     seeds, and the kept model is then chosen by how well it extrapolates up
//     the repulsive wall (14 eV at 2.5 Å) rather than how well it interpolates.
//   - SpreadInit: the hidden sigmoids start centred at spread quantiles of
//     the training data. With the lesson's random biases all five units can
//     end up on the steep wall, which dominates the variance-weighted loss,
//     leaving none for the attractive well: a stable poor fit (the Sine matrix,
//     seed 7).
//   - Restarts: 4 initialisations trained in full, the one with the lowest
//     validation loss kept; a run still caught in that poor fit has a
//     validation loss 100 times higher than a good one, so the choice is clear.
//   - DecayFactor/DecayPatience/MinLearningRate: halve the step after 250
//     epochs without a new lowest epoch-mean training loss, ending below 1e-4.
//     With batches of 2 the constant 1e-2 step keeps the parameters rattling
//     around the minimum; smaller steps settle them.
//   - StopNoNewBest with Patience 1000: stop once the validation loss has not
//     reached a new best for 1000 epochs.
//
// Data, network, loss, initial step, batch size and epoch limit are the lesson's.
func Robust() Config {
	c := Lesson()
	c.KeepEnds, c.SpreadInit, c.Restarts = true, true, 4
	c.DecayFactor, c.DecayPatience, c.MinLearningRate = 0.5, 250, 1e-4
	c.Stop, c.Patience = StopNoNewBest, 1000
	return c
}

// Validate checks the recipe against a data set of n structures.
func (c Config) Validate(n int) error {
	switch {
	case c.NTrain < 3 || c.NTrain > n:
		return fmt.Errorf("forcefield: NTrain=%d must lie in 3..%d (the data set size)", c.NTrain, n)
	case c.KeepEnds && int(math.Ceil(c.ValidFraction*float64(c.NTrain))) > c.NTrain-3:
		return fmt.Errorf("forcefield: with KeepEnds, ValidFraction=%g of NTrain=%d leaves fewer than 3 training structures", c.ValidFraction, c.NTrain)
	case !(c.ValidFraction > 0 && c.ValidFraction < 1):
		return fmt.Errorf("forcefield: ValidFraction=%g must lie in (0, 1)", c.ValidFraction)
	case c.Hidden < 1:
		return fmt.Errorf("forcefield: Hidden=%d must be >= 1", c.Hidden)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("forcefield: LearningRate=%g must be a positive number", c.LearningRate)
	case c.BatchSize < 1:
		return fmt.Errorf("forcefield: BatchSize=%d must be >= 1", c.BatchSize)
	case c.MaxEpochs < 1:
		return fmt.Errorf("forcefield: MaxEpochs=%d must be >= 1", c.MaxEpochs)
	case c.Stop != StopWorseThanPrevious && c.Stop != StopNoNewBest:
		return fmt.Errorf("forcefield: unknown Stop rule %d", int(c.Stop))
	case c.Patience < 0:
		return fmt.Errorf("forcefield: Patience=%d must be >= 0", c.Patience)
	case !(c.DecayFactor >= 0 && c.DecayFactor < 1):
		return fmt.Errorf("forcefield: DecayFactor=%g must lie in [0, 1) (0: no decay)", c.DecayFactor)
	case c.DecayFactor > 0 && c.DecayPatience < 1:
		return fmt.Errorf("forcefield: DecayPatience=%d must be >= 1 when DecayFactor is set", c.DecayPatience)
	case !(c.MinLearningRate >= 0):
		return fmt.Errorf("forcefield: MinLearningRate=%g must be >= 0", c.MinLearningRate)
	}
	return nil
}

// Result is a trained model with its history and evaluation.
type Result struct {
	Model        *Model    // the best model on the validation set
	Scaler       Scaler    // fitted on the training structures
	TrainIdx     []int     // indices (into the full data set) of the training structures
	ValidIdx     []int     // ... and of the validation structures
	Epochs       int       // epochs run by the kept initialisation
	TotalEpochs  int       // epochs run by all initialisations together
	BestEpoch    int       // epoch of the kept model (0-based)
	EarlyStop    bool      // stopped by patience or MinLearningRate rather than MaxEpochs
	StopReason   string    // why training ended
	Restart      int       // which initialisation was kept (0-based)
	RunLoss      []float64 // best validation loss of each initialisation
	Decays       []int     // epochs after which the learning rate was lowered
	TrainLoss    []float64 // last mini-batch loss of each epoch (what the lesson prints)
	EpochLoss    []float64 // mean mini-batch loss of each epoch (what the decay watches)
	ValidLoss    []float64 // validation loss after each epoch
	LearningRate []float64 // step size used in each epoch
	Seconds      float64   // wall time of the training loop
	Prediction   *Prediction
	Metrics      Metrics
}

// Prediction holds the model's energies and forces on the whole data set.
type Prediction struct {
	E []float64
	F [][][3]float64
}

// Metrics are mean absolute errors over the whole data set.
type Metrics struct {
	EnergyMAE   float64 // eV, over all structures
	ForceMAE    float64 // eV/Å, x component of atom 0 (the lesson's figure)
	ForceMAEAll float64 // eV/Å, over all atoms and components
}

// problem is the prepared data: scaled training and validation sets with the
// loss weights, fixed for every initialisation.
type problem struct {
	scaler             Scaler
	scaled             *Dataset
	trainIdx, validIdx []int
	train, valid       *Dataset
	varE, varF         float64
}

// prepare standardises the descriptors on the evenly spaced training
// structures and splits them at random (rng) into training and validation.
func prepare(ds *Dataset, cfg Config, rng *rand.Rand) (*problem, error) {
	idx := EvenlySpaced(ds.Len(), cfg.NTrain)
	full := ds.Subset(idx)
	p := &problem{scaler: FitScaler(full.D)}
	p.scaled = p.scaler.Transform(ds)
	var fAll []float64
	for _, f := range full.F {
		for _, fa := range f {
			fAll = append(fAll, fa[0], fa[1], fa[2])
		}
	}
	p.varE, p.varF = variance(full.E), variance(fAll)
	if p.varE == 0 || p.varF == 0 {
		return nil, fmt.Errorf("forcefield: the training energies or forces have zero variance (varE=%g, varF=%g)", p.varE, p.varF)
	}
	// scikit-learn's train_test_split rounds the test size up.
	nValid := int(math.Ceil(cfg.ValidFraction * float64(cfg.NTrain)))
	pool := idx
	if cfg.KeepEnds {
		pool = idx[1 : len(idx)-1]
		p.trainIdx = []int{idx[0], idx[len(idx)-1]}
	}
	for i, j := range rng.Perm(len(pool)) {
		if i < nValid {
			p.validIdx = append(p.validIdx, pool[j])
		} else {
			p.trainIdx = append(p.trainIdx, pool[j])
		}
	}
	p.train, p.valid = p.scaled.Subset(p.trainIdx), p.scaled.Subset(p.validIdx)
	return p, nil
}

// Train fits the lesson's network to ds with the recipe cfg, on backend b.
// ds is the raw (unscaled) data set; standardisation is fitted on the training
// structures and applied to everything.
func Train(b compute.Backend, ds *Dataset, cfg Config) (*Result, error) {
	return TrainContext(context.Background(), b, ds, cfg)
}

// TrainContext is [Train] that stops, with ctx's error, when ctx is done
// (checked before every epoch).
func TrainContext(ctx context.Context, b compute.Backend, ds *Dataset, cfg Config) (*Result, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, fmt.Errorf("forcefield: empty data set")
	}
	if err := cfg.Validate(ds.Len()); err != nil {
		return nil, err
	}
	// One stream for the split, the first initialisation and its shuffles (so
	// Restarts = 1 is the lesson's single run); one more per extra restart.
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	p, err := prepare(ds, cfg, rng)
	if err != nil {
		return nil, err
	}
	tr, err := newTrainer(b, p, cfg)
	if err != nil {
		return nil, err
	}
	defer tr.exec.Finalize()

	start := time.Now()
	runs := []*trajectory{newTrajectory(p, cfg, rng)}
	for k := 1; k < cfg.Restarts; k++ {
		runs = append(runs, newTrajectory(p, cfg, rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15+uint64(k)))))
	}
	kept, err := tr.trainAll(ctx, runs)
	if err != nil {
		return nil, err
	}
	res := runs[kept].result(cfg)
	res.Seconds = time.Since(start).Seconds()
	res.Scaler, res.TrainIdx, res.ValidIdx, res.Restart = p.scaler, p.trainIdx, p.validIdx, kept
	for _, x := range runs {
		res.RunLoss = append(res.RunLoss, x.best)
		res.TotalEpochs += len(x.validLoss)
	}
	pred, err := Predict(b, res.Model, p.scaled)
	if err != nil {
		return nil, err
	}
	res.Prediction = pred
	res.Metrics = Evaluate(ds, pred)
	return res, nil
}

// trainAll trains every initialisation to the end of its schedule and returns
// the index of the one with the lowest validation loss.
func (tr *trainer) trainAll(ctx context.Context, runs []*trajectory) (kept int, err error) {
	for k, r := range runs {
		if err := tr.advance(ctx, r, k, k == len(runs)-1); err != nil {
			return 0, err
		}
		if r.best < runs[kept].best {
			kept = k
		}
	}
	return kept, nil
}

// result reports a finished trajectory: its best model and its history.
func (r *trajectory) result(cfg Config) *Result {
	res := &Result{Model: r.bestModel, BestEpoch: r.bestEpoch, Decays: r.decays, Epochs: len(r.validLoss),
		TrainLoss: r.trainLoss, EpochLoss: r.epochLoss, ValidLoss: r.validLoss, LearningRate: r.lrs,
		EarlyStop: r.stopped, StopReason: r.reason}
	if !r.stopped {
		res.StopReason = fmt.Sprintf("reached MaxEpochs=%d", cfg.MaxEpochs)
	}
	return res
}

// trainer holds the compiled epoch graph and its fixed inputs.
type trainer struct {
	exec                 *Exec
	cfg                  Config
	nt                   int
	trainArgs, validArgs []any
	varE, varF           float32
}

func newTrainer(b compute.Backend, p *problem, cfg Config) (*trainer, error) {
	nt := p.train.Len()
	exec, err := NewExec(b, epochGraph(cfg, nt))
	if err != nil {
		return nil, err
	}
	return &trainer{exec: exec, cfg: cfg, nt: nt,
		trainArgs: []any{matrix(p.train.D), tensor4(p.train.DD), vec32(p.train.E), forces32(p.train.F)},
		validArgs: []any{matrix(p.valid.D), tensor4(p.valid.DD), vec32(p.valid.E), forces32(p.valid.F)},
		varE:      float32(p.varE), varF: float32(p.varF)}, nil
}

// trajectory is one initialisation being trained: its parameters, optimiser
// state, shuffling stream, history and early-stopping counters.
type trajectory struct {
	model     *Model
	adam      *adamState
	rng       *rand.Rand
	lr        float64
	best      float64 // lowest validation loss so far
	bestModel *Model
	bestEpoch int
	previous  float64 // last epoch's validation loss (the lesson's rule)
	worse     int     // consecutive epochs not below the previous one
	sinceBest int     // epochs since the best
	bestFit   float64 // lowest mean training loss of an epoch so far
	plateau   int     // epochs since bestFit improved or the last decay
	decays    []int
	stopped   bool
	reason    string

	trainLoss, epochLoss, validLoss, lrs []float64
}

func newTrajectory(p *problem, cfg Config, rng *rand.Rand) *trajectory {
	m := NewModel(p.train.NumFeatures(), cfg.Hidden, rng)
	if cfg.SpreadInit {
		m.SpreadBiases(p.train.D)
	}
	return &trajectory{model: m, adam: newAdamState(m), rng: rng, lr: cfg.LearningRate, best: math.Inf(1), bestFit: math.Inf(1), previous: math.Inf(1)}
}

// advance trains r, initialisation k of the recipe (last: the final one),
// until it has run MaxEpochs epochs or its stopping rule fires, reporting
// each epoch to the recipe's OnStep.
func (tr *trainer) advance(ctx context.Context, r *trajectory, k int, last bool) error {
	c := tr.cfg
	for len(r.validLoss) < c.MaxEpochs && !r.stopped {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("forcefield: training stopped at epoch %d: %w", len(r.validLoss), err)
		}
		if err := tr.epoch(r); err != nil {
			return err
		}
		c.afterEpoch(r)
		if c.OnStep == nil {
			continue
		}
		e := len(r.validLoss)
		s := progress.Step{Step: k*c.MaxEpochs + e, Total: max(c.Restarts, 1) * c.MaxEpochs, Epoch: e, EpochEnd: true,
			Loss: r.trainLoss[e-1], Metrics: map[string]float64{"valid_loss": r.validLoss[e-1]}}
		if last && (r.stopped || e == c.MaxEpochs) {
			s.Total = s.Step
		}
		if err := c.OnStep(s); err != nil {
			return err
		}
	}
	return nil
}

// epoch runs one shuffled pass of mini-batch Adam and records the losses.
func (tr *trainer) epoch(r *trajectory) error {
	e := len(r.validLoss)
	p32 := make([]int32, tr.nt)
	for i, v := range r.rng.Perm(tr.nt) {
		p32[i] = int32(v)
	}
	args := append(append(append(r.model.params(), r.adam.args()...), tr.trainArgs...), p32)
	args = append(append(args, tr.validArgs...), tr.varE, tr.varF, float32(r.lr))
	out, err := tr.exec.Exec(args...)
	if err != nil {
		return fmt.Errorf("forcefield: epoch %d: %w", e, err)
	}
	r.model, r.adam = r.adam.update(r.model, out)
	trainLoss := float64(tensors.ToScalar[float32](out[len(out)-3]))
	epochLoss := float64(tensors.ToScalar[float32](out[len(out)-2]))
	validLoss := float64(tensors.ToScalar[float32](out[len(out)-1]))
	for _, t := range out {
		t.FinalizeAll()
	}
	if math.IsNaN(trainLoss) || math.IsNaN(validLoss) {
		return fmt.Errorf("forcefield: loss became NaN at epoch %d (train %g, valid %g): lower the learning rate", e, trainLoss, validLoss)
	}
	r.trainLoss, r.epochLoss = append(r.trainLoss, trainLoss), append(r.epochLoss, epochLoss)
	r.validLoss, r.lrs = append(r.validLoss, validLoss), append(r.lrs, r.lr)
	return nil
}

// afterEpoch keeps the best model and applies the decay and stopping rules to
// the epoch just recorded.
func (c Config) afterEpoch(r *trajectory) {
	r.track()
	c.applyRules(r)
}

// track updates the kept model and the counters the rules read after the
// epoch just recorded.
func (r *trajectory) track() {
	e := len(r.validLoss) - 1
	v := r.validLoss[e]
	if v < r.best {
		r.best, r.bestModel, r.bestEpoch = v, r.model.clone(), e
		r.sinceBest = 0
	} else {
		r.sinceBest++
	}
	// The decay answers an optimisation question (is the fit still
	// improving?), so it watches the epoch's mean training loss, which is far
	// less noisy than the loss on the 6 validation structures.
	if fit := r.epochLoss[e]; fit < r.bestFit {
		r.bestFit, r.plateau = fit, 0
	} else {
		r.plateau++
	}
	if v >= r.previous {
		r.worse++
	} else {
		r.worse = 0
	}
	r.previous = v
}

// applyRules ends training or lowers the step as the recipe says.
func (c Config) applyRules(r *trajectory) {
	e := len(r.validLoss) - 1
	switch {
	case c.Stop == StopWorseThanPrevious && r.worse > c.Patience:
		r.stopped, r.reason = true, fmt.Sprintf("validation loss not below the previous epoch's %d times in a row", r.worse)
	case c.Stop == StopNoNewBest && r.sinceBest > c.Patience:
		r.stopped, r.reason = true, fmt.Sprintf("no new best validation loss for %d epochs", r.sinceBest)
	case c.DecayFactor > 0 && r.plateau >= c.DecayPatience:
		r.lr *= c.DecayFactor
		r.plateau = 0
		r.decays = append(r.decays, e)
		if r.lr < c.MinLearningRate {
			r.stopped, r.reason = true, fmt.Sprintf("learning rate decayed below %g", c.MinLearningRate)
		}
	}
}

// LongestRise is the longest run of consecutive epochs whose validation loss
// is not below the previous epoch's: the counter the lesson's stopping rule
// compares with its patience (it fires once the run exceeds Patience).
func LongestRise(valid []float64) int {
	longest, run := 0, 0
	for e := 1; e < len(valid); e++ {
		if valid[e] >= valid[e-1] {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// Adam (PyTorch's defaults: β₁ = 0.9, β₂ = 0.999, ε = 1e−8):
//
//	m ← β₁ m + (1−β₁) g,  v ← β₂ v + (1−β₂) g²,
//	θ ← θ − lr · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
const (
	adamBeta1 = 0.9
	adamBeta2 = 0.999
	adamEps   = 1e-8
)

type adamState struct {
	m, v *Model // moments stored with the model's layout
	t    float32
}

func newAdamState(m *Model) *adamState {
	z := func() *Model {
		return &Model{NFeatures: m.NFeatures, NHidden: m.NHidden, W1: make([]float32, len(m.W1)),
			B1: make([]float32, len(m.B1)), W2: make([]float32, len(m.W2))}
	}
	return &adamState{m: z(), v: z()}
}

func (s *adamState) args() []any {
	return append(append(s.m.params(), s.v.params()...), s.t)
}

// update reads the epoch graph's outputs: 4 params, 4 m, 4 v, t, losses.
func (s *adamState) update(model *Model, out []*tensors.Tensor) (*Model, *adamState) {
	read := func(o []*tensors.Tensor) *Model {
		r := &Model{NFeatures: model.NFeatures, NHidden: model.NHidden}
		r.W1 = tensors.MustCopyFlatData[float32](o[0])
		r.B1 = tensors.MustCopyFlatData[float32](o[1])
		r.W2 = tensors.MustCopyFlatData[float32](o[2])
		r.B2 = tensors.ToScalar[float32](o[3])
		return r
	}
	nm := read(out[0:4])
	ns := &adamState{m: read(out[4:8]), v: read(out[8:12]), t: tensors.ToScalar[float32](out[12])}
	return nm, ns
}

// epochGraph builds one epoch of mini-batch Adam, unrolled: inputs are the 4
// parameters, 4+4 Adam moments, the step count, the training set (D, dD/dr, E,
// F), a permutation of it, the validation set, varE, varF and the learning rate.
// Outputs: the updated parameters and moments, step count, last batch loss,
// mean batch loss (each taken before its step) and the validation loss with the updated parameters. Running a whole epoch per
// call keeps the per-call overhead out of the 12 tiny steps.
func epochGraph(cfg Config, nt int) func([]*Node) []*Node {
	bs := cfg.BatchSize
	return func(in []*Node) []*Node {
		params := append([]*Node(nil), in[0:4]...)
		m := append([]*Node(nil), in[4:8]...)
		v := append([]*Node(nil), in[8:12]...)
		t := in[12]
		tD, tDD, tE, tF, perm := in[13], in[14], in[15], in[16], in[17]
		vD, vDD, vE, vF := in[18], in[19], in[20], in[21]
		varE, varF, lr := in[22], in[23], in[24]
		g := t.Graph()
		var loss, sum *Node
		for start := 0; start < nt; start += bs {
			end := min(start+bs, nt)
			idx := Reshape(Slice(perm, AxisRange(start, end)), end-start, 1)
			d, dd, e, f := Gather(tD, idx), Gather(tDD, idx), Gather(tE, idx), Gather(tF, idx)
			ePred := energyGraph(params[0], params[1], params[2], params[3], d)
			fPred := forcesGraph(ePred, d, dd)
			loss = lossGraph(ePred, e, fPred, f, varE, varF)
			if sum == nil {
				sum = loss
			} else {
				sum = Add(sum, loss)
			}
			grads := Gradient(loss, params...)
			t = OnePlus(t)
			c1 := OneMinus(Pow(Scalar(g, t.DType(), adamBeta1), t))
			c2 := OneMinus(Pow(Scalar(g, t.DType(), adamBeta2), t))
			for i := range params {
				m[i] = Add(MulScalar(m[i], adamBeta1), MulScalar(grads[i], 1-adamBeta1))
				v[i] = Add(MulScalar(v[i], adamBeta2), MulScalar(Square(grads[i]), 1-adamBeta2))
				mHat := Div(m[i], c1)
				vHat := Div(v[i], c2)
				params[i] = Sub(params[i], Mul(lr, Div(mHat, AddScalar(Sqrt(vHat), adamEps))))
			}
		}
		ve := energyGraph(params[0], params[1], params[2], params[3], vD)
		vf := forcesGraph(ve, vD, vDD)
		validLoss := lossGraph(ve, vE, vf, vF, varE, varF)
		mean := DivScalar(sum, float64((nt+bs-1)/bs))
		out := append(append(append(params, m...), v...), t, loss, mean, validLoss)
		return out
	}
}

// Predict evaluates a model on a (scaled) data set: energies from the network,
// forces from −∂E/∂D · ∂D/∂r with ∂E/∂D by automatic differentiation.
func Predict(b compute.Backend, model *Model, scaled *Dataset) (*Prediction, error) {
	if model == nil {
		return nil, fmt.Errorf("forcefield: no model")
	}
	if scaled.NumFeatures() != model.NFeatures {
		return nil, fmt.Errorf("forcefield: data set has %d features, model expects %d", scaled.NumFeatures(), model.NFeatures)
	}
	exec, err := NewExec(b, func(in []*Node) []*Node {
		e := energyGraph(in[0], in[1], in[2], in[3], in[4])
		return []*Node{e, forcesGraph(e, in[4], in[5])}
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	out, err := exec.Exec(append(model.params(), matrix(scaled.D), tensor4(scaled.DD))...)
	if err != nil {
		return nil, fmt.Errorf("forcefield: predict: %w", err)
	}
	e := tensors.MustCopyFlatData[float32](out[0])
	f := tensors.MustCopyFlatData[float32](out[1])
	for _, t := range out {
		t.FinalizeAll()
	}
	na := scaled.NumAtoms()
	p := &Prediction{E: make([]float64, len(e)), F: make([][][3]float64, len(e))}
	for i := range e {
		p.E[i] = float64(e[i])
		p.F[i] = make([][3]float64, na)
		for a := 0; a < na; a++ {
			for k := 0; k < 3; k++ {
				p.F[i][a][k] = float64(f[(i*na+a)*3+k])
			}
		}
	}
	return p, nil
}

// Evaluate computes mean absolute errors of a prediction against the data set.
func Evaluate(ds *Dataset, p *Prediction) Metrics {
	var m Metrics
	var nAll int
	for i := range ds.E {
		m.EnergyMAE += math.Abs(p.E[i] - ds.E[i])
		m.ForceMAE += math.Abs(p.F[i][0][0] - ds.F[i][0][0])
		for a := range ds.F[i] {
			for k := 0; k < 3; k++ {
				m.ForceMAEAll += math.Abs(p.F[i][a][k] - ds.F[i][a][k])
				nAll++
			}
		}
	}
	n := float64(len(ds.E))
	m.EnergyMAE /= n
	m.ForceMAE /= n
	m.ForceMAEAll /= float64(nAll)
	return m
}

// Conversions to the float32 nested slices GoMLX takes as inputs.
func matrix(d [][]float64) [][]float32 {
	out := make([][]float32, len(d))
	for i, row := range d {
		out[i] = vec32(row)
	}
	return out
}

func vec32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func tensor4(dd [][][][]float64) *tensors.Tensor {
	n, na, nf := len(dd), len(dd[0]), len(dd[0][0][0])
	flat := make([]float32, 0, n*na*3*nf)
	for _, s := range dd {
		for _, a := range s {
			for _, k := range a {
				flat = append(flat, vec32(k)...)
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(flat, n, na, 3, nf)
}

func forces32(f [][][3]float64) *tensors.Tensor {
	n, na := len(f), len(f[0])
	flat := make([]float32, 0, n*na*3)
	for _, s := range f {
		for _, a := range s {
			flat = append(flat, float32(a[0]), float32(a[1]), float32(a[2]))
		}
	}
	return tensors.FromFlatDataAndDimensions(flat, n, na, 3)
}
