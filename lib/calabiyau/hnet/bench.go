package hnet

import (
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/calabiyau"
)

// BenchWorkloads are the graph benchmarks of this package for `physnb
// bench`: σ with η from the GoMLX graph (the accelerator path of
// calabiyau's cy-sigma) and one training step of the moduli network.
func BenchWorkloads() []bench.Workload {
	return []bench.Workload{{
		Name:        "cy-sigma-graph",
		Description: "sigma accuracy as cy-sigma, with eta from the GoMLX graph on the selected backend (host sampling and sections included); the path for XLA/CUDA",
		Unit:        "points/s",
		Run:         benchSigmaGraph,
	}, {
		Name:        "cy-train-step",
		Description: "moduli network training step (k=3, 4 psi x 100 fresh points, eta-variance loss through the in-graph complex determinant, Adam)",
		Unit:        "steps/s",
		Run:         benchTrain,
	}}
}

func benchSigmaGraph(b compute.Backend, quick bool) (bench.Result, error) {
	q, _ := calabiyau.NewDwork(10 + 3i)
	points := calabiyau.BenchSigmaPoints(quick)
	ev, err := NewEtaEvaluator(b, calabiyau.NewMetric(q, calabiyau.MustMonomialBasis(3)))
	if err != nil {
		return bench.Result{}, err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	iters, secs, err := bench.Repeat(bench.Budget(quick), 1, func() error {
		s, err := q.Sample(rng, points)
		if err != nil {
			return err
		}
		_, _, err = ev.Sigma(s)
		return err
	})
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(iters*points) / secs, Iterations: iters, Seconds: secs,
		Extra: map[string]float64{"seconds_per_evaluation": secs / float64(iters), "points": float64(points), "cyjax_h100_seconds": 9.8}}, nil
}

func benchTrain(b compute.Backend, quick bool) (bench.Result, error) {
	m, err := New(b, DefaultConfig())
	if err != nil {
		return bench.Result{}, err
	}
	iters, secs, err := bench.Repeat(bench.Budget(quick), 3, func() error {
		_, err := m.Step()
		return err
	})
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(iters) / secs, Iterations: iters, Seconds: secs,
		Extra: map[string]float64{"ms_per_step": 1e3 * secs / float64(iters)}}, nil
}
