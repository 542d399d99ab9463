// Package fundamentals holds the building blocks of the first half of the
// lesson Deep Learning Fundamentals, on GoMLX: seeded random tensors, models
// stacked from layers (PyTorch's nn.Sequential and its printed summary), and
// the straight-line fit whose loss surface gradient descent walks down.
//
// Models:
//
//	mlp := fundamentals.Sequential(fundamentals.Linear(24), fundamentals.ReLU(), fundamentals.Linear(1))
//	s, _ := fundamentals.Summarize(backend.Must(), "MLP", mlp, 8)
//	fmt.Print(s) // the variables and their shapes; s.Parameters == fundamentals.DenseParams(8, 24, 1)
//
// The line fit ŷ = w₀ + w₁x with the loss J = (1/2m) Σ (ŷᵢ − yᵢ)²:
//
//	j := fundamentals.LineLoss(w0, w1, x, y)  // inside a graph, any batch of (w0, w1)
//	g0, g1 := fundamentals.LineGradient(w0, w1, xs, ys) // ∂J/∂w by the formula, to check autodiff
package fundamentals

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph code reads like the equations
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/num"
)

// NormalTensor returns a float32 tensor of the given shape filled with
// N(0, 1) numbers from rng (torch.randn, reproducible from rng's seed).
func NormalTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(num.Normals(rng, dims...), dims...)
}

// Trainable lists a store's model variables, leaving out GoMLX's internal
// ones (those named "#...", such as the random-number state "#rngState").
func Trainable(store *model.Store) []*model.Variable {
	var vs []*model.Variable
	for v := range store.IterVariables() {
		if !strings.HasPrefix(v.Name(), "#") {
			vs = append(vs, v)
		}
	}
	return vs
}

// Layer is a model, or a part of one: a function from a scope (where its
// variables live) and an input to an output.
type Layer func(scope *model.Scope, x *Node) *Node

// Linear is a dense layer with bias, y = Wᵀx + b, with out outputs
// (PyTorch's nn.Linear; GoMLX stores W as [in, out]).
func Linear(out int) Layer {
	return func(scope *model.Scope, x *Node) *Node { return layers.DenseWithBias(scope, x, out) }
}

// ReLU is the activation max(x, 0) as a layer (it has no variables).
func ReLU() Layer { return func(_ *model.Scope, x *Node) *Node { return activation.Relu(x) } }

// Sequential chains layers, each in the sub-scope named by its index, as
// PyTorch's nn.Sequential names its modules 0, 1, 2, ...
func Sequential(ls ...Layer) Layer {
	return func(scope *model.Scope, x *Node) *Node {
		for i, l := range ls {
			x = l(scope.In("%d", i), x)
		}
		return x
	}
}

// Summary is a model's variables, printed like a PyTorch module.
type Summary struct {
	Name       string
	Variables  []string // "scope/name" of each trainable variable
	Shapes     []string // ... and its shape
	Parameters int      // trainable numbers in all
}

// String prints the summary: the name, a line per variable, the count.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s(\n", s.Name)
	for i, v := range s.Variables {
		fmt.Fprintf(&b, "  %-26s %s\n", v, s.Shapes[i])
	}
	fmt.Fprintf(&b, ")  %d parameters\n", s.Parameters)
	return b.String()
}

// Summarize builds the model fn on backend b with one dummy example of
// inputs float32 features (which creates its variables) and lists them.
func Summarize(b compute.Backend, name string, fn Layer, inputs int) (s *Summary, err error) {
	defer func() { // GoMLX panics while building a graph
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("fundamentals: building %s: %v", name, r)
		}
	}()
	if inputs < 1 {
		return nil, fmt.Errorf("fundamentals: %s: inputs %d: want at least 1", name, inputs)
	}
	store := model.NewStore()
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *Node) *Node { return fn(scope, x) })
	if err != nil {
		return nil, err
	}
	if _, err := exec.Call1([][]float32{make([]float32, inputs)}); err != nil {
		return nil, fmt.Errorf("fundamentals: building %s: %w", name, err)
	}
	s = &Summary{Name: name}
	for _, v := range Trainable(store) {
		s.Variables = append(s.Variables, v.Scope()+"/"+v.Name())
		s.Shapes = append(s.Shapes, fmt.Sprint(v.Shape()))
		s.Parameters += v.Shape().Size()
	}
	return s, nil
}

