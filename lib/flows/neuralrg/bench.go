package neuralrg

import (
	"errors"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/bench"
)

// BenchWorkload is `physnb bench neuralrg-train-step`: the training
// throughput of the MERA flow on the 8x8 model at T_c, batch 512.
func BenchWorkload() bench.Workload {
	return bench.Workload{
		Name:        "neuralrg-train-step",
		Description: "NeuralRG training step: MERA flow on the 8x8 Ising model at T_c, batch 512, Z2-symmetrised reverse KL with Adam",
		Unit:        "samples/s",
		Run:         benchTrainStep,
	}
}

// benchTrainStep measures training throughput at L=8, batch 512.
func benchTrainStep(b compute.Backend, quick bool) (bench.Result, error) {
	cfg := DefaultConfig(8)
	cfg.Epochs = 1000
	m, err := New(b, cfg)
	if err != nil {
		return bench.Result{}, err
	}
	iters, secs, err := bench.Repeat(bench.Budget(quick), 2, func() error { return m.Train(1, nil) })
	if err != nil {
		return bench.Result{}, err
	}
	if secs <= 0 {
		return bench.Result{}, errors.New("no time measured")
	}
	return bench.Result{
		Throughput: float64(iters*cfg.Batch) / secs, Iterations: iters, Seconds: secs,
		Extra: map[string]float64{"steps_per_second": float64(iters) / secs, "parameters": float64(m.Flow.NumParameters())},
	}, nil
}
