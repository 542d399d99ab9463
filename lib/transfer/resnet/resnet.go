// Package resnet writes residual networks of basic blocks (He, Zhang, Ren
// and Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
// arXiv:1512.03385: the ResNet-18/34 family) as ONNX models with random
// weights, laid out as torchvision builds them and with the operators of
// the ONNX model zoo's resnet18-v1-7. Tests and benchmarks exercise the
// lesson's ResNet-18 path with them, without the 45 MB pretrained file that
// physnb does not ship.
//
// A basic block computes
//
//	y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)),
//
// the shortcut being the identity, or a strided 1x1 convolution with batch
// norm where the block halves the image and widens it.
//
// Example:
//
//	m, _ := resnet.ResNet18.Model(rand.New(rand.NewPCG(1, 1))) // a *modelfile.Model
//	net, _ := netgraph.New(m)
//	ips, _ := net.FeatureThroughput(backend.Must(), resnet.Features, 32, 32, 3)
package resnet

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/physnb/physnb/lib/transfer/modelfile"
)

// Spec describes a residual network of basic blocks (He et al. 2016,
// the ResNet-18/34 family) laid out as torchvision builds it: a stem
// convolution (stride 2, padding k/2) with batch norm and ReLU, a 3x3
// stride-2 max pool, stages of basic blocks (two 3x3 convolutions with batch
// norm, a skip connection, ReLU; the first block of every stage after the
// first halves the image and widens it, its shortcut a strided 1x1
// convolution with batch norm), global average pooling, Flatten and a dense
// layer. [Spec.Model] writes it as an ONNX graph with the operators of
// the model zoo's resnet18-v1-7, so tests and benchmarks can exercise the
// ResNet-18 path without the 45 MB pretrained file.
type Spec struct {
	Channels  int   // input channels
	Stem      int   // stem kernel size
	StemWidth int   // stem output channels
	Blocks    []int // basic blocks per stage
	Widths    []int // channels of each stage
	Classes   int
}

// ResNet18 is ResNet-18's shape (11.7 million parameters with 1000 classes).
var ResNet18 = Spec{Channels: 3, Stem: 7, StemWidth: 64, Blocks: []int{2, 2, 2, 2}, Widths: []int{64, 128, 256, 512}, Classes: 1000}

// Features is the value a [Spec] model's dense layer reads: the
// pooled, flattened features.
const Features = "flatten"

// resnetBuilder accumulates nodes and initializers.
type resnetBuilder struct {
	m   *modelfile.Model
	rng *rand.Rand
}

func (r *resnetBuilder) node(op, out string, inputs []string, a map[string]*modelfile.Attribute) {
	if a == nil {
		a = map[string]*modelfile.Attribute{}
	}
	r.m.Nodes = append(r.m.Nodes, &modelfile.Op{Name: out, OpType: op, Inputs: inputs, Outputs: []string{out}, Attrs: a})
}

// tensor adds an initializer filled by fill(i).
func (r *resnetBuilder) tensor(name string, fill func(int) float32, dims ...int64) {
	t := &modelfile.Tensor{Name: name, Dims: dims, DataType: modelfile.TypeFloat}
	t.Float = make([]float32, t.Size())
	for i := range t.Float {
		t.Float[i] = fill(i)
	}
	r.m.Initializers[name] = t
}

func constant(v float32) func(int) float32 { return func(int) float32 { return v } }

