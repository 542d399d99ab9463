// Package classify trains and evaluates classifiers held in memory: a model
// function that maps a batch of samples to logits, a cross-entropy loss, Adam,
// mini-batches, and the bookkeeping the lesson does by hand (loss and accuracy
// per epoch on train and test, a step learning-rate schedule, L2 weight decay,
// early stopping, checkpoints).
//
// Two kinds of output are supported:
//
//   - binary (one logit z per sample): p = sigma(z) = 1/(1+e^{-z}) and the
//     binary cross-entropy L = -[y log p + (1-y) log(1-p)], evaluated from z
//     directly as max(z,0) - z y + log(1 + e^{-|z|}) so that it never takes
//     log(0). This is the lesson's Linear -> Sigmoid -> BCELoss with the
//     sigmoid folded into the loss.
//   - K classes (K logits): softmax cross-entropy L = -z_y + log sum_k e^{z_k}.
//
// The lesson's wine classifier (package wine) and ConvNet (package vision)
// are trained with it.
//
// Example:
//
//	train, test, _ := wine.MustLoad(path).Split(0.2, 42)
//	c := classify.New(backend, wine.MLP(64), 1).Standardize(train)
//	hist, _ := c.Fit(train, test, classify.Config{Epochs: 100, BatchSize: 64, LearningRate: 1e-3})
//	p, _ := c.Probabilities(test) // sigma(z) for each test sample
package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/metric"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/physnb/physnb/lib/checkpoints"
	"github.com/physnb/physnb/lib/progress"
)

// ModelFn builds the network: x is a batch [B, sample shape...] (already
// standardised if [Classifier.Standardize] was called); it returns logits
// [B, K] with K = 1 for a binary classifier.
type ModelFn func(scope *model.Scope, x *Node) *Node

// Augmenter modifies a training batch in place (random flips, crops...);
// x holds batch samples of the given per-sample shape.
type Augmenter func(rng *rand.Rand, x []float32, batch int, shape []int)

// Config holds the training knobs; the zero value of an optional field
// switches the feature off.
type Config struct {
	Epochs       int
	BatchSize    int
	LearningRate float64 // Adam learning rate (lesson: 1e-3)
	WeightDecay  float64 // L2: adds WeightDecay/2 * sum w^2 to the loss (PyTorch Adam's weight_decay)
	LRStep       int     // multiply the learning rate by LRGamma every LRStep epochs (StepLR)
	LRGamma      float64
	Patience     int // stop after Patience epochs without a lower test loss (0: never)
	Seed         uint64
	Augment      Augmenter
	EvalBatch    int // batch size for evaluation (default 512)
	// OnStep is called after every training step with the batch loss; the
	// last step of an epoch comes after the epoch's evaluation, with
	// EpochEnd set and the epoch's statistics in Metrics ([Epoch] reads
	// them back). An error it returns stops training.
	OnStep progress.OnStepFn
}

// EpochStats are one epoch's numbers. Train loss and accuracy are averaged
// over the epoch's batches while training (dropout on, weights moving), as in
// the lesson; test numbers are computed after the epoch with dropout off.
type EpochStats struct {
	Epoch           int     `json:"epoch"`
	TrainLoss       float64 `json:"train_loss"`
	TrainAcc        float64 `json:"train_accuracy"`
	TestLoss        float64 `json:"test_loss"` // NaN without test data
	TestAcc         float64 `json:"test_accuracy"`
	LearningRate    float64 `json:"learning_rate"`
	Seconds         float64 `json:"seconds"` // training time of the epoch (evaluation excluded)
	ImagesPerSecond float64 `json:"images_per_second"`
}

// Metric names of an epoch's statistics in [progress.Step.Metrics]; the test
// values are there only when Fit has test data.
const (
	MetricTrainLoss       = "train_loss"
	MetricTrainAccuracy   = "train_accuracy"
	MetricTestLoss        = "test_loss"
	MetricTestAccuracy    = "test_accuracy"
	MetricLearningRate    = "learning_rate"
	MetricImagesPerSecond = "images_per_second"
)

