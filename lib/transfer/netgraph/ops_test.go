package netgraph

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/transfer/modelfile"
)

// Host references: each operator written as plain loops over NCHW arrays
// straight from the ONNX operator definitions, in float64.

// img is an NCHW array.
type img struct {
	b, c, h, w int
	v          []float64
}

func newImg(b, c, h, w int) *img { return &img{b, c, h, w, make([]float64, b*c*h*w)} }

func (x *img) at(n, c, i, j int) float64 { return x.v[((n*x.c+c)*x.h+i)*x.w+j] }
func (x *img) set(n, c, i, j int, f float64) {
	x.v[((n*x.c+c)*x.h+i)*x.w+j] = f
}

// pads are top, left, bottom, right, as ONNX orders them.
type pads [4]int

// inside returns x[n, c, i-top, j-left], or outside when (i, j) falls in the padding.
func (x *img) padded(n, c, i, j int, p pads, outside float64) float64 {
	i, j = i-p[0], j-p[1]
	if i < 0 || j < 0 || i >= x.h || j >= x.w {
		return outside
	}
	return x.at(n, c, i, j)
}

// hostConv: y[n,o,i,j] = bias[o] + sum_{c,di,dj} w[o,c,di,dj] xpad[n,c,i*sh+di,j*sw+dj],
// with sw = s and sh = s unless strides gives them.
func hostConv(x *img, w []float64, o, k, s int, p pads, bias []float64, strides ...int) *img {
	sh, sw := s, s
	if len(strides) == 2 {
		sh, sw = strides[0], strides[1]
	}
	oh, ow := (x.h+p[0]+p[2]-k)/sh+1, (x.w+p[1]+p[3]-k)/sw+1
	y := newImg(x.b, o, oh, ow)
	for n := 0; n < x.b; n++ {
		for f := 0; f < o; f++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					sum := 0.0
					if bias != nil {
						sum = bias[f]
					}
					for c := 0; c < x.c; c++ {
						for di := 0; di < k; di++ {
							for dj := 0; dj < k; dj++ {
								sum += w[((f*x.c+c)*k+di)*k+dj] * x.padded(n, c, i*sh+di, j*sw+dj, p, 0)
							}
						}
					}
					y.set(n, f, i, j, sum)
				}
			}
		}
	}
	return y
}

// hostMaxPool: the maximum over each k x k window, padding never chosen.
func hostMaxPool(x *img, k, s int, p pads) *img {
	oh, ow := (x.h+p[0]+p[2]-k)/s+1, (x.w+p[1]+p[3]-k)/s+1
	y := newImg(x.b, x.c, oh, ow)
	for n := 0; n < x.b; n++ {
		for c := 0; c < x.c; c++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					m := math.Inf(-1)
					for di := 0; di < k; di++ {
						for dj := 0; dj < k; dj++ {
							m = math.Max(m, x.padded(n, c, i*s+di, j*s+dj, p, math.Inf(-1)))
						}
					}
					y.set(n, c, i, j, m)
				}
			}
		}
	}
	return y
}

func hostBatchNorm(x *img, scale, bias, mean, variance []float64, eps float64) *img {
	y := newImg(x.b, x.c, x.h, x.w)
	for n := 0; n < x.b; n++ {
		for c := 0; c < x.c; c++ {
			for i := 0; i < x.h; i++ {
				for j := 0; j < x.w; j++ {
					y.set(n, c, i, j, scale[c]*(x.at(n, c, i, j)-mean[c])/math.Sqrt(variance[c]+eps)+bias[c])
				}
			}
		}
	}
	return y
}

// hostGlobalAverage returns [B, C] (the [B, C, 1, 1] output flattened).
func hostGlobalAverage(x *img) []float64 {
	out := make([]float64, x.b*x.c)
	for n := 0; n < x.b; n++ {
		for c := 0; c < x.c; c++ {
			for i := 0; i < x.h; i++ {
				for j := 0; j < x.w; j++ {
					out[n*x.c+c] += x.at(n, c, i, j) / float64(x.h*x.w)
				}
			}
		}
	}
	return out
}

// hostGemmTransB: y[n, o] = sum_i a[n, i] w[o, i] + bias[o] (Gemm with transB = 1).
func hostGemmTransB(a []float64, rows, in int, w []float64, out int, bias []float64) []float64 {
	y := make([]float64, rows*out)
	for n := 0; n < rows; n++ {
		for o := 0; o < out; o++ {
			y[n*out+o] = bias[o]
			for i := 0; i < in; i++ {
				y[n*out+o] += a[n*in+i] * w[o*in+i]
			}
		}
	}
	return y
}

