package flows

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gaussianProposals draws n samples of q = N(0, σ²) with ln q and ln π for π = N(0, 1).
func gaussianProposals(n int, sigma float64, seed uint64) (x, logQ, logPi []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x, logQ, logPi = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = sigma * rng.NormFloat64()
		logQ[i] = -0.5*x[i]*x[i]/(sigma*sigma) - math.Log(sigma*math.Sqrt(2*math.Pi))
		logPi[i] = -0.5*x[i]*x[i] - 0.5*math.Log(2*math.Pi)
	}
	return
}

// An independence chain with a too-wide proposal must still reproduce the
// target's moments: <x²> = 1, <x⁴> = 3 for N(0, 1) (the proposal has 4 and 48).
func TestMetropolisSamplesTarget(t *testing.T) {
	const n = 200000
	x, logQ, logPi := gaussianProposals(n, 2, 5)
	c, err := Metropolis(logQ, logPi, 9)
	if err != nil {
		t.Fatal(err)
	}
	var m2, m4 float64
	series := make([]float64, n)
	for i, s := range c.State {
		v := x[s] * x[s]
		m2 += v
		m4 += v * v
		series[i] = v
	}
	m2 /= n
	m4 /= n
	tau := AutocorrTime(series)
	// Standard errors with the chain's autocorrelation: Var(x²) = 2, Var(x⁴) = 96.
	se2, se4 := math.Sqrt(2*tau/n), math.Sqrt(96*tau/n)
	if math.Abs(m2-1) > 5*se2 || math.Abs(m4-3) > 5*se4 {
		t.Errorf("chain moments <x²>=%.4f (want 1 ± %.4f), <x⁴>=%.4f (want 3 ± %.4f)", m2, se2, m4, se4)
	}
	if c.Acceptance < 0.4 || c.Acceptance > 0.9 {
		t.Errorf("acceptance %.3f out of the plausible range for σ=2", c.Acceptance)
	}
	// A perfect proposal is always accepted.
	perfect, _ := Metropolis(logPi, logPi, 1)
	if perfect.Acceptance != 1 {
		t.Errorf("q = π: acceptance %v, want 1", perfect.Acceptance)
	}
}

// For q = N(0, σ²) and π = N(0, 1) the ESS fraction tends to
// (E_q w)²/E_q w² = √(2σ² - 1)/σ² (closed form of the Gaussian integrals): √7/4 for σ = 2.
func TestImportanceESS(t *testing.T) {
	_, logQ, logPi := gaussianProposals(400000, 2, 3)
	got := ImportanceESS(logQ, logPi)
	if want := math.Sqrt(7) / 4; math.Abs(got-want) > 0.01 {
		t.Errorf("ESS fraction %.4f, want %.4f", got, want)
	}
	if e := ImportanceESS(logPi, logPi); math.Abs(e-1) > 1e-12 {
		t.Errorf("q = π: ESS %v, want 1", e)
	}
}

// AR(1) x_t = φx_(t-1) + noise has τ = (1+φ)/(1-φ): 9 for φ = 0.8.
func TestAutocorrTimeAR1(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n = 200000
	s := make([]float64, n)
	for i := 1; i < n; i++ {
		s[i] = 0.8*s[i-1] + rng.NormFloat64()
	}
	if tau := AutocorrTime(s); math.Abs(tau-9) > 0.9 {
		t.Errorf("τ = %.3f, want 9 ± 10%%", tau)
	}
}

func TestMetropolisBadInput(t *testing.T) {
	if _, err := Metropolis([]float64{1}, []float64{1, 2}, 0); err == nil {
		t.Error("mismatched lengths must be an error")
	}
}

// For q = N(0, σ²) and π̃ = N(0, 1) normalised, ln E_q[π̃/q] = ln 1 = 0.
func TestImportanceLogMean(t *testing.T) {
	_, logQ, logPi := gaussianProposals(200000, 2, 6)
	if got := ImportanceLogMean(logQ, logPi); math.Abs(got) > 0.01 {
		t.Errorf("ln mean weight %.4f, want 0", got)
	}
}