// metrics returns the epoch's statistics as a step's Metrics.
func (e EpochStats) metrics() map[string]float64 {
	m := map[string]float64{MetricTrainLoss: e.TrainLoss, MetricTrainAccuracy: e.TrainAcc,
		MetricLearningRate: e.LearningRate, MetricImagesPerSecond: e.ImagesPerSecond}
	if !math.IsNaN(e.TestLoss) {
		m[MetricTestLoss], m[MetricTestAccuracy] = e.TestLoss, e.TestAcc
	}
	return m
}

// Epoch returns the statistics carried by the last step of an epoch, and
// false for any other step: a hook that wants epochs reads
//
//	cfg.OnStep = func(s progress.Step) error {
//		if e, ok := classify.Epoch(s); ok {
//			fmt.Printf("epoch %d: test accuracy %.3f\n", e.Epoch, e.TestAcc)
//		}
//		return nil
//	}
func Epoch(s progress.Step) (EpochStats, bool) {
	if !s.EpochEnd {
		return EpochStats{}, false
	}
	e := EpochStats{Epoch: s.Epoch, TrainLoss: s.Metrics[MetricTrainLoss], TrainAcc: s.Metrics[MetricTrainAccuracy],
		LearningRate: s.Metrics[MetricLearningRate], ImagesPerSecond: s.Metrics[MetricImagesPerSecond],
		TestLoss: math.NaN(), TestAcc: math.NaN()}
	if v, ok := s.Metrics[MetricTestLoss]; ok {
		e.TestLoss, e.TestAcc = v, s.Metrics[MetricTestAccuracy]
	}
	return e, true
}

// History is the list of epochs trained, plus why training stopped.
type History struct {
	Epochs      []EpochStats `json:"epochs"`
	EarlyStop   bool         `json:"early_stop"`
	BestEpoch   int          `json:"best_epoch"`
	TrainImages int          `json:"train_images"`
	Seconds     float64      `json:"seconds"`
}

// Column returns one statistic over the epochs, for plotting.
func (h *History) Column(f func(EpochStats) float64) []float64 {
	out := make([]float64, len(h.Epochs))
	for i, e := range h.Epochs {
		out[i] = f(e)
	}
	return out
}

// Last is the final epoch's statistics.
func (h *History) Last() EpochStats { return h.Epochs[len(h.Epochs)-1] }

// Classifier couples a model function with its variables (a GoMLX store).
type Classifier struct {
	Backend    compute.Backend
	Store      *model.Store
	Model      ModelFn
	NumLogits  int // 1 for binary, K for K classes
	inputShape []int
	trainer    *train.Trainer
	exec       *model.Exec
}

// Paths of the standardisation variables in the store (saved with checkpoints).
const (
	meanVar   = "mean"
	stdVar    = "std"
	normScope = "input_standardizer"
)

// New returns an untrained classifier with numLogits outputs (1 = binary).
func New(backend compute.Backend, fn ModelFn, numLogits int) *Classifier {
	return &Classifier{Backend: backend, Store: model.NewStore(), Model: fn, NumLogits: numLogits}
}

// Standardize fits a per-feature standardiser (last axis) on d and stores its
// mean and std as frozen variables, so that the graph computes
// (x - mean)/std and a checkpoint carries it.
func (c *Classifier) Standardize(d *Data) *Classifier {
	s := FitStandardizer(d)
	sc := c.Store.RootScope().In(normScope)
	sc.VariableWithValue(meanVar, s.Mean).SetTrainable(false)
	sc.VariableWithValue(stdVar, s.Std).SetTrainable(false)
	return c
}

// Seed sets the seed of the variable initialisers and dropout.
func (c *Classifier) Seed(seed int64) *Classifier {
	c.Store.SetParam(model.ParamInitialSeed, seed)
	return c
}