func hostRelu(x *img) *img {
	y := newImg(x.b, x.c, x.h, x.w)
	for i, v := range x.v {
		y.v[i] = math.Max(v, 0)
	}
	return y
}

func hostAdd(a, b *img) *img {
	y := newImg(a.b, a.c, a.h, a.w)
	for i := range a.v {
		y.v[i] = a.v[i] + b.v[i]
	}
	return y
}

// weights draws random float32 values (the precision of the file) and
// returns them both as the ONNX tensor and as float64 for the host.
type weights struct {
	rng  *rand.Rand
	init map[string]*modelfile.Tensor
}

func (ws *weights) add(name string, lo, hi float64, dims ...int64) []float64 {
	t := &modelfile.Tensor{Name: name, Dims: dims, DataType: modelfile.TypeFloat}
	t.Float = make([]float32, t.Size())
	h := make([]float64, t.Size())
	for i := range t.Float {
		t.Float[i] = float32(lo + (hi-lo)*ws.rng.Float64())
		h[i] = float64(t.Float[i])
	}
	ws.init[name] = t
	return h
}

func randomImage(rng *rand.Rand, b, c, h, w int) (*img, []float32) {
	x := newImg(b, c, h, w)
	f := make([]float32, len(x.v))
	for i := range f {
		f[i] = float32(rng.NormFloat64())
		x.v[i] = float64(f[i])
	}
	return x, f
}

func attrs(kv ...any) map[string]*modelfile.Attribute {
	m := map[string]*modelfile.Attribute{}
	for i := 0; i < len(kv); i += 2 {
		name := kv[i].(string)
		a := &modelfile.Attribute{Name: name}
		switch v := kv[i+1].(type) {
		case []int64:
			a.Ints = v
		case int64:
			a.Int = v
		case float32:
			a.Float = v
		case string:
			a.String = v
		}
		m[name] = a
	}
	return m
}

// runNodes evaluates a model made of the given nodes (input "X", output the
// last node's) on x with the GoMLX network and compares with want.
func runNodes(t *testing.T, what string, nodes []*modelfile.Op, init map[string]*modelfile.Tensor, x []float32, dims []int, want []float64, tol float64) {
	t.Helper()
	m := &modelfile.Model{Nodes: nodes, Initializers: init,
		Inputs:  []modelfile.ValueInfo{{Name: "X", Dims: []int64{-1, int64(dims[1]), int64(dims[2]), int64(dims[3])}}},
		Outputs: []modelfile.ValueInfo{{Name: nodes[len(nodes)-1].Outputs[0]}}}
	net, err := New(m)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	out, err := net.Run(backend.Must(), tensors.FromFlatDataAndDimensions(x, dims...), "")
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got := tensors.MustCopyFlatData[float32](out)
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs (shape %s), host computes %d", what, len(got), out.Shape(), len(want))
	}
	worst := 0.0
	for i := range want {
		worst = math.Max(worst, math.Abs(float64(got[i])-want[i])/(1+math.Abs(want[i])))
	}
	if worst > tol {
		t.Errorf("%s: max relative difference %.3g from the host loops (tolerance %g)", what, worst, tol)
	}
}

