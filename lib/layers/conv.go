// Package layers holds fast neural-network layers for the pure-Go GoMLX
// backend: an im2col convolution, 2x2 max pooling, ReLU, a dense layer and
// the matrix product under them, each with its gradient written out. They
// compute what GoMLX's own Convolve, MaxPool, Max(x, 0) and DenseWithBias
// compute (the tests compare them), in the operand layouts the backend
// multiplies fastest. physnb's ConvNets (package vision) and the networks
// rebuilt from ONNX and TFLite files (package transfer) are made of them.
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
// xpad[:, di:di+H', dj:dj+W', :], stacked along the channel axis, form a
// patch matrix P[b*H'*W', k*k*C], and y = P W with W = K reshaped to
// [k*k*C, O]. The multiplication runs on the backend's SIMD kernel.
//
// The gradients are written out rather than left to GoMLX's autodiff (see
// [MatProduct] for why): dW is a product of the patch matrix with dy, and dx
// is the full convolution of dy with the flipped kernel, itself an im2col
// product. Activations inside a network are best kept channel-first
// ([ToCF], [ConvCF], [MaxPool2CF]) so that all three products need no
// transposed copies (the Layout note in conv.go states the products).
//
// [MaxPool2] takes the maximum over non-overlapping 2 x 2 windows by reshaping
// [B, H, W, C] to [B, H/2, 2, W/2, 2, C] and reducing axes 2 and 4 (odd sizes
// drop the last row/column, as PyTorch's MaxPool2d(2) does). Since
// max(ReLU(a), ReLU(b)) = ReLU(max(a, b)), pooling before [Relu] is the same
// function as the usual conv -> ReLU -> pool, on a 4x smaller tensor.
//
// Measured on the lesson's ConvNet (32x32x3 images, training steps on 2
// shared cores): 1.3 images/s with the built-in convolution, about 100 images
// per CPU-second with im2col and autodiff gradients, 135-147 with the stated
// gradients at batch 32 (docs/vision.md); `physnb bench convnet-train-b32`
// repeats the measurement.
//
// Example (the first block of the lesson's network on channel-first
// activations, then the dense head on flattened features f):
//
//	h := layers.ConvCF(scope.In("conv1"), layers.ToCF(x), 64, 3, 2) // 64 filters 3x3, padding 2
//	h = layers.Relu(layers.MaxPool2CF(h))
//	...
//	z := layers.Dense(scope.In("fc2"), layers.Relu(layers.Dense(scope.In("fc1"), f, 512)), 10)
package layers

