package vision

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/layers"
	"github.com/physnb/physnb/lib/num"
	"github.com/physnb/physnb/lib/progress"
)

// BenchWorkloads are the ConvNet's training benchmarks for `physnb bench`:
// training steps of the lesson's network on 32x32x3 images at batch 32 and
// 256 (convnet-train-b32, convnet-train-b256).
func BenchWorkloads() []bench.Workload {
	var ws []bench.Workload
	for _, bs := range []int{32, 256} {
		ws = append(ws, bench.Workload{
			Name:        fmt.Sprintf("convnet-train-b%d", bs),
			Description: fmt.Sprintf("training steps of the lesson's ConvNet (conv 64, 128, dense 512) on 32x32x3 images, batch %d, im2col convolutions", bs),
			Unit:        "images/s",
			ParallelOps: true,
			Run: func(b compute.Backend, quick bool) (bench.Result, error) {
				steps := 6
				if quick {
					steps = 1
				}
				if bs == 256 {
					steps = max(1, steps/3)
				}
				tp, err := MeasureTraining(b, LessonConvNet(10), 32, 32, 3, bs, steps, false)
				if err != nil {
					return bench.Result{}, err
				}
				return bench.Result{Throughput: tp.ImagesPerSecond, Iterations: tp.Steps, Seconds: tp.Seconds,
					Extra: map[string]float64{"gflop_per_second": tp.GFLOPs, "batch": float64(bs), "cpu_seconds": tp.CPUSeconds,
						"images_per_cpu_second": float64(bs*tp.Steps) / tp.CPUSeconds}}, nil
			},
		})
	}
	return ws
}

