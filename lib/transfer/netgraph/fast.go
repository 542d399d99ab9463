package netgraph

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/physnb/physnb/lib/vision"
)

// The fast layers the hand-written CNNs use, shared so that a pretrained
// network runs (and trains) at their speed; this is the only place the
// package depends on package vision.

// conv2D is the stride-1, unpadded convolution of x [B, H, W, C] with a
// kernel [k, k, C, O], by im2col and one matrix product (vision.Conv2D).
func conv2D(x, kernel *Node) *Node { return vision.Conv2D(x, kernel, 0) }

// relu is max(x, 0) with a cheap gradient (vision.Relu).
func relu(x *Node) *Node { return vision.Relu(x) }
