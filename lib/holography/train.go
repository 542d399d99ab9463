package holography

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/physnb/physnb/lib/holography/blackhole"
	"github.com/physnb/physnb/lib/holography/ode"
	"github.com/physnb/physnb/lib/num"
	"github.com/physnb/physnb/lib/progress"
)

// Training holds the optimisation settings.
type Training struct {
	Epochs       int
	BatchSize    int
	LearningRate float64 // Adam step size
	TWidth       float64 // w of the smooth final layer t(F) = 1 - exp(-|F|^2.5/w)
	// TWidthStart, if > TWidth, anneals w geometrically from TWidthStart at the
	// first step to TWidth at the last: the loss landscape of the metric is a
	// narrow valley on a flat plateau at w = 0.03, and a wider t(F) leads the
	// optimiser into the valley first (our addition; 0 turns it off).
	TWidthStart float64
	Seed        uint64 // initial parameters and mini-batch order
	// OnStep is called after every Adam step (Step counts them, Total is
	// Epochs × batches, EpochEnd marks an epoch's last batch); an error it
	// returns stops training. nil: no hook.
	OnStep progress.OnStepFn
}

// DefaultTraining returns the walkthrough's optimiser settings (Adam with
// step 0.03, mini-batches of 50, w = 0.03) with 100 epochs (the walkthrough
// runs 10) and w annealed from 3 down to 0.03.
func DefaultTraining() Training {
	return Training{Epochs: 100, BatchSize: 50, LearningRate: 0.03, TWidth: DefaultTWidth, TWidthStart: 3, Seed: 1}
}

// widthAt returns the final-layer width w at step i of total.
func (t Training) widthAt(i, total int) float64 {
	if !(t.TWidthStart > t.TWidth) || total < 2 {
		return t.TWidth
	}
	return t.TWidthStart * math.Pow(t.TWidth/t.TWidthStart, float64(i)/float64(total-1))
}

func (t Training) validate(n int) error {
	switch {
	case t.Epochs < 1:
		return fmt.Errorf("holography: %d epochs: need at least 1", t.Epochs)
	case t.BatchSize < 1:
		return fmt.Errorf("holography: batch size %d: need at least 1", t.BatchSize)
	case n < t.BatchSize:
		return fmt.Errorf("holography: %d training samples, fewer than one batch of %d", n, t.BatchSize)
	case !(t.LearningRate > 0) || math.IsInf(t.LearningRate, 0):
		return fmt.Errorf("holography: learning rate %g must be > 0", t.LearningRate)
	case !(t.TWidth > 0) || math.IsInf(t.TWidth, 0):
		return fmt.Errorf("holography: final-layer width w=%g must be > 0", t.TWidth)
	}
	return nil
}

// Network is the scalar-field network with a learnable metric: its
// variables live in Store.
type Network struct {
	Cfg    Config
	Metric Metric
	Store  *model.Store
}

// NewNetwork validates the configuration and initialises the metric's variables.
func NewNetwork(cfg Config, m Metric, seed uint64) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if a, ok := m.(*Ansatz); ok {
		if err := a.prepare(); err != nil {
			return nil, err
		}
		if !(a.EtaStar > cfg.EtaIR && a.EtaStar < cfg.EtaUV) {
			return nil, fmt.Errorf("holography: matching point η*=%g must lie between the cut-offs (%g, %g)", a.EtaStar, cfg.EtaIR, cfg.EtaUV)
		}
	}
	if s, ok := m.(*HorizonSeries); ok {
		if err := s.validate(); err != nil {
			return nil, err
		}
	}
	store := model.NewStore()
	m.Init(store.RootScope(), rand.New(rand.NewPCG(seed, 0xa11ce)), cfg)
	return &Network{Cfg: cfg, Metric: m, Store: store}, nil
}

