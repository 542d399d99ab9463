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

// The depthwise convolution equals an ordinary one whose kernel is zero
// between different channels (host loops of hostConv on that kernel).
func TestDepthwiseConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		name    string
		c, h, w int
		k, s    int
		p       pads
		autoPad string
	}{
		{"3x3 stride 1 SAME_UPPER", 4, 6, 5, 3, 1, pads{1, 1, 1, 1}, "SAME_UPPER"},
		{"3x3 stride 2 SAME_UPPER, even size", 3, 8, 6, 3, 2, pads{0, 0, 1, 1}, "SAME_UPPER"},
		{"3x3 stride 2 SAME_UPPER, odd size", 2, 7, 7, 3, 2, pads{1, 1, 1, 1}, "SAME_UPPER"},
		{"5x5 stride 1 pads 2", 3, 6, 6, 5, 1, pads{2, 2, 2, 2}, ""},
	}
	for _, tc := range cases {
		x, xf := randomImage(rng, 2, tc.c, tc.h, tc.w)
		ws := &weights{rng, map[string]*modelfile.Tensor{}}
		w := ws.add("W", -1, 1, int64(tc.c), 1, int64(tc.k), int64(tc.k))
		b := ws.add("B", -1, 1, int64(tc.c))
		full := make([]float64, tc.c*tc.c*tc.k*tc.k)
		for c := range tc.c {
			copy(full[(c*tc.c+c)*tc.k*tc.k:], w[c*tc.k*tc.k:(c+1)*tc.k*tc.k])
		}
		a := attrs("kernel_shape", []int64{int64(tc.k), int64(tc.k)}, "strides", []int64{int64(tc.s), int64(tc.s)}, "group", int64(tc.c))
		if tc.autoPad != "" {
			a["auto_pad"] = &modelfile.Attribute{Name: "auto_pad", String: tc.autoPad}
		} else {
			a["pads"] = &modelfile.Attribute{Name: "pads", Ints: []int64{int64(tc.p[0]), int64(tc.p[1]), int64(tc.p[2]), int64(tc.p[3])}}
		}
		want := hostConv(x, full, tc.c, tc.k, tc.s, tc.p, b)
		runNodes(t, tc.name, []*modelfile.Op{{Name: "dw", OpType: "Conv", Inputs: []string{"X", "W", "B"}, Outputs: []string{"Y"}, Attrs: a}},
			ws.init, xf, []int{2, tc.c, tc.h, tc.w}, want.v, 1e-5)
	}
	// A grouped convolution that is not depthwise is refused with the node's name.
	_, xf := randomImage(rng, 1, 4, 5, 5)
	ws := &weights{rng, map[string]*modelfile.Tensor{}}
	ws.add("W", -1, 1, 4, 2, 3, 3)
	m := &modelfile.Model{Nodes: []*modelfile.Op{{Name: "grouped", OpType: "Conv", Inputs: []string{"X", "W"}, Outputs: []string{"Y"}, Attrs: attrs("group", int64(2))}},
		Initializers: ws.init, Inputs: []modelfile.ValueInfo{{Name: "X", Dims: []int64{-1, 4, 5, 5}}}, Outputs: []modelfile.ValueInfo{{Name: "Y"}}}
	net, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	_, err = net.Run(backend.Must(), tensors.FromFlatDataAndDimensions(xf, 1, 4, 5, 5), "")
	if err == nil || !strings.Contains(err.Error(), "grouped") || !strings.Contains(err.Error(), "depthwise") {
		t.Errorf("group=2 of 4 channels: error %v, want one naming the node and saying only depthwise works", err)
	}
}

func hostAveragePool(x *img, k, s int) *img {
	oh, ow := (x.h-k)/s+1, (x.w-k)/s+1
	y := newImg(x.b, x.c, oh, ow)
	for n := range x.b {
		for c := range x.c {
			for i := range oh {
				for j := range ow {
					sum := 0.0
					for di := range k {
						for dj := range k {
							sum += x.at(n, c, i*s+di, j*s+dj)
						}
					}
					y.set(n, c, i, j, sum/float64(k*k))
				}
			}
		}
	}
	return y
}

func TestAveragePoolWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		name string
		k, s int
		h, w int
	}{
		{"2x2 stride 2", 2, 2, 6, 7},
		{"3x3 stride 1", 3, 1, 5, 6},
		{"3x3 stride 2", 3, 2, 7, 8},
	} {
		x, xf := randomImage(rng, 2, 3, tc.h, tc.w)
		a := attrs("kernel_shape", []int64{int64(tc.k), int64(tc.k)}, "strides", []int64{int64(tc.s), int64(tc.s)})
		runNodes(t, tc.name, []*modelfile.Op{{Name: "avg", OpType: "AveragePool", Inputs: []string{"X"}, Outputs: []string{"Y"}, Attrs: a}},
			nil, xf, []int{2, 3, tc.h, tc.w}, hostAveragePool(x, tc.k, tc.s).v, 1e-6)
	}
}

// Clip (ReLU6), Transpose to NHWC, Flatten and Softmax in one chain.
func TestClipTransposeSoftmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x, xf := randomImage(rng, 2, 3, 2, 2)
	for i := range xf { // spread the values over both clipping points
		xf[i] *= 5
		x.v[i] = float64(xf[i])
	}
	var want []float64
	for n := range 2 {
		row := make([]float64, 0, 12)
		for i := range 2 { // NHWC order
			for j := range 2 {
				for c := range 3 {
					row = append(row, math.Min(math.Max(x.at(n, c, i, j), 0), 6))
				}
			}
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(v)
		}
		for _, v := range row {
			want = append(want, math.Exp(v)/sum)
		}
	}
	nodes := []*modelfile.Op{
		{Name: "relu6", OpType: "Clip", Inputs: []string{"X"}, Outputs: []string{"C"}, Attrs: attrs("min", float32(0), "max", float32(6))},
		{Name: "nhwc", OpType: "Transpose", Inputs: []string{"C"}, Outputs: []string{"T"}, Attrs: attrs("perm", []int64{0, 2, 3, 1})},
		{Name: "flat", OpType: "Flatten", Inputs: []string{"T"}, Outputs: []string{"F"}, Attrs: attrs()},
		{Name: "softmax", OpType: "Softmax", Inputs: []string{"F"}, Outputs: []string{"Y"}, Attrs: attrs("axis", int64(-1))},
	}
	runNodes(t, "clip, transpose, flatten, softmax", nodes, nil, xf, []int{2, 3, 2, 2}, want, 1e-6)
}