// convBN adds a bias-free k x k convolution (He-initialised) and an
// identity batch norm (scale 1, shift 0, running mean 0, variance 1).
func (r *resnetBuilder) convBN(in, out string, c, o, k, s int) {
	std := math.Sqrt(2 / float64(c*k*k))
	r.tensor(out+".weight", func(int) float32 { return float32(std * r.rng.NormFloat64()) }, int64(o), int64(c), int64(k), int64(k))
	p := int64(k / 2)
	r.node("Conv", out, []string{in, out + ".weight"}, map[string]*modelfile.Attribute{
		"kernel_shape": {Name: "kernel_shape", Ints: []int64{int64(k), int64(k)}},
		"strides":      {Name: "strides", Ints: []int64{int64(s), int64(s)}},
		"pads":         {Name: "pads", Ints: []int64{p, p, p, p}},
	})
	bn := out + ".bn"
	r.tensor(bn+".weight", constant(1), int64(o))
	r.tensor(bn+".bias", constant(0), int64(o))
	r.tensor(bn+".running_mean", constant(0), int64(o))
	r.tensor(bn+".running_var", constant(1), int64(o))
	r.node("BatchNormalization", bn, []string{out, bn + ".weight", bn + ".bias", bn + ".running_mean", bn + ".running_var"},
		map[string]*modelfile.Attribute{"epsilon": {Name: "epsilon", Float: 1e-5}})
}

// block adds a basic block reading in (c channels) and returns its output name.
func (r *resnetBuilder) block(in, name string, c, o, s int) string {
	r.convBN(in, name+".conv1", c, o, 3, s)
	r.node("Relu", name+".relu1", []string{name + ".conv1.bn"}, nil)
	r.convBN(name+".relu1", name+".conv2", o, o, 3, 1)
	short := in
	if s != 1 || c != o {
		r.convBN(in, name+".downsample", c, o, 1, s)
		short = name + ".downsample.bn"
	}
	r.node("Add", name+".add", []string{name + ".conv2.bn", short}, nil)
	r.node("Relu", name, []string{name + ".add"}, nil)
	return name
}

// Model returns the network as an ONNX model with random weights (He
// initialisation, identity batch norms), input "input" [N, Channels, H, W],
// output "logits" [N, Classes].
func (s Spec) Model(rng *rand.Rand) (*modelfile.Model, error) {
	if s.Channels < 1 || s.Stem < 1 || s.StemWidth < 1 || s.Classes < 1 || len(s.Blocks) == 0 || len(s.Blocks) != len(s.Widths) {
		return nil, fmt.Errorf("resnet: spec %+v: need positive sizes and one width per stage", s)
	}
	r := &resnetBuilder{m: &modelfile.Model{Initializers: map[string]*modelfile.Tensor{}, Opset: 11}, rng: rng}
	r.convBN("input", "conv1", s.Channels, s.StemWidth, s.Stem, 2)
	r.node("Relu", "relu", []string{"conv1.bn"}, nil)
	r.node("MaxPool", "maxpool", []string{"relu"}, map[string]*modelfile.Attribute{
		"kernel_shape": {Name: "kernel_shape", Ints: []int64{3, 3}},
		"strides":      {Name: "strides", Ints: []int64{2, 2}},
		"pads":         {Name: "pads", Ints: []int64{1, 1, 1, 1}},
	})
	x, c := "maxpool", s.StemWidth
	for i, n := range s.Blocks {
		for j := 0; j < n; j++ {
			stride := 1
			if i > 0 && j == 0 {
				stride = 2
			}
			x = r.block(x, fmt.Sprintf("layer%d.%d", i+1, j), c, s.Widths[i], stride)
			c = s.Widths[i]
		}
	}
	r.node("GlobalAveragePool", "avgpool", []string{x}, nil)
	r.node("Flatten", Features, []string{"avgpool"}, map[string]*modelfile.Attribute{"axis": {Name: "axis", Int: 1}})
	bound := 1 / math.Sqrt(float64(c))
	r.tensor("fc.weight", func(int) float32 { return float32(bound * (2*r.rng.Float64() - 1)) }, int64(s.Classes), int64(c))
	r.tensor("fc.bias", constant(0), int64(s.Classes))
	r.node("Gemm", "logits", []string{Features, "fc.weight", "fc.bias"}, map[string]*modelfile.Attribute{"transB": {Name: "transB", Int: 1}})
	r.m.Inputs = []modelfile.ValueInfo{{Name: "input", Dims: []int64{-1, int64(s.Channels), -1, -1}}}
	r.m.Outputs = []modelfile.ValueInfo{{Name: "logits", Dims: []int64{-1, int64(s.Classes)}}}
	return r.m, nil
}