// Forward propagates boundary data (φ, Π), each shape [batch], through the N
// RK4 layers with the learnable metric and returns F at the horizon cut-off.
func (n *Network) Forward(scope *model.Scope, phi, pi *Node) *Node {
	cfg := n.Cfg
	g := phi.Graph()
	hStage := n.Metric.StageH(scope, g, cfg) // [N, 3]
	fieldOf := func(layer int) ode.Field {
		return func(t float64, y []*Node) []*Node {
			H := Slice(hStage, AxisElem(layer), AxisElem(stageIndex(cfg, layer, t)))
			H = Reshape(H) // scalar
			phi, pi := y[0], y[1]
			dPhi := pi
			dPi := Add(Add(Neg(Mul(H, pi)), MulScalar(phi, cfg.MassSq)), dV(cfg, phi))
			return []*Node{dPhi, dPi}
		}
	}
	y := ode.IntegrateLayers(ode.RK4, fieldOf, cfg.EtaUV, cfg.Step(), cfg.Layers, []*Node{phi, pi})
	return finalF(cfg, y[0], y[1])
}

// dV is V'(φ) = λφ³.
func dV(cfg Config, phi *Node) *Node { return MulScalar(Mul(phi, Square(phi)), cfg.Lambda) }

// finalF is F = (2/η_IR)Π - m²φ - V'(φ) (or Π alone, for MomentumOnly).
func finalF(cfg Config, phi, pi *Node) *Node {
	if cfg.Final == MomentumOnly {
		return pi
	}
	return Sub(Sub(MulScalar(pi, 2/cfg.EtaIR), MulScalar(phi, cfg.MassSq)), dV(cfg, phi))
}

// smoothT is t(F) = 1 - exp(-|F|^2.5/w), written as (F²+δ)^1.25 so that its
// gradient stays finite at F = 0.
func smoothT(f, w *Node) *Node {
	absF25 := PowScalar(AddScalar(Square(f), 1e-30), 1.25)
	return OneMinus(Exp(Neg(Div(absF25, w))))
}

// Loss is the training objective on a batch: the mean squared error between
// t(F) (width w, a scalar node) and the labels y (0 positive, 1 negative),
// plus the metric's regulariser.
func (n *Network) Loss(scope *model.Scope, phi, pi, y, w *Node) (total, mse *Node) {
	f := n.Forward(scope, phi, pi)
	mse = ReduceAllMean(Square(Sub(smoothT(f, w), y)))
	return Add(mse, n.Metric.Regularizer(scope, phi.Graph(), n.Cfg)), mse
}

// Result is what a training run produced.
type Result struct {
	Metric         string
	EpochLoss      []float64 // mean training loss per epoch
	Etas, H, HTrue []float64 // learned and true metric where they are compared
	RelErrRMS      float64   // RMS of H/H_true - 1 over Etas
	RelErrMax      float64   // max |H/H_true - 1| over Etas
	TrainAccuracy  float64   // hard final layer |F| < ε against the labels, learned metric
	TestAccuracy   float64
	Params         []float64 // the trainable values (d for the ansatz, H_n per layer)
	Steps          int
	Seconds        float64
	StepsPerSecond float64
	Profile        Profile // learned H at the RK4 stage points
}

// Train fits the network's metric to the labelled boundary data with Adam on
// shuffled mini-batches, then measures accuracy on train and test data (hard
// final layer, host float64 propagation with the learned profile) and, when
// bh is not nil, the relative error of the learned H against bh's.
func Train(b compute.Backend, cfg Config, m Metric, trainSet, testSet *Dataset, tr Training, bh *blackhole.Background) (*Result, *Network, error) {
	if err := tr.validate(trainSet.Len()); err != nil {
		return nil, nil, err
	}
	net, err := NewNetwork(cfg, m, tr.Seed)
	if err != nil {
		return nil, nil, err
	}
	res, err := net.Fit(b, trainSet, tr)
	if err != nil {
		return nil, net, err
	}
	if err := net.Evaluate(b, res, trainSet, testSet, bh); err != nil {
		return nil, net, err
	}
	return res, net, nil
}