// logits is the full graph: standardisation (when set up) then the model.
func (c *Classifier) logits(scope *model.Scope, x *Node) *Node {
	if v := c.Store.GetVariable(model.JoinPath(model.ScopeSeparator+normScope, meanVar)); v != nil {
		s := c.Store.GetVariable(model.JoinPath(model.ScopeSeparator+normScope, stdVar))
		mean := ExpandLeftToRank(v.NodeValue(x.Graph()), x.Rank())
		std := ExpandLeftToRank(s.NodeValue(x.Graph()), x.Rank())
		x = Div(Sub(x, mean), std)
	}
	z := c.Model(scope.In("model"), x)
	if c.NumLogits < 0 {
		return z
	}
	if z.Rank() != 2 || z.Shape().Dimensions[1] != c.NumLogits {
		panic(fmt.Sprintf("classify: model returned logits of shape %s, want [batch, %d]", z.Shape(), c.NumLogits))
	}
	return z
}

func (c *Classifier) lossFn() loss.LossFn {
	if c.NumLogits == 1 {
		return loss.BinaryCrossentropyLogits
	}
	return loss.SparseCategoricalCrossEntropyLogits
}

func (c *Classifier) accuracyGraph(scope *model.Scope, labels, logits []*Node) *Node {
	z := logits[0]
	var pred *Node
	if c.NumLogits == 1 {
		pred = ConvertDType(GreaterOrEqual(z, ZerosLike(z)), dtypes.Int32)
	} else {
		pred = InsertAxes(ArgMax(z, -1, dtypes.Int32), -1)
	}
	y := ConvertDType(labels[0], dtypes.Int32)
	return ReduceAllMean(ConvertDType(Equal(pred, y), z.DType()))
}

func (c *Classifier) buildTrainer(cfg Config) {
	modelFn := func(scope *model.Scope, x *Node) *Node {
		z := c.logits(scope, x)
		if cfg.WeightDecay > 0 {
			// PyTorch's Adam(weight_decay=wd) adds wd*w to every gradient: the gradient of wd/2 |w|^2.
			g := x.Graph()
			var l2 *Node
			for v := range c.Store.RootScope().In("model").IterVariables() {
				if !v.Trainable || !v.InUseByGraph(g) {
					continue
				}
				w := v.NodeValue(g)
				t := ReduceAllSum(Square(w))
				if l2 == nil {
					l2 = t
				} else {
					l2 = Add(l2, t)
				}
			}
			if l2 != nil {
				train.AddRegularizationLoss(MulScalar(l2, cfg.WeightDecay/2))
			}
		}
		return z
	}
	dataLoss := metric.NewBaseMetric("data loss", "dloss", metric.LossMetricType,
		func(_ *model.Scope, labels, logits []*Node) *Node { return c.lossFn()(labels, logits) }, nil)
	acc := metric.NewBaseMetric("accuracy", "acc", metric.AccuracyMetricType, c.accuracyGraph, nil)
	opt := optimizer.Adam().LearningRate(cfg.LearningRate).Done()
	c.trainer = train.NewTrainer(c.Backend, c.Store, modelFn, c.lossFn(), opt,
		[]metric.Interface{dataLoss, acc}, nil)
}

