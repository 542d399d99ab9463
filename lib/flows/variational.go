package flows

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// EnergyFn is an unnormalised target, ln π(x) = -E(x): it maps a batch x
// (rows, N) to the energies (rows).
type EnergyFn func(x *Node) *Node

// VariationalConfig sets up [Variational] training.
type VariationalConfig struct {
	// Batch is the number of samples per step (>= 1).
	Batch int
	// LearningRate of Adam (> 0).
	LearningRate float64
	// Symmetric trains the Z2-symmetrised density q(x) = ½[q₀(x) + q₀(-x)]
	// (as NeuralRG does for the Ising model), at the cost of one inverse pass.
	Symmetric bool
	// Seed of the latent noise.
	Seed uint64
}

// Variational trains a bijector as a variational density for a target
// π(x) ∝ exp(-E(x)) by minimising the variational free energy (reverse
// Kullback-Leibler divergence up to the constant ln Z)
//
//	F[q] = E_(x~q)[ln q(x) + E(x)] = KL(q‖π) - ln Z >= -ln Z,
//
// with reparameterised samples x = g(z), z ~ N(0, 1), so that the gradient
// flows through the samples. Each Step draws a fresh batch and applies Adam.
type Variational struct {
	Flow   *Bijector
	Config VariationalConfig
	energy EnergyFn
	b      compute.Backend
	rng    *rand.Rand
	step   int
	train  *model.Exec
	sample *model.Exec
	// density evaluates ln q and E at given configurations (built on first use).
	density *model.Exec
}

// NewVariational prepares training of flow on the target energy.
func NewVariational(b compute.Backend, flow *Bijector, energy EnergyFn, cfg VariationalConfig) (*Variational, error) {
	if cfg.Batch < 1 {
		return nil, fmt.Errorf("flows: batch=%d must be >= 1", cfg.Batch)
	}
	if !(cfg.LearningRate > 0) || math.IsInf(cfg.LearningRate, 0) {
		return nil, fmt.Errorf("flows: learning rate %v must be positive and finite", cfg.LearningRate)
	}
	v := &Variational{Flow: flow, Config: cfg, energy: energy, b: b,
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x7a))}
	opt := optimizer.Adam().LearningRate(cfg.LearningRate).Done()
	var err error
	v.train, err = model.NewExec(b, flow.Store(), func(scope *model.Scope, z *Node) *Node {
		f, _, _ := v.freeEnergyGraph(z)
		loss := ReduceAllMean(f)
		opt.UpdateGraph(scope, z.Graph(), loss)
		return f
	})
	if err != nil {
		return nil, err
	}
	v.sample, err = model.NewExec(b, flow.Store(), func(_ *model.Scope, z *Node) []*Node {
		f, logQ, x := v.freeEnergyGraph(z)
		// x, ln q(x), E(x) and, for the random flips of Sample, E(-x).
		return []*Node{x, logQ, Sub(f, logQ), v.energy(Neg(x))}
	})
	return v, err
}

// MustNewVariational is [NewVariational] for notebook cells.
func MustNewVariational(b compute.Backend, flow *Bijector, energy EnergyFn, cfg VariationalConfig) *Variational {
	v, err := NewVariational(b, flow, energy, cfg)
	if err != nil {
		panic(err)
	}
	return v
}

// freeEnergyGraph returns per sample f = ln q(x) + E(x), ln q(x) and x = g(z).
func (v *Variational) freeEnergyGraph(z *Node) (f, logQ, x *Node) {
	x, logDet := v.Flow.Generate(z)
	logQ = v.symmetrise(x, Sub(LogPrior(z), logDet))
	return Add(logQ, v.energy(x)), logQ, x
}

// symmetrise turns ln q₀(x) into the trained density's ln q(x): itself, or
// ln ½[q₀(x) + q₀(-x)] for a symmetric flow, with q₀(-x) from the inverse pass.
func (v *Variational) symmetrise(x, logQ0 *Node) *Node {
	if !v.Config.Symmetric {
		return logQ0
	}
	return AddScalar(logAddExp(logQ0, v.Flow.LogProb(Neg(x))), -math.Ln2)
}

// Density returns ln q(x) and E(x) of the trained density for the given
// configurations (rows of N values, row-major), through the inverse pass.
// For the flow's own samples it reproduces Sample's LogQ and Energy; a hybrid
// chain ([RunHybrid]) needs it for states reached by local moves.
func (v *Variational) Density(x []float64) (logQ, energy []float64, err error) {
	N := v.Flow.N()
	if len(x) == 0 || len(x)%N != 0 {
		return nil, nil, fmt.Errorf("flows: Density needs rows of %d values, got %d values", N, len(x))
	}
	if v.density == nil {
		v.density, err = model.NewExec(v.b, v.Flow.Store(), func(_ *model.Scope, x *Node) (*Node, *Node) {
			return v.symmetrise(x, v.Flow.LogProb(x)), v.energy(x)
		})
		if err != nil {
			return nil, nil, err
		}
	}
	rows := len(x) / N
	out, err := v.density.Exec(tensorOf(x, v.Flow.DType, rows, N))
	if err != nil {
		return nil, nil, err
	}
	return toFloat64(out[0]), toFloat64(out[1]), nil
}