func TestConvStridesAndPads(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name       string
		c, h, w    int
		o, k, s    int
		p          pads
		autoPad    string
		bias       bool
		wantOH, OW int
	}{
		{"3x3 stride 1 pad 1", 2, 5, 6, 3, 3, 1, pads{1, 1, 1, 1}, "", true, 5, 6},
		{"7x7 stride 2 pad 3 (ResNet stem)", 3, 11, 10, 4, 7, 2, pads{3, 3, 3, 3}, "", false, 6, 5},
		{"3x3 stride 2 pad 1", 3, 8, 7, 2, 3, 2, pads{1, 1, 1, 1}, "", false, 4, 4},
		{"1x1 stride 2 (downsample)", 4, 7, 8, 3, 1, 2, pads{}, "", false, 4, 4},
		{"3x3 asymmetric pads", 2, 5, 5, 2, 3, 1, pads{0, 1, 2, 0}, "", true, 5, 4},
		{"3x3 stride 3 no pad", 1, 9, 10, 2, 3, 3, pads{}, "", true, 3, 3},
		{"SAME_UPPER 4x4 stride 2", 2, 7, 6, 2, 4, 2, pads{1, 1, 2, 1}, "SAME_UPPER", false, 4, 3},
		{"3x3 strides 2, 1 (unequal)", 2, 7, 6, 3, 3, -2, pads{1, 1, 1, 1}, "", true, 4, 6},
	}
	for _, tc := range cases {
		x, xf := randomImage(rng, 2, tc.c, tc.h, tc.w)
		ws := &weights{rng, map[string]*modelfile.Tensor{}}
		w := ws.add("W", -1, 1, int64(tc.o), int64(tc.c), int64(tc.k), int64(tc.k))
		var b []float64
		inputs := []string{"X", "W"}
		if tc.bias {
			b = ws.add("B", -1, 1, int64(tc.o))
			inputs = append(inputs, "B")
		}
		sh, sw := tc.s, tc.s
		if tc.s < 0 { // strides -s, 1
			sh, sw = -tc.s, 1
		}
		a := attrs("kernel_shape", []int64{int64(tc.k), int64(tc.k)}, "strides", []int64{int64(sh), int64(sw)})
		if tc.autoPad != "" {
			a["auto_pad"] = &modelfile.Attribute{Name: "auto_pad", String: tc.autoPad}
		} else {
			a["pads"] = &modelfile.Attribute{Name: "pads", Ints: []int64{int64(tc.p[0]), int64(tc.p[1]), int64(tc.p[2]), int64(tc.p[3])}}
		}
		want := hostConv(x, w, tc.o, tc.k, sh, tc.p, b, sh, sw)
		if want.h != tc.wantOH || want.w != tc.OW {
			t.Fatalf("%s: host output %dx%d, ONNX's formula gives %dx%d", tc.name, want.h, want.w, tc.wantOH, tc.OW)
		}
		runNodes(t, tc.name, []*modelfile.Op{{Name: "conv", OpType: "Conv", Inputs: inputs, Outputs: []string{"Y"}, Attrs: a}},
			ws.init, xf, []int{2, tc.c, tc.h, tc.w}, want.v, 1e-5)
	}
}

func TestMaxPoolWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name string
		k, s int
		p    pads
		h, w int
	}{
		{"3x3 stride 2 pad 1 (ResNet)", 3, 2, pads{1, 1, 1, 1}, 8, 7},
		{"2x2 stride 2 (non-overlapping)", 2, 2, pads{}, 7, 6},
		{"3x3 stride 1 no pad", 3, 1, pads{}, 5, 6},
		{"2x2 stride 1 pads 0,1,1,0", 2, 1, pads{0, 1, 1, 0}, 4, 4},
	}
	for _, tc := range cases {
		x, xf := randomImage(rng, 2, 3, tc.h, tc.w)
		a := attrs("kernel_shape", []int64{int64(tc.k), int64(tc.k)}, "strides", []int64{int64(tc.s), int64(tc.s)},
			"pads", []int64{int64(tc.p[0]), int64(tc.p[1]), int64(tc.p[2]), int64(tc.p[3])})
		runNodes(t, tc.name, []*modelfile.Op{{Name: "pool", OpType: "MaxPool", Inputs: []string{"X"}, Outputs: []string{"Y"}, Attrs: a}},
			nil, xf, []int{2, 3, tc.h, tc.w}, hostMaxPool(x, tc.k, tc.s, tc.p).v, 0)
	}
}

func TestBatchNormalization(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x, xf := randomImage(rng, 2, 4, 3, 5)
	ws := &weights{rng, map[string]*modelfile.Tensor{}}
	scale, bias := ws.add("gamma", -2, 2, 4), ws.add("beta", -1, 1, 4)
	mean, variance := ws.add("mean", -1, 1, 4), ws.add("var", 0.1, 3, 4)
	// Default epsilon; MXNet's epsilon 2e-5 with the spatial=0 its exporter wrote
	// for per-channel parameters (read as per channel).
	for _, eps := range []float32{0, 2e-5} {
		a := map[string]*modelfile.Attribute{}
		want := hostBatchNorm(x, scale, bias, mean, variance, 1e-5) // ONNX's default epsilon
		if eps != 0 {
			a = attrs("epsilon", eps, "spatial", int64(0))
			want = hostBatchNorm(x, scale, bias, mean, variance, float64(eps))
		}
		runNodes(t, "BatchNormalization", []*modelfile.Op{{Name: "bn", OpType: "BatchNormalization",
			Inputs: []string{"X", "gamma", "beta", "mean", "var"}, Outputs: []string{"Y"}, Attrs: a}},
			ws.init, xf, []int{2, 4, 3, 5}, want.v, 1e-5)
	}
}

func TestGlobalAveragePoolFlattenGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x, xf := randomImage(rng, 3, 5, 4, 3)
	ws := &weights{rng, map[string]*modelfile.Tensor{}}
	w, b := ws.add("W", -1, 1, 6, 5), ws.add("C", -1, 1, 6) // Gemm weight [out, in], transB = 1
	nodes := []*modelfile.Op{
		{Name: "gap", OpType: "GlobalAveragePool", Inputs: []string{"X"}, Outputs: []string{"g"}, Attrs: map[string]*modelfile.Attribute{}},
		{Name: "flat", OpType: "Flatten", Inputs: []string{"g"}, Outputs: []string{"f"}, Attrs: attrs("axis", int64(1))},
		{Name: "fc", OpType: "Gemm", Inputs: []string{"f", "W", "C"}, Outputs: []string{"Y"}, Attrs: attrs("transB", int64(1))},
	}
	g := hostGlobalAverage(x)
	runNodes(t, "GlobalAveragePool", nodes[:1], ws.init, xf, []int{3, 5, 4, 3}, g, 1e-6)
	runNodes(t, "GlobalAveragePool+Flatten+Gemm(transB)", nodes, ws.init, xf, []int{3, 5, 4, 3}, hostGemmTransB(g, 3, 5, w, 6, b), 1e-5)
}

// A skip connection: Add of two values computed by the graph (a convolution
// and a ReLU of the input), not a weight.
func TestAddOfComputedValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x, xf := randomImage(rng, 2, 2, 4, 4)
	ws := &weights{rng, map[string]*modelfile.Tensor{}}
	w := ws.add("W", -1, 1, 2, 2, 3, 3)
	nodes := []*modelfile.Op{
		{Name: "conv", OpType: "Conv", Inputs: []string{"X", "W"}, Outputs: []string{"c"}, Attrs: attrs("kernel_shape", []int64{3, 3}, "pads", []int64{1, 1, 1, 1})},
		{Name: "relu", OpType: "Relu", Inputs: []string{"X"}, Outputs: []string{"r"}, Attrs: map[string]*modelfile.Attribute{}},
		{Name: "sum", OpType: "Add", Inputs: []string{"c", "r"}, Outputs: []string{"Y"}, Attrs: map[string]*modelfile.Attribute{}},
	}
	want := hostAdd(hostConv(x, w, 2, 3, 1, pads{1, 1, 1, 1}, nil), hostRelu(x))
	runNodes(t, "Add(conv, relu)", nodes, ws.init, xf, []int{2, 2, 4, 4}, want.v, 1e-5)
}

func TestUnsupportedAttributesAreNamed(t *testing.T) {
	for _, tc := range []struct {
		op   *modelfile.Op
		want string
	}{
		// group > 1 is checked against the kernel when the graph is built (TestDepthwiseConv).
		{&modelfile.Op{Name: "g", OpType: "Conv", Inputs: []string{"X", "W"}, Outputs: []string{"Y"}, Attrs: attrs("group", int64(0))}, "group"},
		{&modelfile.Op{Name: "a", OpType: "AveragePool", Inputs: []string{"X"}, Outputs: []string{"Y"}, Attrs: attrs("kernel_shape", []int64{2, 2}, "pads", []int64{1, 1, 1, 1})}, "padding"},
		{&modelfile.Op{Name: "c", OpType: "Clip", Inputs: []string{"X", "W1", "W1"}, Outputs: []string{"Y"}, Attrs: attrs()}, "opset 11"},
		{&modelfile.Op{Name: "d", OpType: "Conv", Inputs: []string{"X", "W"}, Outputs: []string{"Y"}, Attrs: attrs("dilations", []int64{2, 2})}, "dilations"},
		{&modelfile.Op{Name: "p", OpType: "MaxPool", Inputs: []string{"X"}, Outputs: []string{"Y"}, Attrs: attrs("kernel_shape", []int64{2, 2}, "ceil_mode", int64(1))}, "ceil_mode"},
		{&modelfile.Op{Name: "b", OpType: "BatchNormalization", Inputs: []string{"X", "W1", "W1", "W1", "W1"}, Outputs: []string{"Y"}, Attrs: attrs("training_mode", int64(1))}, "training_mode"},
	} {
		ws := &weights{rand.New(rand.NewPCG(1, 1)), map[string]*modelfile.Tensor{}}
		ws.add("W", 0.5, 1, 2, 2, 1, 1)
		ws.add("W1", 0.5, 1, 2)
		m := &modelfile.Model{Nodes: []*modelfile.Op{tc.op}, Initializers: ws.init, Inputs: []modelfile.ValueInfo{{Name: "X", Dims: []int64{1, 2, 4, 4}}}, Outputs: []modelfile.ValueInfo{{Name: "Y"}}}
		_, err := New(m)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.op.Name) {
			t.Errorf("%s %q with %s: error %v, want one naming both", tc.op.OpType, tc.op.Name, tc.want, err)
		}
	}
}
