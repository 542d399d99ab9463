package netgraph

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/physnb/physnb/lib/layers"
)

// The fast layers the hand-written CNNs use (package layers), shared so that
// a pretrained network runs and trains at their speed.

// conv2D is the stride-1, unpadded convolution of x [B, H, W, C] with a
// kernel [k, k, C, O], by im2col and one matrix product (layers.Conv2D).
func conv2D(x, kernel *Node) *Node { return layers.Conv2D(x, kernel, 0) }

// relu is max(x, 0) with a cheap gradient (layers.Relu).
func relu(x *Node) *Node { return layers.Relu(x) }
