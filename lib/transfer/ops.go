package transfer

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/physnb/physnb/lib/layers"
)

// The image operators of ResNet-style networks (the model zoo's
// resnet18-v1-7/v2-7 and torchvision exports): strided and padded
// convolutions, overlapping max-pooling, global average pooling and batch
// normalisation, all on NCHW tensors as ONNX defines them.

// window is the geometry of a 2-D sliding window (Conv, MaxPool): kernel
// size, strides and the zero (or -inf) padding before and after each axis.
type window struct {
	kh, kw, sh, sw           int
	top, left, bottom, right int
}

// windowOf reads kernel_shape (or the given kernel size), strides, pads and
// auto_pad of a Conv or MaxPool node applied to an image of size h x w.
func windowOf(nd *Op, kh, kw, h, w int) window {
	if k := ints(nd.Attrs["kernel_shape"]); len(k) == 2 {
		kh, kw = int(k[0]), int(k[1])
	}
	s := ints(nd.Attrs["strides"], 1, 1)
	win := window{kh: kh, kw: kw, sh: int(s[0]), sw: int(s[1])}
	switch autoPad := autoPadOf(nd); autoPad {
	case "SAME_UPPER", "SAME_LOWER":
		// Output size ceil(size/stride); the total padding is split evenly,
		// the odd element going after (UPPER) or before (LOWER).
		same := func(size, k, s int) (int, int) {
			total := max((size+s-1)/s*s-s+k-size, 0)
			if autoPad == "SAME_UPPER" {
				return total / 2, total - total/2
			}
			return total - total/2, total / 2
		}
		win.top, win.bottom = same(h, kh, win.sh)
		win.left, win.right = same(w, kw, win.sw)
	case "NOTSET":
		p := ints(nd.Attrs["pads"], 0, 0, 0, 0)
		win.top, win.left, win.bottom, win.right = int(p[0]), int(p[1]), int(p[2]), int(p[3])
	}
	if h+win.top+win.bottom < kh || w+win.left+win.right < kw {
		panic(fmt.Sprintf("onnx: %s %q: kernel %dx%d larger than the padded %dx%d image", nd.OpType, nd.Name, kh, kw, h, w))
	}
	return win
}

// pad pads the spatial axes (2 and 3 of NCHW) with fill.
func (win window) pad(x *Node, fill float64) *Node {
	if win.top == 0 && win.left == 0 && win.bottom == 0 && win.right == 0 {
		return x
	}
	return Pad(x, Scalar(x.Graph(), x.DType(), fill), compute.PadAxis{}, compute.PadAxis{},
		compute.PadAxis{Start: win.top, End: win.bottom}, compute.PadAxis{Start: win.left, End: win.right})
}

// foldViews combines the kh*kw strided views of the padded image xp
// [B, C, H, W] that the window's positions (di, dj) see,
//
//	view(di, dj)[b, c, i, j] = xp[b, c, i sh + di, j sw + dj],
//
// one per output (i, j), in row-major order of (di, dj), into
// acc = f(acc, view, di, dj), acc being nil for the first view. Pooling and
// depthwise convolutions are such folds.
func (win window) foldViews(xp *Node, f func(acc, v *Node, di, dj int) *Node) *Node {
	pd := xp.Shape().Dimensions
	oh, ow := (pd[2]-win.kh)/win.sh+1, (pd[3]-win.kw)/win.sw+1
	var acc *Node
	for di := range win.kh {
		for dj := range win.kw {
			v := Slice(xp, AxisRange(), AxisRange(),
				AxisRange(di, di+(oh-1)*win.sh+1).Stride(win.sh), AxisRange(dj, dj+(ow-1)*win.sw+1).Stride(win.sw))
			acc = f(acc, v, di, dj)
		}
	}
	return acc
}

// stride keeps every sh-th row and sw-th column of an NCHW tensor, starting
// with the first: the strided output from the stride-1 one.
func (win window) stride(x *Node) *Node {
	if win.sh == 1 && win.sw == 1 {
		return x
	}
	return Slice(x, AxisRange(), AxisRange(), AxisRange().Stride(win.sh), AxisRange().Stride(win.sw))
}

