package modelfile_test

import (
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/transfer/modelfile"
	"github.com/physnb/physnb/lib/transfer/netgraph"
)

// quantRef runs a uint8 TFLite model the way TFLite's integer kernels do:
// 32-bit accumulation of (q_x - z_x)(q_w - z_w) plus the int32 bias, then
// requantization to the output's scale and zero point, rounding and clamping
// to the fused activation's range. It is an independent reference for the
// float network [ReadTFLite] builds (which dequantizes the weights once and
// never rounds the activations). The only liberty taken: the requantization
// multiplier is applied in float64 instead of TFLite's fixed point, which
// can move a result by one step.
type quantRef struct {
	m    *modelfile.TFLModel
	vals map[int][]uint8 // NHWC activations by tensor index
}

func (r *quantRef) tensor(i int) *modelfile.TFLTensor { return &r.m.Tensors[i] }

// run feeds img (the input's NHWC uint8 values) and returns the real values
// of the tensor named upTo (the input of the final softmax when "").
func (r *quantRef) run(t *testing.T, img []uint8, upTo int) []float64 {
	r.vals = map[int][]uint8{r.m.Inputs[0]: img}
	for _, op := range r.m.Ops {
		out := r.tensor(op.Outputs[0])
		switch op.Code {
		case modelfile.TFLConv2D, modelfile.TFLDepthwiseConv2D:
			r.vals[op.Outputs[0]] = r.conv(op)
		case modelfile.TFLAveragePool2D:
			r.vals[op.Outputs[0]] = r.avgPool(op)
		case modelfile.TFLAdd:
			r.vals[op.Outputs[0]] = r.add(op)
		case modelfile.TFLReshape:
			r.vals[op.Outputs[0]] = r.vals[op.Inputs[0]]
		case modelfile.TFLSoftmax:
			continue
		default:
			t.Fatalf("reference: operator %d not implemented", op.Code)
		}
		if len(r.vals[op.Outputs[0]]) != modelfile.TensorSize(out) {
			t.Fatalf("reference: %s has %d values, want %d", out.Name, len(r.vals[op.Outputs[0]]), modelfile.TensorSize(out))
		}
		if op.Outputs[0] == upTo {
			break
		}
	}
	q := r.vals[upTo]
	tt := r.tensor(upTo)
	f := make([]float64, len(q))
	for i, v := range q {
		f[i] = float64(tt.Scale[0]) * (float64(v) - float64(tt.Zero[0]))
	}
	return f
}

// actRange is the uint8 range a fused activation leaves.
func actRange(act uint8, out *modelfile.TFLTensor) (int, int) {
	z, s := int(out.Zero[0]), float64(out.Scale[0])
	switch act {
	case modelfile.TFLActRelu:
		return max(0, z), 255
	case modelfile.TFLActRelu6:
		return max(0, z), min(255, z+int(math.Round(6/s)))
	}
	return 0, 255
}

func requant(acc float64, mult float64, zero, lo, hi int) uint8 {
	v := int(math.Round(acc*mult)) + zero
	return uint8(min(max(v, lo), hi))
}

// samePad is the padding before the image of TFLite's SAME (the odd one after).
func samePad(padding uint8, in, k, s int) (out, before int) {
	if padding == modelfile.TFLValid {
		return (in-k)/s + 1, 0
	}
	out = (in + s - 1) / s
	return out, max((out-1)*s+k-in, 0) / 2
}

func (r *quantRef) conv(op modelfile.TFLOp) []uint8 {
	x, w, out := r.tensor(op.Inputs[0]), r.tensor(op.Inputs[1]), r.tensor(op.Outputs[0])
	xv, wv := r.vals[op.Inputs[0]], w.Data
	bias := r.tensor(op.Inputs[2])
	H, W, C := x.Shape[1], x.Shape[2], x.Shape[3]
	kh, kw := w.Shape[1], w.Shape[2]
	oh, top := samePad(op.Padding, H, kh, op.StrideH)
	ow, left := samePad(op.Padding, W, kw, op.StrideW)
	O := out.Shape[3]
	zx, zw := int32(x.Zero[0]), int32(w.Zero[0])
	mult := float64(x.Scale[0]) * float64(w.Scale[0]) / float64(out.Scale[0])
	lo, hi := actRange(op.Activation, out)
	res := make([]uint8, oh*ow*O)
	depthwise := op.Code == modelfile.TFLDepthwiseConv2D
	for oy := range oh {
		for ox := range ow {
			for oc := range O {
				acc := int32(modelfile.LE32(bias.Data[4*oc:]))
				for ky := range kh {
					iy := oy*op.StrideH + ky - top
					if iy < 0 || iy >= H {
						continue
					}
					for kx := range kw {
						ix := ox*op.StrideW + kx - left
						if ix < 0 || ix >= W {
							continue
						}
						px := xv[(iy*W+ix)*C:]
						if depthwise { // kernel [1, kh, kw, C]
							acc += (int32(px[oc]) - zx) * (int32(wv[(ky*kw+kx)*O+oc]) - zw)
							continue
						}
						wk := wv[((oc*kh+ky)*kw+kx)*C:] // kernel [O, kh, kw, C]
						for ic := range C {
							acc += (int32(px[ic]) - zx) * (int32(wk[ic]) - zw)
						}
					}
				}
				res[(oy*ow+ox)*O+oc] = requant(float64(acc), mult, int(out.Zero[0]), lo, hi)
			}
		}
	}
	return res
}

