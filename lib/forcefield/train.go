package forcefield

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
)

// Config holds the training recipe. [Lesson] returns the lesson's values.
type Config struct {
	NTrain        int     // structures picked evenly over the data set for training+validation (30)
	ValidFraction float64 // share of them held out for early stopping (0.2)
	Hidden        int     // hidden sigmoid units (5)
	LearningRate  float64 // Adam step size (1e-2)
	BatchSize     int     // structures per step (2)
	MaxEpochs     int     // epoch limit (5000)
	Patience      int     // stop after more than this many epochs in a row without improvement (20)
	Seed          uint64  // initialisation, split and shuffling
	// Progress, if set, is called after every epoch.
	Progress func(epoch int, trainLoss, validLoss float64)
}

// Lesson returns the recipe of the lesson (DScribe's training_pytorch.py).
func Lesson() Config {
	return Config{NTrain: 30, ValidFraction: 0.2, Hidden: 5, LearningRate: 1e-2, BatchSize: 2, MaxEpochs: 5000, Patience: 20, Seed: 7}
}

// Validate checks the recipe against a data set of n structures.
func (c Config) Validate(n int) error {
	switch {
	case c.NTrain < 3 || c.NTrain > n:
		return fmt.Errorf("forcefield: NTrain=%d must lie in 3..%d (the data set size)", c.NTrain, n)
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
	case c.Patience < 0:
		return fmt.Errorf("forcefield: Patience=%d must be >= 0", c.Patience)
	}
	return nil
}

// Result is a trained model with its history and evaluation.
type Result struct {
	Model      *Model    // the best model on the validation set
	Scaler     Scaler    // fitted on the training structures
	TrainIdx   []int     // indices (into the full data set) of the training structures
	ValidIdx   []int     // ... and of the validation structures
	Epochs     int       // epochs run
	BestEpoch  int       // epoch of the kept model
	EarlyStop  bool      // stopped by patience rather than MaxEpochs
	TrainLoss  []float64 // last mini-batch loss of each epoch
	ValidLoss  []float64 // validation loss after each epoch
	Seconds    float64   // wall time of the training loop
	Prediction *Prediction
	Metrics    Metrics
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

// Train fits the lesson's network to ds with the recipe cfg, on backend b.
// ds is the raw (unscaled) data set; standardisation is fitted on the training
// structures and applied to everything.
func Train(b compute.Backend, ds *Dataset, cfg Config) (*Result, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, fmt.Errorf("forcefield: empty data set")
	}
	if err := cfg.Validate(ds.Len()); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))

	// 1. Evenly spaced training structures, standardised on themselves.
	idx := EvenlySpaced(ds.Len(), cfg.NTrain)
	full := ds.Subset(idx)
	scaler := FitScaler(full.D)
	scaled := scaler.Transform(ds)
	var fAll []float64
	for _, f := range full.F {
		for _, fa := range f {
			fAll = append(fAll, fa[0], fa[1], fa[2])
		}
	}
	varE, varF := variance(full.E), variance(fAll)
	if varE == 0 || varF == 0 {
		return nil, fmt.Errorf("forcefield: the training energies or forces have zero variance (varE=%g, varF=%g)", varE, varF)
	}

	// 2. Random validation split (scikit-learn's train_test_split rounds the test size up).
	nValid := int(math.Ceil(cfg.ValidFraction * float64(cfg.NTrain)))
	perm := rng.Perm(cfg.NTrain)
	var trainIdx, validIdx []int
	for i, p := range perm {
		if i < nValid {
			validIdx = append(validIdx, idx[p])
		} else {
			trainIdx = append(trainIdx, idx[p])
		}
	}
	train, valid := scaled.Subset(trainIdx), scaled.Subset(validIdx)
	nt := train.Len()

	// 3. Model and optimiser state.
	model := NewModel(ds.NumFeatures(), cfg.Hidden, rng)
	st := newAdamState(model)
	epochExec, err := NewExec(b, epochGraph(cfg, nt))
	if err != nil {
		return nil, err
	}
	defer epochExec.Finalize()
	trainArgs := []any{matrix(train.D), tensor4(train.DD), vec32(train.E), forces32(train.F)}
	validArgs := []any{matrix(valid.D), tensor4(valid.DD), vec32(valid.E), forces32(valid.F)}
	scalars := []any{float32(varE), float32(varF), float32(cfg.LearningRate)}

	res := &Result{Scaler: scaler, TrainIdx: trainIdx, ValidIdx: validIdx}
	best := math.Inf(1)
	old := math.Inf(1)
	worse := 0
	start := time.Now()
	for epoch := 0; epoch < cfg.MaxEpochs; epoch++ {
		p := rng.Perm(nt)
		p32 := make([]int32, nt)
		for i, v := range p {
			p32[i] = int32(v)
		}
		args := append(append(append(append(model.params(), st.args()...), trainArgs...), p32), validArgs...)
		args = append(args, scalars...)
		out, err := epochExec.Exec(args...)
		if err != nil {
			return nil, fmt.Errorf("forcefield: epoch %d: %w", epoch, err)
		}
		model, st = st.update(model, out)
		trainLoss := float64(tensors.ToScalar[float32](out[len(out)-2]))
		validLoss := float64(tensors.ToScalar[float32](out[len(out)-1]))
		for _, t := range out {
			t.FinalizeAll()
		}
		if math.IsNaN(trainLoss) || math.IsNaN(validLoss) {
			return nil, fmt.Errorf("forcefield: loss became NaN at epoch %d (train %g, valid %g): lower the learning rate", epoch, trainLoss, validLoss)
		}
		res.TrainLoss = append(res.TrainLoss, trainLoss)
		res.ValidLoss = append(res.ValidLoss, validLoss)
		res.Epochs = epoch + 1
		if cfg.Progress != nil {
			cfg.Progress(epoch, trainLoss, validLoss)
		}
		// Early stopping exactly as the lesson: keep the best model, and count
		// consecutive epochs whose loss did not improve on the previous epoch.
		if validLoss < best {
			best = validLoss
			res.Model = model.clone()
			res.BestEpoch = epoch
		}
		if validLoss >= old {
			worse++
		} else {
			worse = 0
		}
		if worse > cfg.Patience {
			res.EarlyStop = true
			break
		}
		old = validLoss
	}
	res.Seconds = time.Since(start).Seconds()

	pred, err := Predict(b, res.Model, scaled)
	if err != nil {
		return nil, err
	}
	res.Prediction = pred
	res.Metrics = Evaluate(ds, pred)
	return res, nil
}

// MustTrain is [Train] that panics on error, for notebook cells.
func MustTrain(b compute.Backend, ds *Dataset, cfg Config) *Result {
	r, err := Train(b, ds, cfg)
	if err != nil {
		panic(err)
	}
	return r
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
// Outputs: the updated parameters and moments, step count, last batch loss and
// the validation loss with the updated parameters. Running a whole epoch per
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
		var loss *Node
		for start := 0; start < nt; start += bs {
			end := min(start+bs, nt)
			idx := Reshape(Slice(perm, AxisRange(start, end)), end-start, 1)
			d, dd, e, f := Gather(tD, idx), Gather(tDD, idx), Gather(tE, idx), Gather(tF, idx)
			ePred := energyGraph(params[0], params[1], params[2], params[3], d)
			fPred := forcesGraph(ePred, d, dd)
			loss = lossGraph(ePred, e, fPred, f, varE, varF)
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
		out := append(append(append(params, m...), v...), t, loss, validLoss)
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