import (
	"fmt"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Layout. Inside a network, activations are channel-first, x[c, b, h, w]
// ("CBHW"): the patch matrix is then built transposed, Pt[k*k*C, B*H'*W'],
// by concatenating the shifted copies along the leading axis, and every
// product of a layer, forward and backward, is in one of the backend's fast
// layouts (see [MatProduct]):
//
//	y  = Kt Pt          Kt = K^T [O, k*k*C]
//	dK = Pt dy^T        (contracting the last axes of both)
//	dx = Kf P(dy)       the full convolution of dy with the flipped kernel
//
// where Kf[c, (di, dj, o)] = K[k-1-di, k-1-dj, c, o] and P(dy) is the patch
// matrix of dy padded by k-1-p (the adjoint of a stride-1 convolution is a
// convolution). The public functions take and return channels-last tensors
// and transpose at the boundary.

// patchesCF is the transposed im2col matrix of x [C, B, H, W]: shape
// [k*k*C, B*H'*W'] with H' = H+2p-k+1, rows ordered (di, dj, c) with c
// fastest, matching a kernel [k, k, C, O] reshaped to [k*k*C, O]. A negative p
// crops |p| pixels from each side instead of padding.
func patchesCF(x *Node, k, p int) *Node {
	dims := x.Shape().Dimensions
	ho, wo := dims[2]+2*p-k+1, dims[3]+2*p-k+1
	if k < 1 || ho < 1 || wo < 1 {
		panic(fmt.Sprintf("layers: kernel %d with padding %d does not fit an image %dx%d", k, p, dims[2], dims[3]))
	}
	if p > 0 {
		zero := ScalarZero(x.Graph(), x.DType())
		x = Pad(x, zero, compute.PadAxis{}, compute.PadAxis{}, compute.PadAxis{Start: p, End: p}, compute.PadAxis{Start: p, End: p})
	} else if p < 0 {
		x = Slice(x, AxisRange(), AxisRange(), AxisRange(-p, dims[2]+p), AxisRange(-p, dims[3]+p))
	}
	parts := make([]*Node, 0, k*k)
	for di := 0; di < k; di++ {
		for dj := 0; dj < k; dj++ {
			parts = append(parts, Slice(x, AxisRange(), AxisRange(), AxisRange(di, di+ho), AxisRange(dj, dj+wo)))
		}
	}
	pt := parts[0]
	if k > 1 {
		pt = Concatenate(parts, 0)
	}
	return Reshape(pt, k*k*dims[0], dims[1]*ho*wo)
}

// convCF is the stride-1 convolution of x [C, B, H, W] with the kernel
// w [k*k*C, O] (a [k, k, C, O] kernel reshaped) and zero padding p; output
// [O, B, H', W']. Its gradient is stated directly (see Layout above).
func convCF(x, w *Node, k, p int) *Node {
	d := x.Shape().Dimensions
	c, o := d[0], w.Shape().Dimensions[1]
	if w.Rank() != 2 || w.Shape().Dimensions[0] != k*k*c {
		panic(fmt.Sprintf("layers: kernel %s does not match %d channels and a %dx%d window", w.Shape(), c, k, k))
	}
	ho, wo := d[2]+2*p-k+1, d[3]+2*p-k+1
	xs, ws := StopGradient(x), StopGradient(w)
	pt := patchesCF(xs, k, p)
	y := Reshape(dot(Transpose(ws, 0, 1), pt), o, d[1], ho, wo)
	return withGradient(y, []*Node{x, w}, func(dy *Node) []*Node {
		dyM := Reshape(dy, o, d[1]*ho*wo)
		dw := DotGeneral(pt, []int{1}, nil, dyM, []int{1}, nil)
		kf := Reshape(TransposeAllAxes(Reverse(Reshape(ws, k, k, c, o), 0, 1), 2, 0, 1, 3), c, k*k*o)
		dx := Reshape(dot(kf, patchesCF(dy, k, k-1-p)), d...)
		return []*Node{dx, dw}
	})
}

// ToCF moves the channel axis of a rank-4 tensor from last ([B, H, W, C]) to
// first ([C, B, H, W]), the layout of [ConvCF] and [MaxPool2CF].
func ToCF(x *Node) *Node { return TransposeAllAxes(x, 3, 0, 1, 2) }

// FromCF moves the channel axis of a rank-4 tensor from first ([C, B, H, W])
// back to last ([B, H, W, C]).
func FromCF(x *Node) *Node { return TransposeAllAxes(x, 1, 2, 3, 0) }

// Conv2D is the stride-1 convolution of x [B, H, W, C] with kernel
// [k, k, C, O] and zero padding p, computed as one matrix product of the
// kernel with the patch matrix. Output [B, H+2p-k+1, W+2p-k+1, O].
func Conv2D(x, kernel *Node, p int) *Node {
	kd := kernel.Shape().Dimensions
	if kernel.Rank() != 4 || kd[0] != kd[1] || x.Rank() != 4 || kd[2] != x.Shape().Dimensions[3] || p < 0 {
		panic(fmt.Sprintf("layers.Conv2D: want x [B,H,W,C], a square kernel [k,k,C,O] and padding >= 0; got x %s, kernel %s, padding %d", x.Shape(), kernel.Shape(), p))
	}
	k := kd[0]
	return FromCF(convCF(ToCF(x), Reshape(kernel, k*k*kd[2], kd[3]), k, p))
}

// ConvCF is a convolution layer on channel-first activations x [C, B, H, W]:
// a k x k kernel with outChannels filters, padding p, stride 1 and a bias,
// its variables in scope ("weights" shaped [k*k*C, O], and "biases").
func ConvCF(scope *model.Scope, x *Node, outChannels, k, p int) *Node {
	if x.Rank() != 4 || p < 0 {
		panic(fmt.Sprintf("layers.ConvCF: want x [C,B,H,W] and padding >= 0, got %s, padding %d", x.Shape(), p))
	}
	c := x.Shape().Dimensions[0]
	w := scope.VariableWithShape("weights", shapes.Make(x.DType(), k*k*c, outChannels)).NodeValue(x.Graph())
	b := scope.VariableWithShape("biases", shapes.Make(x.DType(), outChannels)).NodeValue(x.Graph())
	return Add(convCF(x, w, k, p), Reshape(b, outChannels, 1, 1, 1))
}

// MaxPool2 is max pooling over non-overlapping 2x2 windows of x [B, H, W, C].
// Odd heights or widths lose their last row or column (floor mode).
func MaxPool2(x *Node) *Node {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("layers.MaxPool2: want x [B,H,W,C], got %s", x.Shape()))
	}
	return maxPool2(x, 1)
}

// MaxPool2CF is [MaxPool2] on channel-first activations x [C, B, H, W].
func MaxPool2CF(x *Node) *Node {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("layers.MaxPool2CF: want x [C,B,H,W], got %s", x.Shape()))
	}
	return maxPool2(x, 2)
}

// maxPool2 pools the 2x2 windows of axes h and h+1 of a rank-4 x: a reshape
// that splits each into (size/2, 2) and a maximum over the two new axes. Its
// gradient sends dy to every element equal to its window's maximum (as
// GoMLX's ReduceMax does), as one comparison and one selection instead of
// the sign-indicator chain of ReduceMax's generic rule.
func maxPool2(x *Node, h int) *Node {
	d := x.Shape().Dimensions
	if d[h] < 2 || d[h+1] < 2 {
		panic(fmt.Sprintf("layers: 2x2 max pooling needs height and width >= 2, got %s", x.Shape()))
	}
	ph, pw := d[h]/2, d[h+1]/2
	xs := StopGradient(x)
	if d[h] != 2*ph || d[h+1] != 2*pw {
		ranges := []SliceAxisSpec{AxisRange(), AxisRange(), AxisRange(), AxisRange()}
		ranges[h], ranges[h+1] = AxisRange(0, 2*ph), AxisRange(0, 2*pw)
		xs = Slice(xs, ranges...)
	}
	split := append(append(append([]int{}, d[:h]...), ph, 2, pw, 2), d[h+2:]...)
	kept := slices.Clone(split)
	kept[h+1], kept[h+3] = 1, 1
	xr := Reshape(xs, split...)
	y := ReduceMax(xr, h+1, h+3)
	return withGradient(y, []*Node{x}, func(dy *Node) []*Node {
		atMax := Equal(xr, BroadcastToDims(Reshape(StopGradient(y), kept...), split...))
		dx := Reshape(Where(atMax, BroadcastToDims(Reshape(dy, kept...), split...), ZerosLike(xr)), xs.Shape().Dimensions...)
		if !xs.Shape().Equal(x.Shape()) {
			pads := make([]compute.PadAxis, 4)
			pads[h].End, pads[h+1].End = d[h]-2*ph, d[h+1]-2*pw
			dx = Pad(dx, ScalarZero(x.Graph(), x.DType()), pads...)
		}
		return []*Node{dx}
	})
}
