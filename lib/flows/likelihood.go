package flows

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// MaxLikelihood trains a bijector as a density model of data (the forward
// Kullback-Leibler direction, the usual training of generative flows) by
// minimising the negative log-likelihood of data batches with Adam,
//
//	NLL = -E_data[ln q(x)],   ln q(x) = ln N(g⁻¹(x)) + ln|det ∂g⁻¹/∂x|,
//
// which needs only the inverse (inference) pass. Where [Variational] fits a
// flow to a known energy without data, this fits it to samples without an energy.
type MaxLikelihood struct {
	Flow  *Bijector
	b     compute.Backend
	train *model.Exec
	eval  *model.Exec
	gen   *model.Exec
	steps int
}

// NewMaxLikelihood prepares maximum-likelihood training of flow with Adam at
// learning rate lr (> 0).
func NewMaxLikelihood(b compute.Backend, flow *Bijector, lr float64) (*MaxLikelihood, error) {
	if !(lr > 0) || math.IsInf(lr, 0) {
		return nil, fmt.Errorf("flows: learning rate %v must be positive and finite", lr)
	}
	m := &MaxLikelihood{Flow: flow, b: b}
	opt := optimizer.Adam().LearningRate(lr).Done()
	var err error
	m.train, err = model.NewExec(b, flow.Store(), func(scope *model.Scope, x *Node) *Node {
		nll := Neg(flow.LogProb(x))
		opt.UpdateGraph(scope, x.Graph(), ReduceAllMean(nll))
		return nll
	})
	if err != nil {
		return nil, err
	}
	m.eval, err = model.NewExec(b, flow.Store(), func(_ *model.Scope, x *Node) *Node { return flow.LogProb(x) })
	return m, err
}

// exec runs e on x, which must hold whole rows of the flow's N variables.
func (m *MaxLikelihood) exec(e *model.Exec, x []float64) ([]*tensors.Tensor, error) {
	N := m.Flow.N()
	if len(x) == 0 || len(x)%N != 0 {
		return nil, fmt.Errorf("flows: need rows of %d values, got %d values", N, len(x))
	}
	return e.Exec(tensorOf(x, m.Flow.DType, len(x)/N, N))
}

// Step takes one Adam step on the batch x (rows of N values) and returns the
// per-row negative log-likelihood before the update. A non-finite value is an error.
func (m *MaxLikelihood) Step(x []float64) ([]float64, error) {
	out, err := m.exec(m.train, x)
	if err != nil {
		return nil, err
	}
	m.steps++
	nll := toFloat64(out[0])
	if mu, _ := meanStdErr(nll); math.IsNaN(mu) || math.IsInf(mu, 0) {
		return nil, fmt.Errorf("flows: maximum-likelihood training diverged at step %d (NLL %v): lower the learning rate", m.steps, mu)
	}
	return nll, nil
}

// SetLearningRate changes Adam's learning rate for the following steps.
func (m *MaxLikelihood) SetLearningRate(lr float64) error {
	return setLearningRate(m.Flow, lr)
}

// LogProb returns ln q(x) for rows of x.
func (m *MaxLikelihood) LogProb(x []float64) ([]float64, error) {
	out, err := m.exec(m.eval, x)
	if err != nil {
		return nil, err
	}
	return toFloat64(out[0]), nil
}

// GenerateLevels maps latent rows z to x = g(z) and returns x after every
// layer too ([Bijector.GenerateLevels]), each as rows of N values: the last
// entry is x itself.
func (m *MaxLikelihood) GenerateLevels(z []float64) ([][]float64, error) {
	if m.gen == nil {
		var err error
		m.gen, err = model.NewExec(m.b, m.Flow.Store(), func(_ *model.Scope, z *Node) []*Node {
			_, _, levels := m.Flow.GenerateLevels(z)
			return levels
		})
		if err != nil {
			return nil, err
		}
	}
	out, err := m.exec(m.gen, z)
	if err != nil {
		return nil, err
	}
	res := make([][]float64, len(out))
	for i, t := range out {
		res[i] = toFloat64(t)
	}
	return res, nil
}