// labelsTensor encodes labels the way the loss expects them.
func (c *Classifier) labelsTensor(y []int) *tensors.Tensor {
	if c.NumLogits == 1 {
		f := make([]float32, len(y))
		for i, v := range y {
			f[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(f, len(y), 1)
	}
	l := make([]int32, len(y))
	for i, v := range y {
		l[i] = int32(v)
	}
	return tensors.FromFlatDataAndDimensions(l, len(y), 1)
}

func (c *Classifier) check(d *Data, what string) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if c.NumLogits == 1 && len(d.Classes) != 2 {
		return fmt.Errorf("classify: binary classifier given %s data with %d classes", what, len(d.Classes))
	}
	if c.NumLogits > 1 && len(d.Classes) != c.NumLogits {
		return fmt.Errorf("classify: %d-class classifier given %s data with %d classes", c.NumLogits, what, len(d.Classes))
	}
	if c.inputShape != nil && fmt.Sprint(c.inputShape) != fmt.Sprint(d.Shape) {
		return fmt.Errorf("classify: %s data has samples of shape %v, the model takes %v", what, d.Shape, c.inputShape)
	}
	return nil
}

// Fit trains on train for cfg.Epochs epochs, evaluating on test (may be nil)
// after each. Training stops early when test loss has not improved for
// cfg.Patience epochs, or with an error if the loss becomes NaN.
func (c *Classifier) Fit(trainData, test *Data, cfg Config) (*History, error) {
	if cfg.Epochs <= 0 || cfg.BatchSize <= 0 || !(cfg.LearningRate > 0) {
		return nil, fmt.Errorf("classify: need epochs > 0, batch size > 0, learning rate > 0; got %d, %d, %g",
			cfg.Epochs, cfg.BatchSize, cfg.LearningRate)
	}
	if cfg.LRStep > 0 && !(cfg.LRGamma > 0 && cfg.LRGamma <= 1) {
		return nil, fmt.Errorf("classify: LRGamma=%g must be in (0, 1] when LRStep is set", cfg.LRGamma)
	}
	if err := c.check(trainData, "training"); err != nil {
		return nil, err
	}
	c.inputShape = append([]int(nil), trainData.Shape...)
	if test != nil {
		if err := c.check(test, "test"); err != nil {
			return nil, err
		}
	}
	if c.trainer == nil {
		c.buildTrainer(cfg)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xba7c4))
	n, size := trainData.Len(), trainData.SampleSize()
	hist := &History{TrainImages: n}
	best := math.Inf(1)
	sinceBest := 0
	lr := cfg.LearningRate
	start := time.Now()
	step, total := 0, cfg.Epochs*((n+cfg.BatchSize-1)/cfg.BatchSize)
	var lastLoss float64
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		if cfg.LRStep > 0 && epoch > 1 && (epoch-1)%cfg.LRStep == 0 {
			lr *= cfg.LRGamma
		}
		if err := c.setLearningRate(lr); err != nil {
			return hist, err
		}
		t0 := time.Now()
		perm := rng.Perm(n)
		var sumLoss, sumAcc float64
		var seen int
		for b := 0; b < n; b += cfg.BatchSize {
			e := min(b+cfg.BatchSize, n)
			bs := e - b
			x := make([]float32, bs*size)
			y := make([]int, bs)
			for k, i := range perm[b:e] {
				copy(x[k*size:(k+1)*size], trainData.X[i*size:(i+1)*size])
				y[k] = trainData.Y[i]
			}
			if cfg.Augment != nil {
				cfg.Augment(rng, x, bs, trainData.Shape)
			}
			dims := append([]int{bs}, trainData.Shape...)
			ms, err := c.trainer.TrainStep(train.Batch{
				Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(x, dims...)},
				Labels: []*tensors.Tensor{c.labelsTensor(y)}})
			if err != nil {
				return hist, fmt.Errorf("classify: training step %d: %w", step, err)
			}
			l := scalar(ms[2])
			a := scalar(ms[3])
			for _, m := range ms {
				m.FinalizeAll()
			}
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return hist, fmt.Errorf("classify: loss became %g at epoch %d step %d: lower the learning rate", l, epoch, step)
			}
			sumLoss += l * float64(bs)
			sumAcc += a * float64(bs)
			seen += bs
			step++
			if e < n { // the epoch's last step is reported after its evaluation
				if err := cfg.OnStep.Call(progress.Step{Step: step, Total: total, Epoch: epoch, Loss: l}); err != nil {
					return hist, err
				}
			}
			lastLoss = l
		}
		secs := time.Since(t0).Seconds()
		st := EpochStats{Epoch: epoch, TrainLoss: sumLoss / float64(seen), TrainAcc: sumAcc / float64(seen),
			LearningRate: lr, Seconds: secs, ImagesPerSecond: float64(seen) / secs,
			TestLoss: math.NaN(), TestAcc: math.NaN()}
		if test != nil {
			ev, err := c.Evaluate(test)
			if err != nil {
				return hist, err
			}
			st.TestLoss, st.TestAcc = ev.Loss, ev.Accuracy
		}
		hist.Epochs = append(hist.Epochs, st)
		if err := cfg.OnStep.Call(progress.Step{Step: step, Total: total, Epoch: epoch, EpochEnd: true, Loss: lastLoss,
			Metrics: st.metrics()}); err != nil {
			return hist, err
		}
		if test != nil && cfg.Patience > 0 {
			if st.TestLoss < best {
				best, sinceBest, hist.BestEpoch = st.TestLoss, 0, epoch
			} else if sinceBest++; sinceBest >= cfg.Patience {
				hist.EarlyStop = true
				break
			}
		}
	}
	hist.Seconds = time.Since(start).Seconds()
	return hist, nil
}

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	panic(fmt.Sprintf("classify: unexpected metric %v", t))
}