// MustTrain is Train for notebook cells.
func MustTrain(b compute.Backend, cfg Config, m Metric, trainSet, testSet *Dataset, tr Training, bh *blackhole.Background) (*Result, *Network) {
	res, net, err := Train(b, cfg, m, trainSet, testSet, tr, bh)
	if err != nil {
		panic(err)
	}
	return res, net
}

// TrainStep returns an executor that performs one Adam step on a batch
// (φ, Π, y, w) and returns the batch loss.
func (n *Network) TrainStep(b compute.Backend, lr float64) (*model.Exec, error) {
	opt := optimizer.Adam().LearningRate(lr).Done()
	return model.NewExec(b, n.Store, func(scope *model.Scope, phi, pi, y, w *Node) *Node {
		loss, _ := n.Loss(scope, phi, pi, y, w)
		opt.UpdateGraph(scope, phi.Graph(), loss)
		return loss
	})
}

// Fit runs the optimisation and returns a Result with the loss history filled in.
func (n *Network) Fit(b compute.Backend, trainSet *Dataset, tr Training) (*Result, error) {
	step, err := n.TrainStep(b, tr.LearningRate)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(tr.Seed, 0xba7c4))
	nb := trainSet.Len() / tr.BatchSize
	res := &Result{Metric: n.Metric.Name()}
	phi, pi, y := make([]float64, tr.BatchSize), make([]float64, tr.BatchSize), make([]float64, tr.BatchSize)
	start := time.Now()
	for epoch := 0; epoch < tr.Epochs; epoch++ {
		perm := rng.Perm(trainSet.Len())
		sum := 0.0
		for bi := 0; bi < nb; bi++ {
			for k := 0; k < tr.BatchSize; k++ {
				j := perm[bi*tr.BatchSize+k]
				phi[k], pi[k], y[k] = trainSet.Phi[j], trainSet.Pi[j], trainSet.Label[j]
			}
			out, err := step.Exec(phi, pi, y, tr.widthAt(res.Steps, tr.Epochs*nb))
			if err != nil {
				return nil, fmt.Errorf("holography: training step %d: %w", res.Steps, err)
			}
			loss := out[0].Value().(float64)
			res.Steps++
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return nil, fmt.Errorf("holography: loss became %g at step %d (epoch %d): lower the learning rate (%g)", loss, res.Steps, epoch, tr.LearningRate)
			}
			if err := tr.OnStep.Call(progress.Step{Step: res.Steps, Total: tr.Epochs * nb, Epoch: epoch + 1, EpochEnd: bi == nb-1, Loss: loss}); err != nil {
				return nil, err
			}
			sum += loss
		}
		res.EpochLoss = append(res.EpochLoss, sum/float64(nb))
	}
	res.Seconds = time.Since(start).Seconds()
	res.StepsPerSecond = float64(res.Steps) / res.Seconds
	return res, nil
}

// LearnedCurve evaluates the learned metric at Metric.CurveEtas and at the RK4 stage points.
func (n *Network) LearnedCurve(b compute.Backend) (etas, h []float64, prof Profile, err error) {
	exec, err := model.NewExec(b, n.Store, func(scope *model.Scope, g *Graph) (*Node, *Node) {
		return n.Metric.Curve(scope, g, n.Cfg), n.Metric.StageH(scope, g, n.Cfg)
	})
	if err != nil {
		return nil, nil, nil, err
	}
	out, err := exec.Exec()
	if err != nil {
		return nil, nil, nil, err
	}
	h = tensors.MustCopyFlatData[float64](out[0])
	st := tensors.MustCopyFlatData[float64](out[1])
	prof = make(Profile, n.Cfg.Layers)
	for i := range prof {
		copy(prof[i][:], st[3*i:3*i+3])
	}
	return n.Metric.CurveEtas(n.Cfg), h, prof, nil
}

