package netgraph

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/physnb/physnb/lib/transfer/modelfile"
)

// The operators MobileNets add to ResNet's: depthwise convolutions, ReLU6
// (a Clip) and average pooling.

// depthwiseConv is a Conv with one group per input channel and kernel
// [C, 1, kh, kw]: each channel is convolved with its own kernel,
//
//	y[b, c, i, j] = sum_{di, dj} x[b, c, i s + di, j s + dj] w[c, 0, di, dj].
//
// It is the sum of kh*kw strided views of the padded image, each scaled per
// channel: kh*kw multiply-adds per output, as the operator costs, and
// differentiable by GoMLX's own rules (a depthwise layer has too little
// work per output for the im2col matrix product to pay).
func depthwiseConv(nd *modelfile.Op, x, w *Node, groups int) *Node {
	wd, xd := w.Shape().Dimensions, x.Shape().Dimensions
	if w.Rank() != 4 || x.Rank() != 4 || groups != xd[1] || wd[0] != xd[1] || wd[1] != 1 {
		panic(fmt.Sprintf("onnx: Conv %q: group=%d is supported only as a depthwise convolution (group = channels, kernel [C, 1, kh, kw]); "+
			"got x %s and kernel %s", nd.Name, groups, x.Shape(), w.Shape()))
	}
	win := windowOf(nd, wd[2], wd[3], xd[2], xd[3])
	return win.foldViews(win.pad(x, 0), func(y, v *Node, di, dj int) *Node {
		k := Reshape(Slice(w, AxisRange(), AxisRange(), AxisElem(di), AxisElem(dj)), 1, xd[1], 1, 1)
		if y == nil {
			return Mul(v, k)
		}
		return Add(y, Mul(v, k))
	})
}

// averagePool is ONNX AveragePool without padding: the mean of the kh*kw
// strided views of the image.
func averagePool(nd *modelfile.Op, x *Node) *Node {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("onnx: AveragePool %q: only 2-D pooling of [B, C, H, W] is supported, got %s", nd.Name, x.Shape()))
	}
	d := x.Shape().Dimensions
	win := windowOf(nd, 0, 0, d[2], d[3])
	sum := win.foldViews(x, func(y, v *Node, _, _ int) *Node {
		if y == nil {
			return v
		}
		return Add(y, v)
	})
	return DivScalar(sum, float64(win.kh*win.kw))
}

// clip is ONNX Clip with min and max attributes (ReLU6 is Clip(0, 6)), as
// two selections: GoMLX's Clamp has no gradient, and fine-tuning needs one.
func clip(nd *modelfile.Op, x *Node) *Node {
	if a := nd.Attrs["min"]; a != nil {
		lo := Scalar(x.Graph(), x.DType(), float64(a.Float))
		x = Where(GreaterThan(x, lo), x, BroadcastToShape(lo, x.Shape()))
	}
	if a := nd.Attrs["max"]; a != nil {
		hi := Scalar(x.Graph(), x.DType(), float64(a.Float))
		x = Where(LessThan(x, hi), x, BroadcastToShape(hi, x.Shape()))
	}
	return x
}
