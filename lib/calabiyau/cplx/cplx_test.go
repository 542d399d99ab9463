package cplx

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
)

func randC(r *rand.Rand, n int) []complex128 {
	z := make([]complex128, n)
	for i := range z {
		z[i] = complex(r.NormFloat64(), r.NormFloat64())
	}
	return z
}

func maxDiff(a, b []complex128) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, cmplx.Abs(a[i]-b[i]))
	}
	return d
}

// The graph arithmetic must agree with Go's complex128 arithmetic (the reference).
func TestGraphArithmeticMatchesComplex128(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 6
	a, b := randC(r, n), randC(r, n)
	ar, ai := MustToTensors(a, n)
	br, bi := MustToTensors(b, n)
	outs := graph.MustExecOnceN(backend.Must(), func(ar, ai, br, bi *graph.Node) []*graph.Node {
		x, y := New(ar, ai), New(br, bi)
		p := Mul(x, y)
		s := Sub(Add(x, y), Conj(y))
		return []*graph.Node{p.Re, p.Im, s.Re, s.Im, Abs2(x)}
	}, ar, ai, br, bi)
	p, _ := FromTensors(outs[0], outs[1])
	s, _ := FromTensors(outs[2], outs[3])
	abs2 := tensors.MustCopyFlatData[float64](outs[4])
	wantP, wantS := make([]complex128, n), make([]complex128, n)
	for i := range a {
		wantP[i] = a[i] * b[i]
		wantS[i] = a[i] + b[i] - cmplx.Conj(b[i])
		if d := math.Abs(abs2[i] - real(a[i]*cmplx.Conj(a[i]))); d > 1e-12 {
			t.Errorf("Abs2[%d] off by %g", i, d)
		}
	}
	if d := maxDiff(p, wantP); d > 1e-12 {
		t.Errorf("Mul differs from complex128 product by %g", d)
	}
	if d := maxDiff(s, wantS); d > 1e-12 {
		t.Errorf("Add/Sub/Conj differ by %g", d)
	}
}

// A complex Einsum (batched matrix product) against explicit loops.
func TestEinsumMatchesLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const B, N, M, K = 2, 3, 4, 5
	a, b := randC(r, B*N*M), randC(r, B*M*K)
	ar, ai := MustToTensors(a, B, N, M)
	br, bi := MustToTensors(b, B, M, K)
	outs := graph.MustExecOnceN(backend.Must(), func(ar, ai, br, bi *graph.Node) []*graph.Node {
		c := Einsum("bnm,bmk->bnk", New(ar, ai), Conj(New(br, bi)))
		return []*graph.Node{c.Re, c.Im}
	}, ar, ai, br, bi)
	got, _ := FromTensors(outs[0], outs[1])
	want := make([]complex128, B*N*K)
	for bb := 0; bb < B; bb++ {
		for i := 0; i < N; i++ {
			for k := 0; k < K; k++ {
				for m := 0; m < M; m++ {
					want[(bb*N+i)*K+k] += a[(bb*N+i)*M+m] * cmplx.Conj(b[(bb*M+m)*K+k])
				}
			}
		}
	}
	if d := maxDiff(got, want); d > 1e-12 {
		t.Errorf("Einsum differs from loops by %g", d)
	}
}

// In-graph Det3 against the host cofactor formula and against LU elimination
// (an independent algorithm), on a batch of random complex matrices.
func TestDet3AgainstLU(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const P = 7
	m := randC(r, P*9)
	mr, mi := MustToTensors(m, P, 3, 3)
	outs := graph.MustExecOnceN(backend.Must(), func(mr, mi *graph.Node) []*graph.Node {
		d := Det3(New(mr, mi))
		return []*graph.Node{d.Re, d.Im}
	}, mr, mi)
	got, _ := FromTensors(outs[0], outs[1])
	for p := 0; p < P; p++ {
		var blk [9]complex128
		copy(blk[:], m[p*9:p*9+9])
		lu := DetLU(blk[:], 3)
		if d := cmplx.Abs(got[p] - lu); d > 1e-12*math.Max(1, cmplx.Abs(lu)) {
			t.Errorf("matrix %d: graph det %v, LU det %v", p, got[p], lu)
		}
		if d := cmplx.Abs(Det3Host(blk) - lu); d > 1e-12*math.Max(1, cmplx.Abs(lu)) {
			t.Errorf("matrix %d: host det %v, LU det %v", p, Det3Host(blk), lu)
		}
	}
}

// Autodiff through the complex layer: the gradient of |det M|^2 with respect to
// the real and imaginary parts of every entry, against central finite differences
// of the host formula.
func TestDet3GradientFiniteDifference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	m := randC(r, 9)
	mr, mi := MustToTensors(m, 3, 3)
	outs := graph.MustExecOnceN(backend.Must(), func(mr, mi *graph.Node) []*graph.Node {
		d := Det3(New(mr, mi))
		f := Abs2(d) // |det|^2, a real scalar
		return graph.Gradient(f, mr, mi)
	}, mr, mi)
	gr := tensors.MustCopyFlatData[float64](outs[0])
	gi := tensors.MustCopyFlatData[float64](outs[1])
	f := func(z []complex128) float64 {
		var b [9]complex128
		copy(b[:], z)
		d := Det3Host(b)
		return real(d * cmplx.Conj(d))
	}
	const h = 1e-6
	for k := 0; k < 9; k++ {
		for part, g := range [][]float64{gr, gi} {
			step := complex(h, 0)
			if part == 1 {
				step = complex(0, h)
			}
			zp := append([]complex128(nil), m...)
			zm := append([]complex128(nil), m...)
			zp[k] += step
			zm[k] -= step
			fd := (f(zp) - f(zm)) / (2 * h)
			if math.Abs(fd-g[k]) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Errorf("entry %d part %d: autodiff %g, finite difference %g", k, part, g[k], fd)
			}
		}
	}
}

// Cholesky and Hermitian inverse: L L^† = A and A A^{-1} = 1 for a random
// Hermitian positive-definite A = B B^† + n·1; a non-PD matrix is rejected.
func TestCholeskyAndInverse(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const n = 12
	b := randC(r, n*n)
	bh := make([]complex128, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			bh[i*n+j] = cmplx.Conj(b[j*n+i])
		}
	}
	a := MatMul(b, bh, n, n, n)
	for i := 0; i < n; i++ {
		a[i*n+i] += n
	}
	l, err := Cholesky(a, n)
	if err != nil {
		t.Fatal(err)
	}
	lh := make([]complex128, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			lh[i*n+j] = cmplx.Conj(l[j*n+i])
		}
	}
	if d := maxDiff(MatMul(l, lh, n, n, n), a); d > 1e-10 {
		t.Errorf("L L^† differs from A by %g", d)
	}
	inv, err := HermitianInverse(a, n)
	if err != nil {
		t.Fatal(err)
	}
	id := MatMul(a, inv, n, n, n)
	for i := 0; i < n; i++ {
		id[i*n+i] -= 1
	}
	if d := maxDiff(id, make([]complex128, n*n)); d > 1e-10 {
		t.Errorf("A A^-1 differs from identity by %g", d)
	}
	if e := HermitianError(inv, n); e > 1e-15 {
		t.Errorf("inverse not Hermitian: %g", e)
	}
	a[0] = -1
	if _, err := HermitianInverse(a, n); err == nil {
		t.Error("a matrix with a negative diagonal entry was accepted as positive definite")
	}
}
