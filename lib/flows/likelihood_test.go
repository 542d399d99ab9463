package flows

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"
)

// Maximum likelihood on data from N(2, 0.5²) in every coordinate must drive
// the held-out negative log-likelihood per variable to the data's
// differential entropy ½ ln(2πe·0.25) = 0.7258 nats (the minimum over all
// densities, reached by the affine couplings), from far above it.
func TestMaxLikelihoodGaussian(t *testing.T) {
	b := testBackend(t)
	lay, err := MERA(4, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	bj, err := NewBijector(model.NewStore(), lay, DefaultRealNVP(), dtypes.Float32, 5)
	if err != nil {
		t.Fatal(err)
	}
	ml, err := NewMaxLikelihood(b, bj, 1e-2)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 3))
	draw := func(rows int) []float64 {
		x := make([]float64, rows*16)
		for i := range x {
			x[i] = 2 + 0.5*rng.NormFloat64()
		}
		return x
	}
	held := draw(2048)
	nll := func() float64 {
		lq, err := ml.LogProb(held)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := meanStdErr(lq)
		return -m / 16
	}
	start := nll()
	for s := 0; s < 200; s++ {
		if _, err := ml.Step(draw(128)); err != nil {
			t.Fatal(err)
		}
	}
	end, want := nll(), 0.5*math.Log(2*math.Pi*math.E*0.25)
	t.Logf("held-out NLL per variable %.4f -> %.4f, entropy %.4f", start, end, want)
	if !(start > want+1) || math.Abs(end-want) > 0.03 {
		t.Errorf("held-out NLL per variable %.4f -> %.4f, entropy %.4f", start, end, want)
	}
	if _, err := ml.Step(held[:5]); err == nil {
		t.Error("a partial row must be an error")
	}
}
