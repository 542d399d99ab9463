package transfer

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/transfer/netgraph"
	"github.com/physnb/physnb/lib/transfer/resnet"
)

// BenchWorkloads are the costs of the transfer-learning path, for `physnb
// bench`: ResNet-18 (random weights, the same graph and operators as the
// model zoo's resnet18-v1-7) turning CIFAR-sized images, or images resized
// to ImageNet's 224, into the 512 features the new head reads; and the
// ImageNet MobileNets of the data folder (TFLite files, dequantized) at
// their own input sizes to their pooled features, the cost of the frozen
// extractor on the CIFAR-10 sample.
func BenchWorkloads() []bench.Workload {
	var ws []bench.Workload
	for _, size := range []int{32, 224} {
		batch := map[int]int{32: 32, 224: 4}[size]
		ws = append(ws, featuresWorkload(fmt.Sprintf("resnet18-features-%d", size),
			fmt.Sprintf("ResNet-18 forward pass to its 512 pooled features on %dx%dx3 images, batch %d (the frozen feature extractor)",
				size, size, batch),
			func() (*netgraph.Network, error) {
				m, err := resnet.ResNet18.Model(rand.New(rand.NewPCG(1, 1)))
				if err != nil {
					return nil, err
				}
				return netgraph.New(m)
			}, resnet.Features, batch, size))
	}
	for _, mn := range []struct {
		name, features string
		size, batch    int
	}{
		{MobileNetV1, "MobilenetV1/Logits/AvgPool_1a/AvgPool", 128, 32},
		{MobileNetV2, "MobilenetV2/Logits/AvgPool", 224, 4},
	} {
		ws = append(ws, featuresWorkload(mn.name+"-features",
			fmt.Sprintf("%s (ImageNet, from the data folder) forward pass to its pooled features on %dx%dx3 images, batch %d",
				mn.name, mn.size, mn.size, mn.batch),
			func() (*netgraph.Network, error) { return LoadNetwork(mn.name) }, mn.features, mn.batch, mn.size))
	}
	return ws
}

// featuresWorkload times the network's forward pass to features on batches
// of random size x size images: 3 timed calls, 1 in quick mode.
func featuresWorkload(name, description string, load func() (*netgraph.Network, error), features string, batch, size int) bench.Workload {
	return bench.Workload{Name: name, Description: description, Unit: "images/s", ParallelOps: true,
		Run: func(b compute.Backend, quick bool) (bench.Result, error) {
			steps := 3
			if quick {
				steps = 1
			}
			net, err := load()
			if err != nil {
				return bench.Result{}, err
			}
			ips, err := net.FeatureThroughput(b, features, batch, size, steps)
			if err != nil {
				return bench.Result{}, err
			}
			return bench.Result{Throughput: ips, Iterations: steps, Seconds: float64(batch*steps) / ips,
				Extra: map[string]float64{"batch": float64(batch)}}, nil
		}}
}