func (r *quantRef) avgPool(op modelfile.TFLOp) []uint8 {
	x, out := r.tensor(op.Inputs[0]), r.tensor(op.Outputs[0])
	xv := r.vals[op.Inputs[0]]
	H, W, C := x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow := (H-op.FilterH)/op.StrideH+1, (W-op.FilterW)/op.StrideW+1
	res := make([]uint8, oh*ow*C)
	n := op.FilterH * op.FilterW
	for oy := range oh {
		for ox := range ow {
			for c := range C {
				sum := 0
				for ky := range op.FilterH {
					for kx := range op.FilterW {
						sum += int(xv[((oy*op.StrideH+ky)*W+ox*op.StrideW+kx)*C+c])
					}
				}
				// Same scale in and out: the rounded mean of the levels.
				res[(oy*ow+ox)*C+c] = uint8((sum + n/2) / n)
			}
		}
	}
	_ = out
	return res
}

func (r *quantRef) add(op modelfile.TFLOp) []uint8 {
	a, b, out := r.tensor(op.Inputs[0]), r.tensor(op.Inputs[1]), r.tensor(op.Outputs[0])
	av, bv := r.vals[op.Inputs[0]], r.vals[op.Inputs[1]]
	lo, hi := actRange(op.Activation, out)
	res := make([]uint8, len(av))
	for i := range av {
		real := float64(a.Scale[0])*(float64(av[i])-float64(a.Zero[0])) + float64(b.Scale[0])*(float64(bv[i])-float64(b.Zero[0]))
		res[i] = requant(real, 1/float64(out.Scale[0]), int(out.Zero[0]), lo, hi)
	}
	return res
}

// cifarAt resizes the first n CIFAR-10 sample images (NCHW) to size x size
// NHWC uint8, by bilinear interpolation with edge clamping.
func cifarAt(t *testing.T, n, size int) ([][]uint8, []string) {
	im, err := data.CIFAR10Sample()
	if err != nil {
		t.Skip(err)
	}
	var out [][]uint8
	var classes []string
	for k := range n {
		src := im.Image(k)
		dst := make([]uint8, size*size*3)
		scale := float64(im.Height) / float64(size)
		for y := range size {
			for x := range size {
				fy := math.Max((float64(y)+0.5)*scale-0.5, 0)
				fx := math.Max((float64(x)+0.5)*scale-0.5, 0)
				y0, x0 := min(int(fy), im.Height-1), min(int(fx), im.Width-1)
				y1, x1 := min(y0+1, im.Height-1), min(x0+1, im.Width-1)
				dy, dx := fy-float64(y0), fx-float64(x0)
				for c := range 3 {
					p := func(yy, xx int) float64 { return float64(src[(c*im.Height+yy)*im.Width+xx]) }
					v := (1-dy)*((1-dx)*p(y0, x0)+dx*p(y0, x1)) + dy*((1-dx)*p(y1, x0)+dx*p(y1, x1))
					dst[(y*size+x)*3+c] = uint8(math.Round(v))
				}
			}
		}
		out = append(out, dst)
		classes = append(classes, im.Class(k))
	}
	return out, classes
}