// conv is a 2-D ONNX Conv (square kernel [O, C, k, k]) computed
// with vision.Conv2D, the im2col convolution of the hand-written CNNs, in
// channels-last layout. Conv2D has stride 1. A strided 1x1 kernel subsamples
// its input first; a k x k kernel with equal strides s is rewritten as a
// stride-1 convolution of the space-to-depth image ([spaceToDepthConv]);
// unequal strides keep every s-th output of the stride-1 convolution. A
// grouped convolution must be depthwise ([depthwiseConv]).
func (n *Network) conv(nd *Op, x, w *Node) *Node {
	wd, xd := w.Shape().Dimensions, x.Shape().Dimensions
	if g := nd.Attrs["group"]; g != nil && g.Int != 1 {
		return depthwiseConv(nd, x, w, int(g.Int))
	}
	if w.Rank() != 4 || x.Rank() != 4 || wd[1] != xd[1] {
		panic(fmt.Sprintf("onnx: Conv %q: want x [B, C, H, W] and a kernel [O, C, kh, kw], got %s and %s", nd.Name, x.Shape(), w.Shape()))
	}
	k := wd[2]
	if wd[3] != k {
		panic(fmt.Sprintf("onnx: Conv %q: kernel %dx%d is not square", nd.Name, wd[2], wd[3]))
	}
	win := windowOf(nd, wd[2], wd[3], xd[2], xd[3])
	if win.kh != wd[2] || win.kw != wd[3] {
		panic(fmt.Sprintf("onnx: Conv %q: kernel_shape %dx%d differs from the weights' %dx%d", nd.Name, win.kh, win.kw, wd[2], wd[3]))
	}
	x = win.pad(x, 0)
	strided := win.sh > 1 || win.sw > 1
	if k == 1 {
		x, strided = win.stride(x), false
	}
	xh := TransposeAllAxes(x, 0, 2, 3, 1) // NCHW -> NHWC
	kh := TransposeAllAxes(w, 2, 3, 1, 0) // [O, C, k, k] -> [k, k, C, O]
	if strided && win.sh == win.sw {
		return TransposeAllAxes(spaceToDepthConv(xh, kh, win.sh), 0, 3, 1, 2)
	}
	y := TransposeAllAxes(layers.Conv2D(xh, kh, 0), 0, 3, 1, 2)
	if strided {
		y = win.stride(y)
	}
	return y
}

// spaceToDepthConv is the stride-s convolution (no padding) of x [B, H, W, C]
// with kernel [k, k, C, O], as a stride-1 one: with x'[i, j, (a, b, c)] =
// x[i s + a, j s + b, c] (a, b < s) and the kernel zero-padded to a multiple
// of s, K'[i', j', (a, b, c)] = K[i' s + a, j' s + b, c],
//
//	y[i, j] = sum_{di, dj < k} x[i s + di, j s + dj] K[di, dj]
//	        = sum_{i', j' < ceil(k/s)} x'[i + i', j + j'] K'[i', j'].
//
// It computes exactly the outputs kept, with ceil(k/s)^2 s^2 / k^2 times the
// multiply-adds (1.78 for k = 3, s = 2; 1.31 for ResNet's 7x7 stem), instead
// of s^2 = 4 times for keeping every s-th output of the stride-1 convolution.
func spaceToDepthConv(x, kern *Node, s int) *Node {
	d, kd := x.Shape().Dimensions, kern.Shape().Dimensions
	k, c, o := kd[0], kd[2], kd[3]
	oh, ow := (d[1]-k)/s+1, (d[2]-k)/s+1
	kq := (k + s - 1) / s
	hp, wp := s*(oh+kq-1), s*(ow+kq-1) // the rows and columns the outputs read, rounded up to a multiple of s
	x = fitTo(x, 1, hp)
	x = fitTo(x, 2, wp)
	x = Reshape(TransposeAllAxes(Reshape(x, d[0], hp/s, s, wp/s, s, c), 0, 1, 3, 2, 4, 5), d[0], hp/s, wp/s, s*s*c)
	zero := ScalarZero(kern.Graph(), kern.DType())
	kern = Pad(kern, zero, compute.PadAxis{End: kq*s - k}, compute.PadAxis{End: kq*s - k}, compute.PadAxis{}, compute.PadAxis{})
	kern = Reshape(TransposeAllAxes(Reshape(kern, kq, s, kq, s, c, o), 0, 2, 1, 3, 4, 5), kq, kq, s*s*c, o)
	return layers.Conv2D(x, kern, 0)
}

// fitTo pads axis of x with zeros at the end, or cuts it, to size n.
func fitTo(x *Node, axis, n int) *Node {
	d := x.Shape().Dimensions[axis]
	switch {
	case d < n:
		pads := make([]compute.PadAxis, x.Rank())
		pads[axis].End = n - d
		return Pad(x, ScalarZero(x.Graph(), x.DType()), pads...)
	case d > n:
		ranges := make([]SliceAxisSpec, x.Rank())
		for i := range ranges {
			ranges[i] = AxisRange()
		}
		ranges[axis] = AxisRange(0, n)
		return Slice(x, ranges...)
	}
	return x
}

// maxPool is ONNX MaxPool (floor mode): non-overlapping windows without
// padding by a reshape and a max; any other window (ResNet's 3x3, stride 2,
// padding 1) as the elementwise maximum of the kh*kw strided views of the
// image padded with -inf, so that padding never wins.
func maxPool(nd *Op, x *Node) *Node {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("onnx: MaxPool %q: only 2-D pooling of [B, C, H, W] is supported, got %s", nd.Name, x.Shape()))
	}
	d := x.Shape().Dimensions
	win := windowOf(nd, 0, 0, d[2], d[3])
	if win.kh == win.sh && win.kw == win.sw && win.top+win.left+win.bottom+win.right == 0 {
		h, w := d[2]/win.kh, d[3]/win.kw
		if d[2] != h*win.kh || d[3] != w*win.kw {
			x = Slice(x, AxisRange(), AxisRange(), AxisRange(0, h*win.kh), AxisRange(0, w*win.kw))
		}
		return ReduceMax(Reshape(x, d[0], d[1], h, win.kh, w, win.kw), 3, 5)
	}
	return win.foldViews(win.pad(x, math.Inf(-1)), func(y, v *Node, _, _ int) *Node {
		if y == nil {
			return v
		}
		return Max(y, v)
	})
}

