package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/num"
)

func randTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(num.Normals(rng, dims...), dims...)
}

func maxDiff(t *testing.T, a, b *tensors.Tensor) float64 {
	t.Helper()
	if !a.Shape().Equal(b.Shape()) {
		t.Fatalf("shapes differ: %s vs %s", a.Shape(), b.Shape())
	}
	x, y := tensors.MustCopyFlatData[float32](a), tensors.MustCopyFlatData[float32](b)
	m := 0.0
	for i := range x {
		m = math.Max(m, math.Abs(float64(x[i]-y[i])))
	}
	return m
}

// The reference is GoMLX's own convolution (direct loops, its own gradient
// rules); the loss sum(y * r) with a random r makes the gradient test see
// every output element.
func TestConv2DMatchesBuiltinForwardAndGradient(t *testing.T) {
	b := backend.Must()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ batch, h, w, c, o, k, p int }{
		{2, 7, 6, 3, 5, 3, 2}, // the lesson's kernel 3, padding 2, odd sizes
		{1, 5, 5, 2, 4, 3, 0},
		{3, 4, 6, 1, 2, 5, 1},
		{2, 3, 3, 4, 3, 1, 0},
		{1, 4, 5, 2, 3, 3, 3}, // padding > k-1: the adjoint crops dy instead of padding it
	} {
		x := randTensor(rng, tc.batch, tc.h, tc.w, tc.c)
		kern := randTensor(rng, tc.k, tc.k, tc.c, tc.o)
		ho, wo := tc.h+2*tc.p-tc.k+1, tc.w+2*tc.p-tc.k+1
		r := randTensor(rng, tc.batch, ho, wo, tc.o)
		build := func(mine bool) *Exec {
			return MustNewExec(b, func(x, k, r *Node) []*Node {
				var y *Node
				if mine {
					y = Conv2D(x, k, tc.p)
				} else {
					// GoMLX cannot differentiate a convolution padded by more than
					// k-1; the extra padding is then an explicit Pad.
					p, xp := min(tc.p, tc.k-1), x
					if e := tc.p - p; e > 0 {
						xp = Pad(x, ScalarZero(x.Graph(), x.DType()), compute.PadAxis{}, compute.PadAxis{Start: e, End: e}, compute.PadAxis{Start: e, End: e}, compute.PadAxis{})
					}
					y = Convolve(xp, k).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
				}
				l := ReduceAllSum(Mul(y, r))
				g := Gradient(l, x, k)
				return []*Node{y, g[0], g[1]}
			})
		}
		got := build(true).MustExec(x, kern, r)
		want := build(false).MustExec(x, kern, r)
		for i, name := range []string{"output", "d/dx", "d/dkernel"} {
			if d := maxDiff(t, got[i], want[i]); d > 1e-4 {
				t.Errorf("%+v: %s differs from the built-in convolution by %g", tc, name, d)
			}
		}
	}
}

func TestMaxPool2MatchesBuiltin(t *testing.T) {
	b := backend.Must()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, dims := range [][]int{{2, 6, 4, 3}, {1, 7, 5, 2}} {
		x := randTensor(rng, dims...)
		r := randTensor(rng, dims[0], dims[1]/2, dims[2]/2, dims[3])
		build := func(mine bool) *Exec {
			return MustNewExec(b, func(x, r *Node) []*Node {
				var y *Node
				if mine {
					y = MaxPool2(x)
				} else {
					y = MaxPool(x).Window(2).Done()
				}
				return []*Node{y, Gradient(ReduceAllSum(Mul(y, r)), x)[0]}
			})
		}
		got := build(true).MustExec(x, r)
		want := build(false).MustExec(x, r)
		if d := maxDiff(t, got[0], want[0]); d != 0 {
			t.Errorf("%v: max pool output differs by %g", dims, d)
		}
		if d := maxDiff(t, got[1], want[1]); d > 1e-6 {
			t.Errorf("%v: max pool gradient differs by %g", dims, d)
		}
	}
}

// A hand-computed case: a 3x3 image 1..9, the kernel that sums its 2x2
// window, no padding: [[1+2+4+5, 2+3+5+6], [4+5+7+8, 5+6+8+9]].
func TestConv2DHandExample(t *testing.T) {
	b := backend.Must()
	x := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1)
	k := tensors.FromFlatDataAndDimensions([]float32{1, 1, 1, 1}, 2, 2, 1, 1)
	y := MustExecOnce(b, func(x, k *Node) *Node { return Conv2D(x, k, 0) }, x, k)
	want := []float32{12, 16, 24, 28}
	got := tensors.MustCopyFlatData[float32](y)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// Relu against max(x, 0) and its derivative 1[x > 0], by hand.