// tfliteBytes reads a TFLite file of the data layer (the test is skipped
// without it).
func tfliteBytes(t *testing.T, name string) []byte {
	p, err := data.Path(name)
	if err != nil {
		t.Skip(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadTFLite(t *testing.T, name string) (*modelfile.TFLModel, *netgraph.Network, string) {
	b := tfliteBytes(t, name)
	p := data.MustPath(name)
	tm, err := modelfile.DecodeTFLite(b)
	if err != nil {
		t.Fatal(err)
	}
	m, err := modelfile.ReadTFLite(p)
	if err != nil {
		t.Fatal(err)
	}
	net, err := netgraph.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return tm, net, p
}

// TestMobileNetAgainstIntegerKernels compares the float network with the
// integer reference on CIFAR-10 images resized to the model's input: the
// logits (the input of the softmax) must agree to within the 8-bit
// quantization noise, and the top class must mostly be the same.
func TestMobileNetAgainstIntegerKernels(t *testing.T) {
	for _, c := range []struct {
		name       string
		images     int
		minCorr    float64
		minTopSame int
	}{
		{data.MobileNetV1, 8, 0.97, 6},
		{data.MobileNetV2, 3, 0.97, 2},
	} {
		if testing.Short() && c.name == data.MobileNetV2 {
			continue
		}
		tm, net, _ := loadTFLite(t, c.name)
		in := tm.Tensors[tm.Inputs[0]]
		size := in.Shape[1]
		logits := -1
		for _, op := range tm.Ops {
			if op.Code == modelfile.TFLSoftmax {
				logits = op.Inputs[0]
			}
		}
		imgs, classes := cifarAt(t, c.images, size)
		ref := &quantRef{m: tm}
		same := 0
		for k, img := range imgs {
			want := ref.run(t, img, logits)
			// The float network takes real values scale (q - zero), NCHW.
			x := make([]float32, len(img))
			for y := range size {
				for xx := range size {
					for ch := range 3 {
						x[(ch*size+y)*size+xx] = in.Scale[0] * (float32(img[(y*size+xx)*3+ch]) - float32(in.Zero[0]))
					}
				}
			}
			out, err := net.Run(backend.Must(), tensors.FromFlatDataAndDimensions(x, 1, 3, size, size), net.Model.Nodes[len(net.Model.Nodes)-1].Inputs[0])
			if err != nil {
				t.Fatal(err)
			}
			got := tensors.MustCopyFlatData[float32](out)
			if len(got) != len(want) {
				t.Fatalf("%s: %d logits, reference %d", c.name, len(got), len(want))
			}
			corr := correlation(got, want)
			gi, wi := argmax(got), argmax(want)
			if gi == wi {
				same++
			}
			t.Logf("%s image %d (%s): logit correlation %.4f, top class %d vs reference %d", c.name, k, classes[k], corr, gi, wi)
			if corr < c.minCorr {
				t.Errorf("%s image %d: logits correlate %.4f with the integer reference, want >= %.2f", c.name, k, corr, c.minCorr)
			}
		}
		if same < c.minTopSame {
			t.Errorf("%s: top class agrees on %d of %d images, want >= %d", c.name, same, len(imgs), c.minTopSame)
		}
	}
}

func correlation(a []float32, b []float64) float64 {
	n := float64(len(a))
	var sa, sb, saa, sbb, sab float64
	for i := range a {
		x, y := float64(a[i]), b[i]
		sa += x
		sb += y
		saa += x * x
		sbb += y * y
		sab += x * y
	}
	cov := sab/n - sa/n*sb/n
	return cov / math.Sqrt((saa/n-sa*sa/n/n)*(sbb/n-sb*sb/n/n))
}

func TestReadTFLiteErrors(t *testing.T) {
	b := tfliteBytes(t, data.MobileNetV1)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"not tflite", []byte("hello, world"), "not a TFLite file"},
		{"truncated", b[:len(b)/3], "malformed"},
		{"empty", nil, "not a TFLite file"},
	} {
		if _, err := modelfile.DecodeTFLite(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := modelfile.ReadTFLite("/nonexistent/model.tflite"); err == nil || !strings.Contains(err.Error(), "model.tflite") {
		t.Errorf("missing file: error %v should name the file", err)
	}
	// An unsupported operator is named.
	tm, err := modelfile.DecodeTFLite(b)
	if err != nil {
		t.Fatal(err)
	}
	tm.Ops = slices.Clone(tm.Ops)
	tm.Ops[3].Code = 2 // CONCATENATION
	if _, err := modelfile.Convert(tm); err == nil || !strings.Contains(err.Error(), "builtin code 2") {
		t.Errorf("unsupported operator: error %v", err)
	}
}

// A quantized input's scale and zero point become the standardisation of
// pixels in [0, 1]: uint8 q = 255 x, int8 q = 255 x - 128, both mapping the
// MobileNets' pixels to [-1, 1).
func TestTFLiteInputStandardisation(t *testing.T) {
	b := tfliteBytes(t, data.MobileNetV1)
	for _, c := range []struct {
		typ  uint8
		zero int64
	}{{modelfile.TFLUint8, 128}, {modelfile.TFLInt8, 0}} {
		tm, err := modelfile.DecodeTFLite(b)
		if err != nil {
			t.Fatal(err)
		}
		in := &tm.Tensors[tm.Inputs[0]]
		in.Type, in.Zero, in.Scale = c.typ, []int64{c.zero}, []float32{1.0 / 128}
		m, err := modelfile.Convert(tm)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []float64{0, 1} { // pixel 0 -> -1, pixel 255 -> 127/128
			real := (x - float64(m.InputMean[0])) / float64(m.InputStd[0])
			want := map[float64]float64{0: -1, 1: 127.0 / 128}[x]
			if math.Abs(real-want) > 1e-6 {
				t.Errorf("type %d, zero %d: pixel %g standardised to %g, want %g", c.typ, c.zero, x, real, want)
			}
		}
	}
}
