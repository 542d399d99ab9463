package holography

import (
	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/bench"
)

// BenchWorkload is the walkthrough's benchmark for `physnb bench`: Adam
// steps of the scalar-field network ([BenchTrainStep]).
func BenchWorkload() bench.Workload {
	return bench.Workload{
		Name:        "holography-train-step",
		Description: "Adam steps of the holographic scalar-field network (10 RK4 layers, walkthrough ansatz, batch 1000, float64)",
		Unit:        "steps/s",
		Run:         BenchTrainStep,
	}
}

// BenchTrainStep measures Adam steps of the default network with the
// walkthrough's ansatz on a fixed batch of 1000 boundary points (w = 0.03),
// after one step that compiles the graph.
func BenchTrainStep(b compute.Backend, quick bool) (bench.Result, error) {
	net, err := NewNetwork(DefaultConfig(), NewAnsatz(), 1)
	if err != nil {
		return bench.Result{}, err
	}
	step, err := net.TrainStep(b, 1e-3)
	if err != nil {
		return bench.Result{}, err
	}
	const batch = 1000
	phi, pi, y := make([]float64, batch), make([]float64, batch), make([]float64, batch)
	for i := range phi {
		phi[i], pi[i], y[i] = 1.7*float64(i)/batch, 0.9*float64(i%37)/37-0.2, float64(i%2)
	}
	if _, err := step.Exec(phi, pi, y, DefaultTWidth); err != nil { // compile
		return bench.Result{}, err
	}
	iters, secs, err := bench.Repeat(bench.Budget(quick), 3, func() error {
		_, err := step.Exec(phi, pi, y, DefaultTWidth)
		return err
	})
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(iters) / secs, Iterations: iters, Seconds: secs}, nil
}
