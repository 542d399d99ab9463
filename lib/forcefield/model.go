package forcefield

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads like the equations
)

// Model is the energy network of the lesson,
//
//	E(D) = w₂ · σ(W₁ᵀ D + b₁) + b₂,
//
// with σ the logistic sigmoid, W₁ of shape [features, hidden]. Parameters are
// float32, as PyTorch's defaults in the lesson.
type Model struct {
	NFeatures int       `json:"n_features"`
	NHidden   int       `json:"n_hidden"`
	W1        []float32 `json:"w1"` // [features][hidden], row-major
	B1        []float32 `json:"b1"` // [hidden]
	W2        []float32 `json:"w2"` // [hidden]
	B2        float32   `json:"b2"`
}

// NumParameters is the number of trainable numbers: F·H + H + H + 1.
func (m *Model) NumParameters() int { return m.NFeatures*m.NHidden + 2*m.NHidden + 1 }

// NewModel initialises the network as the lesson does: weights drawn from N(0, 1)
// (nn.init.normal_), biases from PyTorch's nn.Linear default U(−1/√fan_in, 1/√fan_in).
func NewModel(nFeatures, nHidden int, rng *rand.Rand) *Model {
	m := &Model{NFeatures: nFeatures, NHidden: nHidden,
		W1: make([]float32, nFeatures*nHidden), B1: make([]float32, nHidden), W2: make([]float32, nHidden)}
	for i := range m.W1 {
		m.W1[i] = float32(rng.NormFloat64())
	}
	b := 1 / math.Sqrt(float64(nFeatures))
	for i := range m.B1 {
		m.B1[i] = float32((2*rng.Float64() - 1) * b)
	}
	for i := range m.W2 {
		m.W2[i] = float32(rng.NormFloat64())
	}
	m.B2 = float32((2*rng.Float64() - 1) / math.Sqrt(float64(nHidden)))
	return m
}

// SpreadBiases re-centres each hidden unit on the training data: unit h's bias
// is set so that its pre-activation w_h·D + b_h is zero at the (h+½)/H quantile
// of w_h·D over the structures d. With the lesson's initialisation the sigmoid
// centres land wherever the random biases put them, often all on the same side
// of the data; spread this way, every part of the sampled range starts with a
// unit in its responsive (unsaturated) region. The weights are untouched.
func (m *Model) SpreadBiases(d [][]float64) {
	z := make([]float64, len(d))
	for h := 0; h < m.NHidden; h++ {
		for i, row := range d {
			z[i] = 0
			for f, x := range row {
				z[i] += x * float64(m.W1[f*m.NHidden+h])
			}
		}
		sort.Float64s(z)
		q := (float64(h) + 0.5) / float64(m.NHidden) * float64(len(z)-1)
		lo := int(math.Floor(q))
		hi := min(lo+1, len(z)-1)
		m.B1[h] = -float32(z[lo] + (q-float64(lo))*(z[hi]-z[lo]))
	}
}

// Hidden returns the hidden-unit activations σ(W₁ᵀ D + b₁) for one
// (standardised) descriptor: a unit stuck near 0 or 1 over a range of
// structures contributes neither energy variation nor force there.
func (m *Model) Hidden(d []float64) []float64 {
	out := make([]float64, m.NHidden)
	for h := range out {
		z := float64(m.B1[h])
		for f, x := range d {
			z += x * float64(m.W1[f*m.NHidden+h])
		}
		out[h] = 1 / (1 + math.Exp(-z))
	}
	return out
}

// clone returns a deep copy.
func (m *Model) clone() *Model {
	c := *m
	c.W1 = append([]float32(nil), m.W1...)
	c.B1 = append([]float32(nil), m.B1...)
	c.W2 = append([]float32(nil), m.W2...)
	return &c
}

// params lists the parameters as graph inputs, in the order the graphs expect.
func (m *Model) params() []any {
	return []any{flat2(m.W1, m.NFeatures, m.NHidden), m.B1, m.W2, m.B2}
}

func flat2(x []float32, r, c int) [][]float32 {
	out := make([][]float32, r)
	for i := range out {
		out[i] = x[i*c : (i+1)*c]
	}
	return out
}

// String prints the architecture the way PyTorch prints a module.
func (m *Model) String() string {
	return fmt.Sprintf("FFNet(\n  (linear1): Linear(in_features=%d, out_features=%d, bias=True)\n  (activation): Sigmoid()\n  (linear2): Linear(in_features=%d, out_features=1, bias=True)\n)  %d parameters",
		m.NFeatures, m.NHidden, m.NHidden, m.NumParameters())
}

// energyGraph is E = w₂ · σ(D W₁ + b₁) + b₂ for a batch D [n, features] -> [n].
func energyGraph(w1, b1, w2, b2, d *Node) *Node {
	h := Sigmoid(Add(Einsum("nf,fh->nh", d, w1), InsertAxes(b1, 0)))
	return Add(Einsum("nh,h->n", h, w2), b2)
}

// forcesGraph is F̂ = −(∂E/∂D) · ∂D/∂r for a batch: dd [n, atoms, 3, features] -> [n, atoms, 3].
// The Gradient node stays differentiable, so a loss on F̂ can be trained.
func forcesGraph(e, d, dd *Node) *Node {
	dEdD := Gradient(ReduceAllSum(e), d)[0]
	return Neg(Einsum("nakf,nf->nak", dd, dEdD))
}

// lossGraph is MSE(E)/varE + MSE(F)/varF.
func lossGraph(e, eRef, f, fRef, varE, varF *Node) *Node {
	le := Div(ReduceAllMean(Square(Sub(e, eRef))), varE)
	lf := Div(ReduceAllMean(Square(Sub(f, fRef))), varF)
	return Add(le, lf)
}