// Throughput is a measured training speed.
type Throughput struct {
	Batch           int     `json:"batch"`
	Steps           int     `json:"steps"`
	Seconds         float64 `json:"seconds"`
	ImagesPerSecond float64 `json:"images_per_second"`
	GFLOPs          float64 `json:"gflop_per_second"` // 3x forward FLOPs per image (forward + backward)
	// CPUSeconds is the process CPU time of the timed steps (0 where not measured);
	// images per CPU-second is the better figure on a machine shared with other work.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// BuiltinConvNet is the same network built from GoMLX's own convolution and
// max-pool ops, kept as the reference for tests and speed comparisons.
func (c ConvNetConfig) BuiltinModel() func(scope *model.Scope, x *Node) *Node {
	return func(scope *model.Scope, x *Node) *Node {
		block := func(s *model.Scope, x *Node, cout int) *Node {
			cin := x.Shape().Dimensions[3]
			w := s.VariableWithShape("weights", shapes.Make(x.DType(), c.Kernel*c.Kernel*cin, cout)).NodeValue(x.Graph())
			b := s.VariableWithShape("biases", shapes.Make(x.DType(), cout)).NodeValue(x.Graph())
			y := Convolve(x, Reshape(w, c.Kernel, c.Kernel, cin, cout)).
				PaddingPerDim([][2]int{{c.Padding, c.Padding}, {c.Padding, c.Padding}}).Done()
			y = Add(y, ExpandLeftToRank(b, 4))
			return MaxPool(Max(y, ZerosLike(y))).Window(2).Done()
		}
		h := block(scope.In("conv1"), x, c.Conv1)
		h = block(scope.In("conv2"), h, c.Conv2)
		return c.Classifier(scope, Reshape(h, h.Shape().Dimensions[0], -1))
	}
}

// MeasureTraining times training steps (forward, backward, Adam update) of
// the network on random images of shape [h, w, ch], after warm-up steps that
// include compilation. builtin selects GoMLX's convolution instead of [layers.Conv2D].
func MeasureTraining(b compute.Backend, cfg ConvNetConfig, h, w, ch, batch, steps int, builtin bool) (Throughput, error) {
	if err := cfg.Validate(); err != nil {
		return Throughput{}, err
	}
	if batch < 1 || steps < 1 {
		return Throughput{}, fmt.Errorf("vision: batch %d and steps %d must be >= 1", batch, steps)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := batch * (steps + 2)
	d := &classify.Data{X: make([]float32, n*h*w*ch), Shape: []int{h, w, ch}, Y: make([]int, n),
		Classes: make([]string, cfg.Classes), Name: "random images"}
	for i := range d.X {
		d.X[i] = rng.Float32()
	}
	for i := range d.Y {
		d.Y[i] = rng.IntN(cfg.Classes)
	}
	for i := range d.Classes {
		d.Classes[i] = fmt.Sprint(i)
	}
	fn := cfg.Model()
	if builtin {
		fn = cfg.BuiltinModel()
	}
	c := classify.New(b, fn, cfg.Classes)
	var times []time.Time
	var cpu []float64
	_, err := c.Fit(d, nil, classify.Config{Epochs: 1, BatchSize: batch, LearningRate: 1e-3,
		OnStep: func(progress.Step) error {
			times, cpu = append(times, time.Now()), append(cpu, cpuSeconds())
			return nil
		}})
	if err != nil {
		return Throughput{}, err
	}
	// Steps 1-2 (compilation, first run) are warm-up: time steps 3..steps+2.
	secs := times[len(times)-1].Sub(times[1]).Seconds()
	t := Throughput{Batch: batch, Steps: steps, Seconds: secs, ImagesPerSecond: float64(batch*steps) / secs,
		CPUSeconds: cpu[len(cpu)-1] - cpu[1]}
	t.GFLOPs = 3 * cfg.FLOPs(h, w, ch) * t.ImagesPerSecond / 1e9
	return t, nil
}

// LayerComparison is one convolution layer computed both ways.
type LayerComparison struct {
	MaxDiffOutput, MaxDiffGradX, MaxDiffGradK float64 // im2col vs built-in
	SecondsIm2col, SecondsBuiltin             float64 // forward + backward, best of the runs
}

// CompareWithBuiltin evaluates y = conv(x, K) and the gradients of
// sum(y * r) with respect to x and K, for random x [batch, h, w, c], K
// [k, k, c, o] and r, with [layers.Conv2D] and with GoMLX's Convolve, and times both
// (after a compiling run; best of runs).
func CompareWithBuiltin(b compute.Backend, batch, h, w, c, o, k, p, runs int) (LayerComparison, error) {
	var res LayerComparison
	rng := rand.New(rand.NewPCG(11, 12))
	mk := func(dims ...int) *tensors.Tensor {
		return tensors.FromFlatDataAndDimensions(num.Normals(rng, dims...), dims...)
	}
	ho, wo := h+2*p-k+1, w+2*p-k+1
	if ho < 1 || wo < 1 || runs < 1 {
		return res, fmt.Errorf("vision: kernel %d, padding %d does not fit %dx%d images (or runs %d < 1)", k, p, h, w, runs)
	}
	x, kern, r := mk(batch, h, w, c), mk(k, k, c, o), mk(batch, ho, wo, o)
	outs := make([][]*tensors.Tensor, 2)
	secs := []*float64{&res.SecondsIm2col, &res.SecondsBuiltin}
	for i, mine := range []bool{true, false} {
		e, err := NewExec(b, func(x, kern, r *Node) []*Node {
			var y *Node
			if mine {
				y = layers.Conv2D(x, kern, p)
			} else {
				y = Convolve(x, kern).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
			}
			g := Gradient(ReduceAllSum(Mul(y, r)), x, kern)
			return []*Node{y, g[0], g[1]}
		})
		if err != nil {
			return res, err
		}
		if outs[i], err = e.Call(x, kern, r); err != nil {
			return res, err
		}
		best := math.Inf(1)
		for j := 0; j < runs; j++ {
			t0 := time.Now()
			o, err := e.Call(x, kern, r)
			if err != nil {
				return res, err
			}
			best = math.Min(best, time.Since(t0).Seconds())
			for _, t := range o {
				t.FinalizeAll()
			}
		}
		*secs[i] = best
	}
	diffs := []*float64{&res.MaxDiffOutput, &res.MaxDiffGradX, &res.MaxDiffGradK}
	for j := range diffs {
		a, bb := tensors.MustCopyFlatData[float32](outs[0][j]), tensors.MustCopyFlatData[float32](outs[1][j])
		for i := range a {
			*diffs[j] = math.Max(*diffs[j], math.Abs(float64(a[i]-bb[i])))
		}
	}
	return res, nil
}
