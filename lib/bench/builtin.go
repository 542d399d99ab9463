package bench

import (
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/physnb/physnb/lib/num"
)

// The two workloads every backend is measured on: raw matrix throughput, and
// the per-step overhead of a small training step (where dispatch, not FLOPs,
// dominates).
func init() {
	Register(Workload{
		Name:        "matmul-f32",
		Description: "1024x1024 float32 matrix product, inputs already on the device",
		Unit:        "GFLOP/s",
		Run:         runMatMul,
	})
	Register(Workload{
		Name:        "mlp-train-step",
		Description: "Adam training step of an MLP 12-64-1 (ReLU) at batch 64, the size of the wine classifier",
		Unit:        "steps/s",
		Run:         runMLPStep,
	})
}

func randomTensor(r *rand.Rand, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(num.Normals(r, dims...), dims...)
}

func runMatMul(b compute.Backend, quick bool) (Result, error) {
	const n = 1024
	r := rand.New(rand.NewPCG(1, 2))
	x, y := randomTensor(r, n, n), randomTensor(r, n, n)
	exec, err := graph.NewExec(b, func(x, y *graph.Node) *graph.Node { return graph.MatMul(x, y) })
	if err != nil {
		return Result{}, err
	}
	iters, secs, err := Repeat(Budget(quick), 3, func() error {
		out, err := exec.Call(x, y)
		if err != nil {
			return err
		}
		// Reading one value makes sure the product finished on asynchronous devices.
		out[0].MustFinalizeAll()
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	flops := 2.0 * n * n * n * float64(iters)
	return Result{Throughput: flops / secs / 1e9, Iterations: iters, Seconds: secs}, nil
}

func runMLPStep(b compute.Backend, quick bool) (Result, error) {
	const batch, in = 64, 12
	r := rand.New(rand.NewPCG(3, 4))
	store := model.NewStore()
	modelFn := func(scope *model.Scope, x *graph.Node) *graph.Node {
		h := activation.Relu(layers.DenseWithBias(scope.In("hidden"), x, 64))
		return layers.DenseWithBias(scope.In("output"), h, 1)
	}
	trainer := train.NewTrainer(b, store, modelFn, loss.MeanSquaredError, optimizer.Adam().Done(), nil, nil)
	x, y := randomTensor(r, batch, in), randomTensor(r, batch, 1)
	iters, secs, err := Repeat(Budget(quick), 10, func() error {
		_, err := trainer.TrainStep(train.Batch{Inputs: []*tensors.Tensor{x}, Labels: []*tensors.Tensor{y}})
		return err
	})
	if err != nil {
		return Result{}, err
	}
	return Result{Throughput: float64(iters) / secs, Iterations: iters, Seconds: secs}, nil
}