// Evaluate fills in the learned curve, accuracies and (if bh != nil) the
// relative errors against the true metric.
func (n *Network) Evaluate(b compute.Backend, res *Result, trainSet, testSet *Dataset, bh *blackhole.Background) error {
	etas, h, prof, err := n.LearnedCurve(b)
	if err != nil {
		return err
	}
	res.Etas, res.H, res.Profile = etas, h, prof
	res.TrainAccuracy = Accuracy(n.Cfg, prof, trainSet)
	if testSet != nil {
		res.TestAccuracy = Accuracy(n.Cfg, prof, testSet)
	}
	switch m := n.Metric.(type) {
	case *Ansatz:
		res.Params = m.D(n.Store)
	case *PerLayer:
		res.Params = m.Values(n.Store)
	case *HorizonSeries:
		res.Params = m.Coefficients(n.Store)
	}
	if bh != nil {
		res.HTrue = n.Metric.Truth(n.Cfg, bh)
		res.RelErrRMS, res.RelErrMax = RelErr(res.H, res.HTrue)
	}
	return nil
}

// RelErr returns the RMS and the maximum of |a/b - 1|.
func RelErr(a, b []float64) (rms, maxAbs float64) {
	for i := range a {
		r := a[i]/b[i] - 1
		rms += r * r
		maxAbs = math.Max(maxAbs, math.Abs(r))
	}
	return math.Sqrt(rms / float64(len(a))), maxAbs
}

// RefineLearningRate is Adam's step in the refinement stage of [TrainFromLandscape].
const RefineLearningRate = 1e-3

// LandscapeGrid is the (d₀, d₁) grid that [TrainFromLandscape] scans: d₀ = H(η*)
// in [2, 4.5] by 0.01 and the slope d₁ in [-3, 3] by 0.05. The valley of the
// loss is about 0.02 wide in d₀, so the step must stay below that.
func LandscapeGrid() (d0s, d1s []float64) {
	return num.Linspace(2, 4.5, 251), num.Linspace(-3, 3, 121)
}

// TrainFromLandscape fits the ansatz in stages that cope with the rugged
// valley of the loss, using the training data alone (bh, which may be nil,
// only enters the error report):
//
//  1. scan the training loss of the K = 2 ansatz on [LandscapeGrid]
//     (host, float64, w = tr.TWidth) and take the best point;
//  2. for K = 3, carry that curve over to the K = 3 ansatz by least squares
//     ([Ansatz.Project]) and scan the loss again on a local grid around it
//     (±0.1 in d₀ by 0.01, ±2 in d₁ by 0.1, ±4 in d₂ by 0.5);
//  3. refine by the usual gradient training at fixed w with Adam's step
//     lowered to RefineLearningRate (the walkthrough's 0.03 is wider than
//     the valley and throws the metric out of it).
//
// K must be 2 or 3 (a finer grid in more dimensions costs too much).
func TrainFromLandscape(b compute.Backend, cfg Config, K int, trainSet, testSet *Dataset, tr Training, bh *blackhole.Background) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if K != 2 && K != 3 {
		return nil, fmt.Errorf("holography: TrainFromLandscape needs K = 2 or 3 coefficients, got %d", K)
	}
	if err := tr.validate(trainSet.Len()); err != nil {
		return nil, err
	}
	d0s, d1s := LandscapeGrid()
	two := NewAnsatz()
	_, best, _ := two.Landscape(cfg, trainSet, tr.TWidth, d0s, d1s)
	a := NewAnsatz()
	a.K = K
	if K == 3 {
		start, err := a.Project(two, best, num.Linspace(cfg.EtaIR, cfg.EtaUV, 91))
		if err != nil {
			return nil, err
		}
		best, _ = a.BestOnGrid(cfg, trainSet, tr.TWidth, start, []float64{0.1, 2, 4}, []float64{0.01, 0.1, 0.5})
	}
	a.Start = best
	tr.TWidthStart = 0
	tr.LearningRate = RefineLearningRate
	res, _, err := Train(b, cfg, a, trainSet, testSet, tr, bh)
	return res, err
}