// globalAveragePool averages each channel over the image: [B, C, H, W] ->
// [B, C, 1, 1].
func globalAveragePool(nd *Op, x *Node) *Node {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("onnx: GlobalAveragePool %q: want [B, C, H, W], got %s", nd.Name, x.Shape()))
	}
	return ReduceAndKeep(x, ReduceMean, 2, 3)
}

// batchNorm is inference-mode BatchNormalization with the stored running
// statistics:
//
//	y = scale (x - mean) / sqrt(var + epsilon) + bias
//
// per channel (axis 1). The opset-7 attribute spatial is ignored: MXNet's
// exporter wrote spatial=0 for its per-channel batch norms, and the model
// zoo's ResNets carried that until they were regenerated (onnx/models#294,
// apache/mxnet#17711); parameters of any other size than the channel count
// are an error. Training-mode batch statistics are not used: the
// transfer modes freeze the running mean and variance (they are never
// trainable, see [Network]) and train at most scale and bias.
func batchNorm(nd *Op, x, scale, bias, mean, variance *Node) *Node {
	eps := 1e-5
	if a := nd.Attrs["epsilon"]; a != nil {
		eps = float64(a.Float)
	}
	c := x.Shape().Dimensions[1]
	perChannel := func(v *Node) *Node {
		if v.Shape().Size() != c {
			panic(fmt.Sprintf("onnx: BatchNormalization %q: parameter %s for %d channels", nd.Name, v.Shape(), c))
		}
		return Reshape(v, 1, c, 1, 1)
	}
	a := Div(perChannel(scale), Sqrt(AddScalar(perChannel(variance), eps)))
	return Add(Mul(Sub(x, perChannel(mean)), a), perChannel(bias))
}

func autoPadOf(nd *Op) string {
	if a := nd.Attrs["auto_pad"]; a != nil && a.String != "" {
		return a.String
	}
	return "NOTSET"
}

// checkAttrs rejects the attribute values the operators above do not
// implement, when the model is loaded (before any graph is built), with an
// error naming the node.
func checkAttrs(nd *Op) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("onnx: %s %q: %s", nd.OpType, nd.Name, fmt.Sprintf(format, args...))
	}
	isNot := func(attr string, want int64) bool { a := nd.Attrs[attr]; return a != nil && a.Int != want }
	extraOutputs := len(nd.Outputs) > 1 && slices.ContainsFunc(nd.Outputs[1:], func(o string) bool { return o != "" })
	switch nd.OpType {
	case "Conv", "MaxPool", "AveragePool":
		if s := ints(nd.Attrs["strides"], 1, 1); len(s) != 2 || s[0] < 1 || s[1] < 1 {
			return bad("strides %v, want two positive values", s)
		}
		if d := ints(nd.Attrs["dilations"], 1, 1); len(d) != 2 || d[0] != 1 || d[1] != 1 {
			return bad("dilations %v not supported", d)
		}
		if p := ints(nd.Attrs["pads"], 0, 0, 0, 0); len(p) != 4 || slices.Min(p) < 0 {
			return bad("pads %v, want 4 values >= 0 (2-D only)", p)
		}
		if ap := autoPadOf(nd); !slices.Contains([]string{"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"}, ap) {
			return bad("auto_pad %q unknown", ap)
		}
	}
	if nd.OpType == "MaxPool" || nd.OpType == "AveragePool" {
		if k := ints(nd.Attrs["kernel_shape"]); len(k) != 2 {
			return bad("kernel_shape %v: only 2-D pooling is supported", k)
		}
		if isNot("ceil_mode", 0) {
			return bad("ceil_mode not supported")
		}
	}
	switch nd.OpType {
	case "Conv":
		if g := nd.Attrs["group"]; g != nil && g.Int < 1 {
			return bad("group=%d", g.Int)
		}
	case "Clip":
		if len(nd.Inputs) > 1 {
			return bad("min and max as inputs (opset 11) not supported, only as attributes")
		}
	case "AveragePool":
		if p := ints(nd.Attrs["pads"], 0, 0, 0, 0); slices.Max(p) > 0 || (autoPadOf(nd) != "NOTSET" && autoPadOf(nd) != "VALID") {
			return bad("padding not supported (only VALID average pooling)")
		}
	case "MaxPool":
		if extraOutputs {
			return bad("the Indices output is not supported")
		}
	case "BatchNormalization":
		if isNot("training_mode", 0) {
			return bad("training_mode=1 not supported (inference with the running statistics only)")
		}
		if extraOutputs {
			return bad("training outputs (running mean/var) not supported")
		}
		if len(nd.Inputs) != 5 {
			return bad("%d inputs, want 5 (X, scale, B, mean, var)", len(nd.Inputs))
		}
	}
	return nil
}