func TestRelu(t *testing.T) {
	b := backend.Must()
	x := tensors.FromFlatDataAndDimensions([]float32{-2, -0.5, 0.25, 3}, 4)
	out := MustExecOnceN(b, func(x *Node) []*Node {
		y := Relu(x)
		return []*Node{y, Gradient(ReduceAllSum(Mul(y, x)), x)[0]} // d/dx (x*relu(x)) = 2x for x > 0, 0 otherwise
	}, x)
	y, g := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
	wantY, wantG := []float32{0, 0, 0.25, 3}, []float32{0, 0, 0.5, 6}
	for i := range wantY {
		if y[i] != wantY[i] || g[i] != wantG[i] {
			t.Fatalf("relu %v grad %v, want %v and %v", y, g, wantY, wantG)
		}
	}
}

// Pooling before the ReLU gives the same network as the lesson's order.
func TestPoolReluCommute(t *testing.T) {
	b := backend.Must()
	rng := rand.New(rand.NewPCG(7, 7))
	x := randTensor(rng, 2, 6, 6, 3)
	out := MustExecOnceN(b, func(x *Node) []*Node {
		return []*Node{Relu(MaxPool2(x)), MaxPool2(Relu(x))}
	}, x)
	if d := maxDiff(t, out[0], out[1]); d != 0 {
		t.Fatalf("pool(relu) and relu(pool) differ by %g", d)
	}
}

// MatProduct's stated gradient against GoMLX's automatic gradient of MatMul,
// with the product used twice in the loss (the gradients must add up).
func TestMatProductGradient(t *testing.T) {
	b := backend.Must()
	rng := rand.New(rand.NewPCG(8, 9))
	a, c, r := randTensor(rng, 5, 7), randTensor(rng, 7, 3), randTensor(rng, 5, 3)
	build := func(mine bool) *Exec {
		return MustNewExec(b, func(a, c, r *Node) []*Node {
			prod := MatMul
			if mine {
				prod = MatProduct
			}
			y := prod(a, c)
			l := Add(ReduceAllSum(Mul(y, r)), ReduceAllSum(Square(y)))
			g := Gradient(l, a, c)
			return []*Node{y, g[0], g[1]}
		})
	}
	got, want := build(true).MustExec(a, c, r), build(false).MustExec(a, c, r)
	for i, name := range []string{"output", "d/da", "d/db"} {
		if d := maxDiff(t, got[i], want[i]); d > 1e-4 {
			t.Errorf("%s differs from MatMul's by %g", name, d)
		}
	}
}

// The ConvNet's feature stack (channel-first convolutions, pooling, ReLU,
// flatten in PyTorch's order) against the same stack of GoMLX's built-in
// Convolve, MaxPool and Max(x, 0) in channels-last layout: output and the
// gradients with respect to the image and both kernels.
func TestConvNetFeaturesMatchBuiltin(t *testing.T) {
	b := backend.Must()
	rng := rand.New(rand.NewPCG(10, 11))
	x := randTensor(rng, 2, 9, 8, 3)
	k1, k2 := randTensor(rng, 3, 3, 3, 4), randTensor(rng, 3, 3, 4, 5)
	build := func(mine bool) *Exec {
		return MustNewExec(b, func(x, k1, k2 *Node) []*Node {
			var f *Node
			if mine {
				h := Relu(maxPool2(convCF(ToCF(x), Reshape(k1, 27, 4), 3, 2), 2))
				h = Relu(maxPool2(convCF(h, Reshape(k2, 36, 5), 3, 2), 2))
				f = Reshape(TransposeAllAxes(h, 1, 0, 2, 3), 2, -1)
			} else {
				block := func(x, k *Node) *Node {
					y := Convolve(x, k).PaddingPerDim([][2]int{{2, 2}, {2, 2}}).Done()
					return MaxPool(Max(y, ZerosLike(y))).Window(2).Done()
				}
				h := block(block(x, k1), k2)
				f = Reshape(TransposeAllAxes(h, 0, 3, 1, 2), 2, -1)
			}
			r := IotaFull(x.Graph(), f.Shape())
			g := Gradient(ReduceAllSum(Mul(f, Cos(r))), x, k1, k2)
			return []*Node{f, g[0], g[1], g[2]}
		})
	}
	got, want := build(true).MustExec(x, k1, k2), build(false).MustExec(x, k1, k2)
	for i, name := range []string{"features", "d/dx", "d/dk1", "d/dk2"} {
		if d := maxDiff(t, got[i], want[i]); d > 1e-3 {
			t.Errorf("%s differs from the built-in stack by %g", name, d)
		}
	}
}
