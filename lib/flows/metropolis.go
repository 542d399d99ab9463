package flows

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Chain is the result of an independence Metropolis-Hastings chain.
type Chain struct {
	// State[t] is the index (into the proposals) of the chain's state at step t.
	State []int
	// Acceptance is the fraction of accepted proposals.
	Acceptance float64
}

// Metropolis runs the independence sampler of NeuralRG: proposals x' are
// independent draws from the flow q, accepted with probability
//
//	A = min(1, [π(x') q(x)] / [π(x) q(x')]),
//
// which makes the chain sample π exactly however imperfect q is; the better q,
// the closer A is to 1. logQ[i] = ln q(x_i) and logPi[i] = -E(x_i) (unnormalised)
// describe the proposals in the order they are used; the chain starts at proposal 0.
func Metropolis(logQ, logPi []float64, seed uint64) (Chain, error) {
	if len(logQ) != len(logPi) || len(logQ) == 0 {
		return Chain{}, fmt.Errorf("flows: Metropolis needs as many ln q as ln π values (got %d and %d, need > 0)", len(logQ), len(logPi))
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d6574726f))
	c := Chain{State: make([]int, len(logQ))}
	cur := 0
	accepted := 0
	for t := 1; t < len(logQ); t++ {
		// ln of the importance-weight ratio w(x')/w(x), w = π/q.
		logA := (logPi[t] - logQ[t]) - (logPi[cur] - logQ[cur])
		if logA >= 0 || rng.Float64() < math.Exp(logA) {
			cur = t
			accepted++
		}
		c.State[t] = cur
	}
	if len(logQ) > 1 {
		c.Acceptance = float64(accepted) / float64(len(logQ)-1)
	}
	return c, nil
}

// ImportanceESS is the effective sample size fraction of importance weights
// w_i = π(x_i)/q(x_i): (Σw)² / (n Σw²), 1 for a perfect flow, ~1/n when one
// sample dominates (Kong 1992; the standard diagnostic of flow samplers).
func ImportanceESS(logQ, logPi []float64) float64 {
	mx := math.Inf(-1)
	for i := range logQ {
		mx = math.Max(mx, logPi[i]-logQ[i])
	}
	var s, s2 float64
	for i := range logQ {
		w := math.Exp(logPi[i] - logQ[i] - mx)
		s += w
		s2 += w * w
	}
	return s * s / (float64(len(logQ)) * s2)
}

// ImportanceLogMean is ln of the mean importance weight, ln (1/n)Σ π̃(x_i)/q(x_i)
// with π̃ = exp(logPi) unnormalised: an estimate of ln ∫π̃, exact on average
// for the weights (not their logarithm), so a check that ln q and ln π̃ are
// normalised consistently. Its relative error is about √((1/ESS - 1)/n); with
// heavy-tailed weights it falls short of the truth until the tail is sampled.
func ImportanceLogMean(logQ, logPi []float64) float64 {
	mx := math.Inf(-1)
	for i := range logQ {
		mx = math.Max(mx, logPi[i]-logQ[i])
	}
	s := 0.0
	for i := range logQ {
		s += math.Exp(logPi[i] - logQ[i] - mx)
	}
	return mx + math.Log(s/float64(len(logQ)))
}

// AutocorrTime is the integrated autocorrelation time τ = 1 + 2Σ_t ρ(t) of a
// series, summed up to the first window W >= 5τ(W) (Sokal's automatic
// windowing). A chain of n steps then holds about n/τ independent samples.
func AutocorrTime(series []float64) float64 {
	if len(series) < 2 {
		return 1
	}
	tau, _ := pooledAutocorr([][]float64{series}, mean(series))
	return tau
}