// setLearningRate writes Adam's learning-rate variable (created on the first
// step; before that the optimizer's initial value is used).
func (c *Classifier) setLearningRate(lr float64) error {
	v := c.Store.GetVariable(model.JoinPath(model.ScopeSeparator+optimizer.Scope, optimizer.ParamLearningRate))
	if v == nil {
		return nil
	}
	t, err := tensors.FromAnyValue(shapes.CastAsDType(lr, v.DType()))
	if err != nil {
		return err
	}
	return v.SetValue(t)
}

// Outputs runs the model (dropout off) on all samples and returns its raw
// outputs, Len x width, whatever their width (features, logits).
func (c *Classifier) Outputs(d *Data) (out []float32, width int, err error) {
	saved := c.NumLogits
	c.NumLogits = -1 // no logits-shape check
	defer func() { c.NumLogits = saved }()
	out, err = c.Logits(d)
	if err != nil || d.Len() == 0 {
		return out, 0, err
	}
	return out, len(out) / d.Len(), nil
}

// Logits runs the model (dropout off) on all samples, in batches, and returns
// the logits, Len x NumLogits.
func (c *Classifier) Logits(d *Data) ([]float32, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if c.inputShape != nil && fmt.Sprint(c.inputShape) != fmt.Sprint(d.Shape) {
		return nil, fmt.Errorf("classify: data %q has samples of shape %v, the model takes %v", d.Name, d.Shape, c.inputShape)
	}
	if c.exec == nil {
		var err error
		c.exec, err = model.NewExec(c.Backend, c.Store, func(scope *model.Scope, x *Node) *Node {
			return c.logits(scope, x)
		})
		if err != nil {
			return nil, err
		}
		c.exec.SetMaxCache(16)
	}
	size := d.SampleSize()
	const eb = 512
	out := make([]float32, 0, d.Len()*max(c.NumLogits, 1))
	for b := 0; b < d.Len(); b += eb {
		e := min(b+eb, d.Len())
		dims := append([]int{e - b}, d.Shape...)
		res, err := c.exec.Exec(tensors.FromFlatDataAndDimensions(d.X[b*size:e*size], dims...))
		if err != nil {
			return nil, fmt.Errorf("classify: evaluating samples %d-%d: %w", b, e, err)
		}
		out = append(out, tensors.MustCopyFlatData[float32](res[0])...)
		res[0].FinalizeAll()
	}
	return out, nil
}

// Eval holds the loss, accuracy and predictions on a data set.
type Eval struct {
	Loss, Accuracy float64
	Pred           []int
	Scores         []float64 // binary: probability of class 1; else softmax prob of the predicted class
}