// logAddExp is ln(e^a + e^b), stable.
func logAddExp(a, b *Node) *Node {
	m := Max(a, b)
	return Add(m, Log1p(Exp(Neg(Abs(Sub(a, b))))))
}

// latent draws rows x N standard normal numbers in the flow's dtype.
func (v *Variational) latent(rows int) *tensors.Tensor {
	n := v.Flow.N()
	z := make([]float64, rows*n)
	for i := range z {
		z[i] = v.rng.NormFloat64()
	}
	return tensorOf(z, v.Flow.DType, rows, n)
}

// StepStats summarises one training step: the batch mean of
// f = ln q(x) + E(x) (the loss) and its standard error.
type StepStats struct {
	Step   int
	Loss   float64
	StdErr float64
}

// Step draws a batch, evaluates the variational free energy and applies one
// Adam update. A non-finite loss stops training with an error.
func (v *Variational) Step() (StepStats, error) {
	out, err := v.train.Exec(v.latent(v.Config.Batch))
	if err != nil {
		return StepStats{}, err
	}
	f := toFloat64(out[0])
	v.step++
	mean, se := meanStdErr(f)
	if math.IsNaN(mean) || math.IsInf(mean, 0) {
		return StepStats{Step: v.step, Loss: mean}, fmt.Errorf("flows: training diverged at step %d: loss is %v (lower the learning rate or the ScaleBound)", v.step, mean)
	}
	return StepStats{Step: v.step, Loss: mean, StdErr: se}, nil
}

// SetLearningRate changes Adam's learning rate for the following steps (for
// schedules); the rate lives in the optimizer's variable, so it is also saved
// with checkpoints.
func (v *Variational) SetLearningRate(lr float64) error { return setLearningRate(v.Flow, lr) }

// setLearningRate sets the learning-rate variable of the optimizer in the flow's store.
func setLearningRate(flow *Bijector, lr float64) error {
	if !(lr > 0) || math.IsInf(lr, 0) {
		return fmt.Errorf("flows: learning rate %v must be positive and finite", lr)
	}
	path := "/" + optimizer.Scope + "/" + optimizer.ParamLearningRate
	value := tensorOf([]float64{lr}, flow.DType)
	if vr := flow.Store().GetVariable(path); vr != nil {
		return vr.SetValue(value)
	}
	vr, err := flow.Store().CreateVariable(path, value)
	if err != nil {
		return err
	}
	vr.SetTrainable(false)
	return nil
}

// Skip sets the step counter to steps (after resuming from a checkpoint) and
// reseeds the latent noise from it, so a resumed run draws new batches.
func (v *Variational) Skip(steps int) {
	v.step = steps
	v.rng = rand.New(rand.NewPCG(v.Config.Seed, 0x7a+uint64(steps)))
}

// Steps returns the number of steps taken by this trainer.
func (v *Variational) Steps() int { return v.step }

// Samples are independent draws from the flow.
type Samples struct {
	N int
	// X holds the configurations, row-major (len = rows·N).
	X []float64
	// LogQ is ln q(x) per row, Energy is E(x) per row.
	LogQ, Energy []float64
}

// Rows is the number of samples.
func (s Samples) Rows() int { return len(s.LogQ) }

// Row returns sample i.
func (s Samples) Row(i int) []float64 { return s.X[i*s.N : (i+1)*s.N] }

// Sample draws n independent configurations from the flow with their ln q and
// energies, in batches of the training batch size. With a symmetric density,
// each sample is flipped x -> -x with probability ½ (q is even; E need not be).
func (v *Variational) Sample(n int) (Samples, error) {
	N := v.Flow.N()
	s := Samples{N: N}
	for len(s.LogQ) < n {
		rows := min(v.Config.Batch, n-len(s.LogQ))
		out, err := v.sample.Exec(v.latent(rows))
		if err != nil {
			return Samples{}, err
		}
		x, energy, flipped := toFloat64(out[0]), toFloat64(out[2]), toFloat64(out[3])
		if v.Config.Symmetric {
			for r := 0; r < rows; r++ {
				if v.rng.IntN(2) == 1 {
					for i := r * N; i < (r+1)*N; i++ {
						x[i] = -x[i]
					}
					energy[r] = flipped[r]
				}
			}
		}
		s.X = append(s.X, x...)
		s.LogQ = append(s.LogQ, toFloat64(out[1])...)
		s.Energy = append(s.Energy, energy...)
	}
	return s, nil
}

// FreeEnergy estimates F[q] = E_q[ln q + E] from samples, with its standard error.
func (s Samples) FreeEnergy() (mean, stdErr float64) {
	f := make([]float64, s.Rows())
	for i := range f {
		f[i] = s.LogQ[i] + s.Energy[i]
	}
	return meanStdErr(f)
}

func toFloat64(t *tensors.Tensor) []float64 {
	switch t.DType() {
	case dtypes.Float64:
		return tensors.MustCopyFlatData[float64](t)
	case dtypes.Float32:
		f := tensors.MustCopyFlatData[float32](t)
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out
	}
	panic(fmt.Sprintf("flows: unexpected dtype %s", t.DType()))
}

func meanStdErr(f []float64) (mean, stdErr float64) {
	n := float64(len(f))
	for _, v := range f {
		mean += v
	}
	mean /= n
	if len(f) < 2 {
		return mean, math.NaN()
	}
	ss := 0.0
	for _, v := range f {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / (n - 1) / n)
}
