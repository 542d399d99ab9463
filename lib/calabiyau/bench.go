package calabiyau

import (
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/bench"
)

// BenchWorkloads are the host benchmarks of this package for `physnb bench`:
// a Donaldson T-operator step and a σ evaluation, the two timings cyjax
// reports (on an H100). Both run in complex128 on the host; the backend is
// not used.
func BenchWorkloads() []bench.Workload {
	return []bench.Workload{{
		Name:        "cy-donaldson-step",
		Description: "Donaldson T-operator step on the Dwork quintic psi=10+3i, degree 4 (70 sections), 20000 fresh points (host, complex128); cyjax on an H100: 1.9 s",
		Unit:        "steps/s",
		Run:         benchDonaldson,
	}, {
		Name:        "cy-sigma",
		Description: "sigma accuracy at degree 3 (35 sections, full basis) on 100000 fresh points of the Dwork quintic psi=10+3i (host, complex128); cyjax on an H100: 9.8 s",
		Unit:        "points/s",
		Run:         benchSigma,
	}}
}

func benchDonaldson(_ compute.Backend, quick bool) (bench.Result, error) {
	q, _ := NewDwork(10 + 3i)
	b := MustMonomialBasis(4)
	points := 20000
	if quick {
		points = 2000
	}
	rng := rand.New(rand.NewPCG(1, 2))
	m := NewMetric(q, b)
	iters, secs, err := bench.Repeat(bench.Budget(quick), 1, func() error {
		s, err := q.Sample(rng, points)
		if err != nil {
			return err
		}
		_, err = m.DonaldsonStep(s)
		return err
	})
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(iters) / secs, Iterations: iters, Seconds: secs,
		Extra: map[string]float64{"seconds_per_step": secs / float64(iters), "points": float64(points), "sections": float64(b.Size()), "cyjax_h100_seconds": 1.9}}, nil
}

func benchSigma(_ compute.Backend, quick bool) (bench.Result, error) {
	q, _ := NewDwork(10 + 3i)
	b := MustMonomialBasis(3)
	points := BenchSigmaPoints(quick)
	rng := rand.New(rand.NewPCG(3, 4))
	m := NewMetric(q, b)
	iters, secs, err := bench.Repeat(bench.Budget(quick), 1, func() error {
		s, err := q.Sample(rng, points)
		if err != nil {
			return err
		}
		_, _, err = m.Sigma(s)
		return err
	})
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(iters*points) / secs, Iterations: iters, Seconds: secs,
		Extra: map[string]float64{"seconds_per_evaluation": secs / float64(iters), "points": float64(points), "sections": float64(b.Size()), "cyjax_h100_seconds": 9.8}}, nil
}

// BenchSigmaPoints is the sample size of the σ benchmarks: 100000 points,
// as cyjax's timing, or 5000 for a quick measurement.
func BenchSigmaPoints(quick bool) int {
	if quick {
		return 5000
	}
	return 100000
}
