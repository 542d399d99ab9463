package flows

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// gaussProposer proposes from q = N(0, σ²) in one dimension for the target π = N(0, 1).
type gaussProposer struct {
	sigma float64
	rng   *rand.Rand
}

func (g gaussProposer) Sample(n int) (Samples, error) {
	s := Samples{N: 1, X: make([]float64, n)}
	for i := range s.X {
		s.X[i] = g.sigma * g.rng.NormFloat64()
	}
	s.LogQ, s.Energy, _ = g.Density(s.X)
	return s, nil
}

func (g gaussProposer) Density(x []float64) (logQ, energy []float64, err error) {
	logQ, energy = make([]float64, len(x)), make([]float64, len(x))
	for i, v := range x {
		logQ[i] = -0.5*v*v/(g.sigma*g.sigma) - math.Log(g.sigma*math.Sqrt(2*math.Pi))
		energy[i] = 0.5 * v * v
	}
	return logQ, energy, nil
}

// randomWalk is a Metropolis random-walk step for π = N(0, 1).
func randomWalk(x []float64, rng *rand.Rand) error {
	y := x[0] + rng.NormFloat64()
	if rng.Float64() < math.Exp(0.5*(x[0]*x[0]-y*y)) {
		x[0] = y
	}
	return nil
}

// The hybrid chain must give <x²> = 1 for π = N(0, 1) within its own error
// bars, with a proposal that is too wide (σ = 2: bounded weights) and one that
// is too narrow (σ = 0.6: weights w ∝ exp(0.89x²), unbounded and heavy-tailed,
// the case where the plain independence sampler gets stuck in the tails).
func TestRunHybridGaussian(t *testing.T) {
	for _, c := range []struct {
		sigma float64
		local int
	}{{2, 0}, {2, 3}, {0.6, 3}} {
		p := gaussProposer{c.sigma, rand.New(rand.NewPCG(7, uint64(c.local)))}
		cfg := HybridConfig{Chains: 32, Burn: 50, Steps: 2000, LocalMoves: c.local, Seed: 3}
		x2 := make([][]float64, cfg.Chains)
		for i := range x2 {
			x2[i] = make([]float64, cfg.Steps)
		}
		acc, err := RunHybrid(p, randomWalk, cfg, func(ch, step int, x []float64) { x2[ch][step] = x[0] * x[0] })
		if err != nil {
			t.Fatal(err)
		}
		est, err := ChainEstimate(x2)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(est.Mean-1) > 5*est.Err() || est.Err() > 0.05 {
			t.Errorf("σ=%v, %d local moves: <x²> = %.4f ± %.4f (τ %.1f, between %.4f), want 1", c.sigma, c.local, est.Mean, est.StdErr, est.Tau, est.BetweenErr)
		}
		if !(acc > 0.2 && acc < 1) {
			t.Errorf("σ=%v: flow acceptance %.3f implausible", c.sigma, acc)
		}
	}
}

// Between-chain and autocorrelation error bars agree on independent AR(1)
// chains, whose exact standard error of the mean is √(τ/(K n)) for unit
// variance (τ = (1+φ)/(1-φ)).
func TestChainEstimateAR1(t *testing.T) {
	const K, n, phi = 40, 5000, 0.8
	rng := rand.New(rand.NewPCG(8, 8))
	s := make([][]float64, K)
	for c := range s {
		s[c] = make([]float64, n)
		s[c][0] = rng.NormFloat64()
		for i := 1; i < n; i++ {
			s[c][i] = phi*s[c][i-1] + math.Sqrt(1-phi*phi)*rng.NormFloat64()
		}
	}
	e, err := ChainEstimate(s)
	if err != nil {
		t.Fatal(err)
	}
	want := math.Sqrt(9.0 / (K * n))
	if math.Abs(e.Tau-9) > 0.9 || math.Abs(e.StdErr/want-1) > 0.1 || math.Abs(e.BetweenErr/want-1) > 0.35 {
		t.Errorf("τ %.2f (want 9), errors %.5f and %.5f (want %.5f)", e.Tau, e.StdErr, e.BetweenErr, want)
	}
	if math.Abs(e.Mean) > 5*want {
		t.Errorf("mean %.5f, want 0 ± %.5f", e.Mean, want)
	}
}

func TestHybridBadInput(t *testing.T) {
	p := gaussProposer{1, rand.New(rand.NewPCG(1, 1))}
	if _, err := RunHybrid(p, nil, HybridConfig{Chains: 1, Steps: 10}, nil); err == nil {
		t.Error("one chain must be an error")
	}
	if _, err := RunHybrid(p, nil, HybridConfig{Chains: 4, Steps: 10, LocalMoves: 2}, nil); err == nil {
		t.Error("local moves without a move must be an error")
	}
	if _, err := ChainEstimate([][]float64{{1, 2}, {1}}); err == nil {
		t.Error("chains of unequal length must be an error")
	}
}

// Density at the flow's own samples must reproduce the ln q and E that
// Sample computed along the generative pass (with the symmetrisation and the
// random flips x -> -x): the acceptance ratio of a hybrid chain mixes the two.
func TestDensityMatchesSample(t *testing.T) {
	b := testBackend(t)
	lay, err := MERA(4, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	bj, err := NewBijector(model.NewStore(), lay, nonTrivial(4), dtypes.Float64, 3)
	if err != nil {
		t.Fatal(err)
	}
	// A target without the x -> -x symmetry, so that a wrong sign would show.
	energy := func(x *Node) *Node {
		return Add(MulScalar(ReduceSum(Square(x), -1), 0.3), ReduceSum(MulScalar(x, 0.7), -1))
	}
	for _, sym := range []bool{false, true} {
		v, err := NewVariational(b, bj, energy, VariationalConfig{Batch: 16, LearningRate: 1e-3, Symmetric: sym, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		s, err := v.Sample(40)
		if err != nil {
			t.Fatal(err)
		}
		logQ, e, err := v.Density(s.X)
		if err != nil {
			t.Fatal(err)
		}
		for i := range logQ {
			if math.Abs(logQ[i]-s.LogQ[i]) > 1e-9 || math.Abs(e[i]-s.Energy[i]) > 1e-9 {
				t.Fatalf("symmetric=%v row %d: Density (%.10f, %.10f), Sample (%.10f, %.10f)", sym, i, logQ[i], e[i], s.LogQ[i], s.Energy[i])
			}
		}
		if _, _, err := v.Density(s.X[:5]); err == nil {
			t.Error("a partial row must be an error")
		}
	}
}
