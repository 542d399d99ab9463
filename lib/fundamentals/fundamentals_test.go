package fundamentals

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/physnb/physnb/lib/backend"
)

func TestSummarizeCountsDenseParameters(t *testing.T) {
	b := backend.Must()
	for _, tc := range []struct {
		name   string
		fn     Layer
		inputs int
		widths []int
		want   int // closed form Σ in·out + out, by hand
	}{
		{"Sequential", Sequential(Linear(3), ReLU(), Linear(1)), 1, []int{1, 3, 1}, 10},
		{"MLP", Sequential(Linear(24), ReLU(), Linear(12), ReLU(), Linear(6), ReLU(), Linear(1)), 8, []int{8, 24, 12, 6, 1}, 601},
	} {
		s, err := Summarize(b, tc.name, tc.fn, tc.inputs)
		if err != nil {
			t.Fatal(err)
		}
		if s.Parameters != tc.want || DenseParams(tc.widths...) != tc.want {
			t.Errorf("%s: %d parameters, DenseParams %d, want %d", tc.name, s.Parameters, DenseParams(tc.widths...), tc.want)
		}
		// nn.Sequential's naming: the first layer lives in scope "0".
		if !strings.Contains(s.String(), "/0/") || !strings.Contains(s.String(), fmt.Sprintf(")  %d parameters", tc.want)) {
			t.Errorf("%s: summary\n%s", tc.name, s)
		}
	}
	if _, err := Summarize(b, "empty", Linear(1), 0); err == nil || !strings.Contains(err.Error(), "inputs 0: want at least 1") {
		t.Errorf("inputs 0: %v", err)
	}
}

func TestLineGradientMatchesAutodiff(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := make([]float64, 20), make([]float64, 20)
	for i := range x {
		x[i], y[i] = rng.Float64(), 1+2*x[i]+0.2*rng.NormFloat64()
	}
	out := MustExecOnceN(backend.Must(), func(w0, w1, x, y *Node) (*Node, *Node) {
		g := Gradient(LineLoss(w0, w1, x, y), w0, w1)
		return g[0], g[1]
	}, -1.5, 0.5, x, y)
	g0, g1 := LineGradient(-1.5, 0.5, x, y)
	if math.Abs(out[0].Value().(float64)-g0) > 1e-12 || math.Abs(out[1].Value().(float64)-g1) > 1e-12 {
		t.Errorf("autodiff (%v, %v), formula (%g, %g)", out[0].Value(), out[1].Value(), g0, g1)
	}
	// The loss surface at one grid point is J by hand.
	s, err := LossSurface(backend.Must(), []float64{-1.5, 0}, []float64{0.5}, x, y)
	if err != nil {
		t.Fatal(err)
	}
	var j float64
	for i := range x {
		r := -1.5 + 0.5*x[i] - y[i]
		j += r * r / float64(2*len(x))
	}
	if len(s) != 1 || len(s[0]) != 2 || math.Abs(s[0][0]-j) > 1e-12 {
		t.Errorf("surface %v, J(-1.5, 0.5) = %g", s, j)
	}
}

func TestLineHessian(t *testing.T) {
	// x = 0, 1: ⟨x⟩ = ½, ⟨x²⟩ = ½, so H = [[1, ½], [½, ½]] with eigenvalues
	// (3 ± √5)/4 (trace 3/2, determinant 1/4).
	hi, lo := LineHessian([]float64{0, 1})
	if math.Abs(hi-(3+math.Sqrt(5))/4) > 1e-15 || math.Abs(lo-(3-math.Sqrt(5))/4) > 1e-15 {
		t.Errorf("eigenvalues %g, %g", hi, lo)
	}
	if m := LineMAE(1, 2, []float64{0, 1}, []float64{1.5, 2.5}); m != 0.5 {
		t.Errorf("MAE %g, want 0.5", m)
	}
}

func TestSigmoidSlopeAndNormalTensor(t *testing.T) {
	xs := []float64{0, 2, 5}
	got := MustExecOnce(backend.Must(), func(x *Node) *Node { return Gradient(ReduceAllSum(Sigmoid(x)), x)[0] }, xs).Value().([]float64)
	for i, x := range xs {
		s := 1 / (1 + math.Exp(-x)) // σ' = σ(1 − σ)
		if math.Abs(got[i]-s*(1-s)) > 1e-12 {
			t.Errorf("σ'(%g) = %g, want %g", x, got[i], s*(1-s))
		}
	}
	if n := NormalTensor(rand.New(rand.NewPCG(1, 1)), 2, 3); n.Shape().Size() != 6 {
		t.Errorf("shape %v", n.Shape())
	}
}
