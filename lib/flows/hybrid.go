package flows

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Proposer is an independence proposal q for a target π ∝ exp(-E): fresh
// draws with their ln q and E, and the same two numbers at any configuration.
// [Variational] is one.
type Proposer interface {
	Sample(n int) (Samples, error)
	Density(x []float64) (logQ, energy []float64, err error)
}

// LocalMove changes one configuration in place by a Monte Carlo step that
// leaves the target π exactly invariant (e.g. [ising.Relaxation.GibbsMove]).
type LocalMove func(x []float64, rng *rand.Rand) error

// HybridConfig sets up [RunHybrid].
type HybridConfig struct {
	// Chains run side by side (>= 2): their spread gives an error bar that does
	// not rely on an autocorrelation estimate, and every round costs one
	// batched flow evaluation for all of them.
	Chains int `json:"chains"`
	// Burn rounds are discarded, Steps rounds are measured (both per chain).
	Burn  int `json:"burn"`
	Steps int `json:"steps"`
	// LocalMoves local moves precede each flow proposal; 0 gives the plain
	// independence sampler of [Metropolis].
	LocalMoves int    `json:"local_moves"`
	Seed       uint64 `json:"seed"`
}

func (c HybridConfig) validate() error {
	if c.Chains < 2 || c.Steps < 2 || c.Burn < 0 || c.LocalMoves < 0 {
		return fmt.Errorf("flows: hybrid chain needs Chains >= 2, Steps >= 2, Burn >= 0 and LocalMoves >= 0 (got %d, %d, %d, %d)",
			c.Chains, c.Steps, c.Burn, c.LocalMoves)
	}
	return nil
}

// RunHybrid runs Chains Markov chains whose rounds are LocalMoves local moves
// followed by one independence Metropolis step with the flow as proposal,
// accepted with probability min(1, w(x')/w(x)), w = π/q. Each kernel leaves π
// invariant, so their composition does too. The flow proposals make large
// jumps across configuration space (the magnetised halves at T_c); the local
// moves keep the chain moving where the flow's density is too small, which is
// where a plain independence sampler with heavy-tailed weights w gets stuck for
// very long times (its error bars then look fine while its mean is off).
//
// The chains start from flow samples. After Burn rounds, observe sees every
// chain's state once per round (step counts from 0; x must not be kept). The
// result is the fraction of accepted flow proposals.
func RunHybrid(p Proposer, move LocalMove, cfg HybridConfig, observe func(chain, step int, x []float64)) (float64, error) {
	if err := cfg.validate(); err != nil {
		return 0, err
	}
	if cfg.LocalMoves > 0 && move == nil {
		return 0, fmt.Errorf("flows: hybrid chain with %d local moves needs a LocalMove", cfg.LocalMoves)
	}
	K := cfg.Chains
	cur, err := p.Sample(K)
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x687962726964)) // "hybrid"
	accepted := 0
	for round := 0; round < cfg.Burn+cfg.Steps; round++ {
		if cfg.LocalMoves > 0 {
			if err := localMoves(&cur, move, cfg.LocalMoves, rng); err != nil {
				return 0, err
			}
			if cur.LogQ, cur.Energy, err = p.Density(cur.X); err != nil {
				return 0, err
			}
		}
		prop, err := p.Sample(K)
		if err != nil {
			return 0, err
		}
		for c := 0; c < K; c++ {
			// ln of w(x')/w(x), w = π/q = exp(-E - ln q).
			logA := (-prop.Energy[c] - prop.LogQ[c]) - (-cur.Energy[c] - cur.LogQ[c])
			if logA >= 0 || rng.Float64() < math.Exp(logA) {
				copy(cur.Row(c), prop.Row(c))
				cur.LogQ[c], cur.Energy[c] = prop.LogQ[c], prop.Energy[c]
				accepted++
			}
		}
		if round >= cfg.Burn {
			for c := 0; c < K; c++ {
				observe(c, round-cfg.Burn, cur.Row(c))
			}
		}
	}
	return float64(accepted) / float64(K*(cfg.Burn+cfg.Steps)), nil
}

// localMoves applies n local moves to every chain's state.
func localMoves(s *Samples, move LocalMove, n int, rng *rand.Rand) error {
	for c := 0; c < s.Rows(); c++ {
		for k := 0; k < n; k++ {
			if err := move(s.Row(c), rng); err != nil {
				return err
			}
		}
	}
	return nil
}

// Estimate is a Monte Carlo average over parallel chains with two error bars.
type Estimate struct {
	Mean float64 `json:"mean"`
	// StdErr is √(τ Var / n) over all n = chains x steps measurements, τ the
	// integrated autocorrelation time pooled over the chains.
	StdErr float64 `json:"std_err"`
	// BetweenErr is the standard deviation of the chains' own means over
	// √chains: independent of any τ estimate, honest as long as each chain has
	// forgotten its start.
	BetweenErr float64 `json:"between_err"`
	Tau        float64 `json:"tau"`
}

// Err is the larger of the two error bars, the one to compare with references.
func (e Estimate) Err() float64 { return math.Max(e.StdErr, e.BetweenErr) }

// ChainEstimate averages series[chain][step] (equal lengths, >= 2 chains).
func ChainEstimate(series [][]float64) (Estimate, error) {
	K := len(series)
	if K < 2 || len(series[0]) < 2 {
		return Estimate{}, fmt.Errorf("flows: ChainEstimate needs >= 2 chains of >= 2 steps")
	}
	n := len(series[0])
	means := make([]float64, K)
	for c, s := range series {
		if len(s) != n {
			return Estimate{}, fmt.Errorf("flows: chain %d has %d steps, chain 0 has %d", c, len(s), n)
		}
		means[c] = mean(s)
	}
	mu := mean(means)
	tau, c0 := pooledAutocorr(series, mu)
	between := 0.0
	for _, m := range means {
		between += (m - mu) * (m - mu)
	}
	return Estimate{
		Mean:       mu,
		StdErr:     math.Sqrt(c0 * tau / float64(K*n)),
		BetweenErr: math.Sqrt(between / float64(K-1) / float64(K)),
		Tau:        tau,
	}, nil
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// pooledAutocorr returns the integrated autocorrelation time τ = 1 + 2Σ_t ρ(t)
// of equally long chains around their common mean mu, with the
// autocovariances averaged over the chains, summed up to the first window
// W >= 5τ(W) (Sokal's automatic windowing), and the variance c0.
func pooledAutocorr(series [][]float64, mu float64) (tau, c0 float64) {
	n := len(series[0])
	cov := func(t int) float64 {
		s := 0.0
		for _, ch := range series {
			for i := 0; i+t < n; i++ {
				s += (ch[i] - mu) * (ch[i+t] - mu)
			}
		}
		return s / float64(len(series)*(n-t))
	}
	c0 = cov(0)
	if c0 == 0 {
		return 1, 0
	}
	tau = 1.0
	for t := 1; t < n/2; t++ {
		tau += 2 * cov(t) / c0
		if float64(t) >= 5*tau {
			break
		}
	}
	return math.Max(tau, 1), c0
}
