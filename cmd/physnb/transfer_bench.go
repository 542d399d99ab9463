package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/transfer"
)

// The cost of the lesson's transfer-learning path: ResNet-18 (random
// weights, the same graph and operators as the model zoo's resnet18-v1-7)
// turning CIFAR-sized images, or images resized to ImageNet's 224, into the
// 512 features the new head reads.
func init() {
	for _, size := range []int{32, 224} {
		size := size
		batch := map[int]int{32: 32, 224: 4}[size]
		bench.Register(bench.Workload{
			Name: fmt.Sprintf("resnet18-features-%d", size),
			Description: fmt.Sprintf("ResNet-18 forward pass to its 512 pooled features on %dx%dx3 images, batch %d (the frozen feature extractor)",
				size, size, batch),
			Unit:        "images/s",
			ParallelOps: true,
			Run: func(b compute.Backend, quick bool) (bench.Result, error) {
				steps := 3
				if quick {
					steps = 1
				}
				m, err := transfer.ResNet18.Model(rand.New(rand.NewPCG(1, 1)))
				if err != nil {
					return bench.Result{}, err
				}
				net, err := m.Network()
				if err != nil {
					return bench.Result{}, err
				}
				ips, err := net.FeatureThroughput(b, transfer.ResNetFeatures, batch, size, steps)
				if err != nil {
					return bench.Result{}, err
				}
				return bench.Result{Throughput: ips, Iterations: steps, Seconds: float64(batch*steps) / ips,
					Extra: map[string]float64{"batch": float64(batch)}}, nil
			},
		})
	}
}

// The ImageNet MobileNets of the data folder (TFLite files, dequantized) at
// their own input sizes, to the pooled features the new head reads: the
// cost of the frozen extractor on the CIFAR-10 sample.
func init() {
	for _, mn := range []struct {
		name, features string
		size, batch    int
	}{
		{transfer.MobileNetV1, "MobilenetV1/Logits/AvgPool_1a/AvgPool", 128, 32},
		{transfer.MobileNetV2, "MobilenetV2/Logits/AvgPool", 224, 4},
	} {
		bench.Register(bench.Workload{
			Name: mn.name + "-features",
			Description: fmt.Sprintf("%s (ImageNet, from the data folder) forward pass to its pooled features on %dx%dx3 images, batch %d",
				mn.name, mn.size, mn.size, mn.batch),
			Unit:        "images/s",
			ParallelOps: true,
			Run: func(b compute.Backend, quick bool) (bench.Result, error) {
				steps := 3
				if quick {
					steps = 1
				}
				net, err := transfer.LoadNetwork(mn.name)
				if err != nil {
					return bench.Result{}, err
				}
				ips, err := net.FeatureThroughput(b, mn.features, mn.batch, mn.size, steps)
				if err != nil {
					return bench.Result{}, err
				}
				return bench.Result{Throughput: ips, Iterations: steps, Seconds: float64(mn.batch*steps) / ips,
					Extra: map[string]float64{"batch": float64(mn.batch)}}, nil
			},
		})
	}
}