// Evaluate computes the mean cross-entropy, the accuracy and the predictions.
func (c *Classifier) Evaluate(d *Data) (*Eval, error) {
	z, err := c.Logits(d)
	if err != nil {
		return nil, err
	}
	k := c.NumLogits
	ev := &Eval{Pred: make([]int, d.Len()), Scores: make([]float64, d.Len())}
	ok := 0
	for i := 0; i < d.Len(); i++ {
		y := d.Y[i]
		if k == 1 {
			zi := float64(z[i])
			ev.Loss += math.Max(zi, 0) - zi*float64(y) + math.Log1p(math.Exp(-math.Abs(zi)))
			ev.Scores[i] = 1 / (1 + math.Exp(-zi))
			if zi >= 0 {
				ev.Pred[i] = 1
			}
		} else {
			row := z[i*k : (i+1)*k]
			m, am := math.Inf(-1), 0
			for j, v := range row {
				if float64(v) > m {
					m, am = float64(v), j
				}
			}
			s := 0.0
			for _, v := range row {
				s += math.Exp(float64(v) - m)
			}
			ev.Loss += m + math.Log(s) - float64(row[y])
			ev.Pred[i] = am
			ev.Scores[i] = 1 / s
		}
		if ev.Pred[i] == y {
			ok++
		}
	}
	ev.Loss /= float64(d.Len())
	ev.Accuracy = float64(ok) / float64(d.Len())
	return ev, nil
}

// Probabilities returns sigma(z) for a binary classifier.
func (c *Classifier) Probabilities(d *Data) ([]float64, error) {
	if c.NumLogits != 1 {
		return nil, fmt.Errorf("classify: Probabilities is for binary classifiers; this one has %d logits", c.NumLogits)
	}
	ev, err := c.Evaluate(d)
	if err != nil {
		return nil, err
	}
	return ev.Scores, nil
}

// Save writes all variables (weights, standardiser, optimizer state) as a
// new checkpoint in dir, atomically (package checkpoints): an interruption
// leaves the previous checkpoint, and the previous one is removed only once
// the new one is on disk. A model saved there before is replaced; a caller
// that must not replace one checks [HasCheckpoint] first.
func (c *Classifier) Save(dir string) error {
	_, err := c.SaveWith(dir, nil)
	return err
}

// SaveWith is [Classifier.Save] with files of the caller's own (name ->
// content, e.g. the experiment that trained the model) kept in the same
// checkpoint, for [checkpoints.Checkpoint.ReadFile] to read back with it.
func (c *Classifier) SaveWith(dir string, files map[string][]byte) (*checkpoints.Checkpoint, error) {
	step := 0
	if v := c.Store.GetVariable(model.ScopeSeparator + optimizer.GlobalStepVariableName); v != nil && v.HasValue() {
		if n, ok := v.MustValue().Value().(int64); ok && n > 0 {
			step = int(n)
		}
	}
	ck, err := checkpoints.Save(dir, c.Store, step, files, 1)
	if err != nil {
		return nil, fmt.Errorf("classify: saving the model in %s: %w", dir, err)
	}
	return ck, nil
}

// HasCheckpoint reports whether dir already holds a saved model (intact or
// not).
func HasCheckpoint(dir string) bool { return checkpoints.Has(dir) }

// Load restores a classifier saved with [Classifier.Save]; fn and numLogits
// must describe the same network. If the newest checkpoint is damaged, the
// newest intact one is used and a line on stderr says so.
func Load(backend compute.Backend, dir string, fn ModelFn, numLogits int) (*Classifier, error) {
	ck, err := checkpoints.Open(dir, os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("classify: loading a model from %s: %w", dir, err)
	}
	return FromCheckpoint(backend, ck, fn, numLogits)
}

// FromCheckpoint restores a classifier from a checkpoint opened with
// [checkpoints.Open] (whose files saved with [Classifier.SaveWith] say
// which network fn and numLogits must describe).
func FromCheckpoint(backend compute.Backend, ck *checkpoints.Checkpoint, fn ModelFn, numLogits int) (*Classifier, error) {
	c := New(backend, fn, numLogits)
	if _, err := ck.Restore(c.Store); err != nil {
		return nil, fmt.Errorf("classify: loading a model from %s: %w", ck.Folder, err)
	}
	return c, nil
}