// DenseParams is the closed-form parameter count of dense layers between
// consecutive widths: Σ (inₖ·outₖ + outₖ).
func DenseParams(widths ...int) int {
	n := 0
	for i := 1; i < len(widths); i++ {
		n += widths[i-1]*widths[i] + widths[i]
	}
	return n
}

// LineLoss is J(w₀, w₁) = (1/2m) Σᵢ (w₀ + w₁xᵢ − yᵢ)² for any batch of weight
// pairs: w0, w1 [...] and x, y [m] give J [...], so a whole grid of the loss
// surface is one graph.
func LineLoss(w0, w1, x, y *Node) *Node {
	w0, w1 = ExpandAxes(w0, -1), ExpandAxes(w1, -1)                       // [..., 1]
	x, y = ExpandLeftToRank(x, w0.Rank()), ExpandLeftToRank(y, w0.Rank()) // [1..., m]
	residual := Sub(Add(w0, Mul(w1, x)), y)                               // ŷ − y, [..., m]
	return DivScalar(ReduceMean(Square(residual), -1), 2)                 // (1/2m) Σ (ŷ − y)²
}

// LineGradient is ∂J/∂wₖ = (1/m) Σᵢ (ŷᵢ − yᵢ) ∂ŷᵢ/∂wₖ written out, in float64:
// (⟨ŷ − y⟩, ⟨(ŷ − y) x⟩).
func LineGradient(w0, w1 float64, x, y []float64) (g0, g1 float64) {
	for i := range x {
		r := w0 + w1*x[i] - y[i]
		g0 += r / float64(len(x))
		g1 += r * x[i] / float64(len(x))
	}
	return g0, g1
}

// LineMAE is the mean absolute error (1/m) Σ |w₀ + w₁xᵢ − yᵢ| of the line.
func LineMAE(w0, w1 float64, x, y []float64) float64 {
	var m float64
	for i := range x {
		m += math.Abs(w0+w1*x[i]-y[i]) / float64(len(x))
	}
	return m
}

// LineHessian returns the eigenvalues hi ≥ lo of J's Hessian
// [[1, ⟨x⟩], [⟨x⟩, ⟨x²⟩]]: gradient descent with step λ is stable for
// λ < 2/hi, and the slow direction shrinks by 1 − λ·lo per step.
func LineHessian(x []float64) (hi, lo float64) {
	var mx, mxx float64
	for _, v := range x {
		mx, mxx = mx+v/float64(len(x)), mxx+v*v/float64(len(x))
	}
	tr, det := 1+mxx, mxx-mx*mx
	d := math.Sqrt(tr*tr/4 - det)
	return tr/2 + d, tr/2 - d
}

// LossSurface evaluates J on the grid of w0s × w1s in one graph on backend
// b: surface[r][c] = J(w0s[c], w1s[r]).
func LossSurface(b compute.Backend, w0s, w1s, x, y []float64) (surface [][]float64, err error) {
	W0, W1 := make([][]float64, len(w1s)), make([][]float64, len(w1s))
	for r := range W0 {
		W0[r], W1[r] = make([]float64, len(w0s)), make([]float64, len(w0s))
		for c := range W0[r] {
			W0[r][c], W1[r][c] = w0s[c], w1s[r]
		}
	}
	out, err := ExecOnce(b, LineLoss, W0, W1, x, y)
	if err != nil {
		return nil, fmt.Errorf("fundamentals: loss surface: %w", err)
	}
	return out.Value().([][]float64), nil
}
