// Package vision holds the image layers physnb's CNNs are built from, written
// so that the pure-Go GoMLX backend trains them at a usable speed, plus the
// lesson's ConvNet and its data augmentation.
//
// A 2-D convolution with a k x k kernel K, stride 1 and zero padding p maps an
// image x[b, h, w, c] (channels last) to
//
//	y[b, i, j, o] = sum_{di, dj < k} sum_c xpad[b, i+di, j+dj, c] K[di, dj, c, o] + bias[o]
//
// The built-in GoMLX convolution runs these loops directly, which on the
// pure-Go backend is 44-62x slower than a matrix multiplication with the same
// number of operations (measured in the project notes). [Conv2D] instead
// rewrites the sum as one matrix product (the "im2col" trick of Chellapilla,
// Puri & Simard, 2006): the k^2 shifted copies of the padded image,
// xpad[:, di:di+H', dj:dj+W', :], are concatenated along the channel axis into
// patches P[b*H'*W', k*k*C], and y = P W with W = K reshaped to [k*k*C, O].
// It is built only from Pad, Slice, Concatenate, Reshape and a matrix
// multiplication, so its gradient comes from GoMLX's autodiff of those ops
// (Slice's adjoint is a Pad, Concatenate's a Slice), and the multiplication
// runs on the backend's SIMD kernel.
//
// [MaxPool2] takes the maximum over non-overlapping 2 x 2 windows by reshaping
// [B, H, W, C] to [B, H/2, 2, W/2, 2, C] and reducing axes 2 and 4 (odd sizes
// drop the last row/column, as PyTorch's MaxPool2d(2) does).
//
// Measured on the lesson's ConvNet (32x32x3 images, batch 32, training
// steps): 35 images/s against 1.3 with the built-in convolution (2 shared
// cores); `physnb bench convnet-train-b32` repeats the measurement.
//
// Example (the first block of the lesson's network; pooling before the ReLU
// is the same function, see [ConvNetConfig.Features]):
//
//	h := vision.Conv(scope.In("conv1"), x, 64, 3, 2) // 64 filters 3x3, padding 2
//	h = vision.Relu(vision.MaxPool2(h))
package vision

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Patches returns the im2col matrix of x [B, H, W, C] for a k x k window with
// zero padding p and stride 1: shape [B, H', W', k*k*C] with H' = H+2p-k+1,
// the window offset (di, dj) varying slowest and the channel fastest, so that
// it matches a kernel [k, k, C, O] reshaped to [k*k*C, O].
func Patches(x *Node, k, p int) *Node {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("vision.Patches: x must be [batch, height, width, channels], got %s", x.Shape()))
	}
	dims := x.Shape().Dimensions
	ho, wo := dims[1]+2*p-k+1, dims[2]+2*p-k+1
	if k < 1 || p < 0 || ho < 1 || wo < 1 {
		panic(fmt.Sprintf("vision.Patches: kernel %d with padding %d does not fit an image %dx%d", k, p, dims[1], dims[2]))
	}
	xp := x
	if p > 0 {
		zero := ScalarZero(x.Graph(), x.DType())
		xp = Pad(x, zero, compute.PadAxis{}, compute.PadAxis{Start: p, End: p}, compute.PadAxis{Start: p, End: p}, compute.PadAxis{})
	}
	if k == 1 {
		return xp
	}
	parts := make([]*Node, 0, k*k)
	for di := 0; di < k; di++ {
		for dj := 0; dj < k; dj++ {
			parts = append(parts, Slice(xp, AxisRange(), AxisRange(di, di+ho), AxisRange(dj, dj+wo), AxisRange()))
		}
	}
	return Concatenate(parts, -1)
}

// Conv2D is the stride-1 convolution of x [B, H, W, C] with kernel
// [k, k, C, O] and zero padding p, computed as one matrix product of the
// patches with the reshaped kernel. Output [B, H+2p-k+1, W+2p-k+1, O].
func Conv2D(x, kernel *Node, p int) *Node {
	kd := kernel.Shape().Dimensions
	if kernel.Rank() != 4 || kd[0] != kd[1] || x.Rank() != 4 || kd[2] != x.Shape().Dimensions[3] {
		panic(fmt.Sprintf("vision.Conv2D: want x [B,H,W,C] and a square kernel [k,k,C,O]; got x %s, kernel %s", x.Shape(), kernel.Shape()))
	}
	k, c, o := kd[0], kd[2], kd[3]
	P := Patches(x, k, p)
	pd := P.Shape().Dimensions
	rows := pd[0] * pd[1] * pd[2]
	y := MatMul(Reshape(P, rows, k*k*c), Reshape(kernel, k*k*c, o))
	return Reshape(y, pd[0], pd[1], pd[2], o)
}

// Conv is a convolution layer: a k x k kernel with outChannels filters,
// padding p, stride 1 and a bias, its variables in scope ("weights" shaped
// [k*k*C, O], He-initialised, and "biases").
func Conv(scope *model.Scope, x *Node, outChannels, k, p int) *Node {
	c := x.Shape().Dimensions[3]
	w := scope.VariableWithShape("weights", shapes.Make(x.DType(), k*k*c, outChannels)).NodeValue(x.Graph())
	b := scope.VariableWithShape("biases", shapes.Make(x.DType(), outChannels)).NodeValue(x.Graph())
	y := Conv2D(x, Reshape(w, k, k, c, outChannels), p)
	return Add(y, ExpandLeftToRank(b, 4))
}

// MaxPool2 is max pooling over non-overlapping 2x2 windows of x [B, H, W, C].
// Odd heights or widths lose their last row or column (floor mode).
func MaxPool2(x *Node) *Node {
	d := x.Shape().Dimensions
	if x.Rank() != 4 || d[1] < 2 || d[2] < 2 {
		panic(fmt.Sprintf("vision.MaxPool2: want x [B,H,W,C] with H, W >= 2, got %s", x.Shape()))
	}
	h, w := d[1]/2, d[2]/2
	if d[1] != 2*h || d[2] != 2*w {
		x = Slice(x, AxisRange(), AxisRange(0, 2*h), AxisRange(0, 2*w), AxisRange())
	}
	return ReduceMax(Reshape(x, d[0], h, 2, w, 2, d[3]), 2, 4)
}

func shapeOf(x *Node, dims ...int) shapes.Shape { return shapes.Make(x.DType(), dims...) }
