// Package nettest holds what the tests of the transfer packages share: the
// path of mnist-8 in the data folder and a tiny ResNet with random weights.
package nettest

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/transfer/modelfile"
	"github.com/physnb/physnb/lib/transfer/resnet"
)

// MNIST8 returns the path of mnist-8, the data folder defaulting to the
// shared one next to the checkout; the test is skipped without the file.
func MNIST8(t testing.TB) string {
	if os.Getenv(data.EnvVar) == "" {
		_, file, _, _ := runtime.Caller(0) // .../lib/transfer/internal/nettest/nettest.go
		t.Setenv(data.EnvVar, filepath.Join(filepath.Dir(file), "../../../../../shared/data"))
	}
	p, err := data.Path(data.MNIST8Model)
	if err != nil {
		t.Skipf("mnist-8 not available: %v", err)
	}
	return p
}

// TinySpec is a ResNet with the parts of ResNet-18: a stride-2 stem
// convolution with batch norm, ReLU and a 3x3 stride-2 max pool, a stage
// whose block has an identity skip connection, a stage whose first block
// downsamples (stride-2 3x3 convolution, strided 1x1 convolution on the
// shortcut), global average pooling, Flatten and a Gemm head (transB = 1).
var TinySpec = resnet.Spec{Channels: 3, Stem: 5, StemWidth: 8, Blocks: []int{1, 2}, Widths: []int{8, 12}, Classes: 5}

// The tiny ResNet's images are TinySize x TinySize with TinyChannels
// channels; its head reads TinyFeatures.
const (
	TinyChannels = 3
	TinySize     = 16
	TinyFeatures = resnet.Features
)

// NewTinyResNet returns TinySpec with every weight random, batch norms
// included (the builder's are the identity), as float32 values in the model.
func NewTinyResNet(rng *rand.Rand) *modelfile.Model {
	m, err := TinySpec.Model(rng)
	if err != nil {
		panic(err)
	}
	for name, t := range m.Initializers {
		lo, hi := -0.5, 0.5
		switch {
		case strings.HasSuffix(name, ".bn.weight"):
			lo, hi = 0.5, 1.5
		case strings.HasSuffix(name, "running_var"):
			lo, hi = 0.5, 2
		}
		for i := range t.Float {
			t.Float[i] = float32(lo + (hi-lo)*rng.Float64())
		}
	}
	return m
}
