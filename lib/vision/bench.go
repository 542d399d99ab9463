package vision

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/classify"
)

// Throughput is a measured training speed.
type Throughput struct {
	Batch           int     `json:"batch"`
	Steps           int     `json:"steps"`
	Seconds         float64 `json:"seconds"`
	ImagesPerSecond float64 `json:"images_per_second"`
	GFLOPs          float64 `json:"gflop_per_second"` // 3x forward FLOPs per image (forward + backward)
}

// BuiltinConvNet is the same network built from GoMLX's own convolution and
// max-pool ops, kept as the reference for tests and speed comparisons.
func (c ConvNetConfig) BuiltinModel() func(scope *model.Scope, x *Node) *Node {
	return func(scope *model.Scope, x *Node) *Node {
		block := func(s *model.Scope, x *Node, cout int) *Node {
			cin := x.Shape().Dimensions[3]
			w := s.VariableWithShape("weights", shapeOf(x, c.Kernel*c.Kernel*cin, cout)).NodeValue(x.Graph())
			b := s.VariableWithShape("biases", shapeOf(x, cout)).NodeValue(x.Graph())
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
// include compilation. builtin selects GoMLX's convolution instead of [Conv2D].
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
	_, err := c.Fit(d, nil, classify.Config{Epochs: 1, BatchSize: batch, LearningRate: 1e-3,
		OnStep: func(step int, _ float64) { times = append(times, time.Now()) }})
	if err != nil {
		return Throughput{}, err
	}
	// Steps 1-2 (compilation, first run) are warm-up: time steps 3..steps+2.
	secs := times[len(times)-1].Sub(times[1]).Seconds()
	t := Throughput{Batch: batch, Steps: steps, Seconds: secs, ImagesPerSecond: float64(batch*steps) / secs}
	t.GFLOPs = 3 * cfg.FLOPs(h, w, ch) * t.ImagesPerSecond / 1e9
	return t, nil
}
