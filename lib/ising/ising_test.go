package ising

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
)

func relClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// Kaufman's closed form against the sum over all 2^N configurations.
func TestKaufmanMatchesBruteForce(t *testing.T) {
	for _, L := range []int{2, 3, 4} {
		for _, T := range []float64{1.0, 1.8, CriticalT, 3.5, 10} {
			bf, err := BruteForceLnZ(L, T)
			if err != nil {
				t.Fatal(err)
			}
			k, err := KaufmanLnZ(L, T)
			if err != nil {
				t.Fatal(err)
			}
			if !relClose(bf, k, 1e-12) {
				t.Errorf("L=%d T=%.4f: brute force lnZ=%.14f, Kaufman %.14f", L, T, bf, k)
			}
		}
	}
}

// Kaufman against the row-to-row transfer matrix, for sizes brute force cannot reach.
func TestKaufmanMatchesTransferMatrix(t *testing.T) {
	for _, L := range []int{3, 5, 6, 8} {
		for _, T := range []float64{1.5, CriticalT, 4} {
			tm, err := TransferMatrixLnZ(L, T)
			if err != nil {
				t.Fatal(err)
			}
			k, _ := KaufmanLnZ(L, T)
			if !relClose(tm, k, 1e-11) {
				t.Errorf("L=%d T=%.4f: transfer matrix lnZ=%.12f, Kaufman %.12f", L, T, tm, k)
			}
		}
	}
}

// Large lattices approach Onsager's free energy. At T_c the exact value is
// lnZ/N = ln√2 + 2G/π = 0.929695398..., G = 0.915965594177219 Catalan's constant.
func TestKaufmanApproachesOnsager(t *testing.T) {
	catalan := 0.915965594177219015
	onsagerTc := 0.5*math.Log(2) + 2*catalan/math.Pi
	if got := OnsagerLnZPerSite(CriticalT); math.Abs(got-onsagerTc) > 1e-7 {
		t.Errorf("Onsager integral at T_c = %.10f, closed form %.10f", got, onsagerTc)
	}
	for _, T := range []float64{1.5, 2.0, 3.0, 5.0} {
		L := 256
		k, _ := KaufmanLnZ(L, T)
		perSite := k / float64(L*L)
		if T < CriticalT {
			// Below T_c the torus has two ordered phases: Z counts both, so lnZ exceeds
			// N times the Onsager value by ln 2 (up to exponentially small corrections).
			perSite -= math.Ln2 / float64(L*L)
		}
		if want := OnsagerLnZPerSite(T); math.Abs(perSite-want) > 1e-8 {
			t.Errorf("T=%.2f: Kaufman L=%d lnZ/N = %.12f, Onsager %.12f", T, L, perSite, want)
		}
	}
	// At T_c finite-size corrections are O(1/L²): they must shrink.
	d64 := math.Abs(must(KaufmanLnZ(64, CriticalT))/4096 - onsagerTc)
	d256 := math.Abs(must(KaufmanLnZ(256, CriticalT))/65536 - onsagerTc)
	if !(d256 < d64/8 && d256 < 1e-5) {
		t.Errorf("at T_c |lnZ/N - Onsager| = %.3g (L=64), %.3g (L=256): not converging as 1/L²", d64, d256)
	}
}

func must(v float64, err error) float64 {
	if err != nil {
		panic(err)
	}
	return v
}

// The brute-force averages against thermodynamic derivatives of Kaufman's lnZ:
// <E> = T² d lnZ/dT, and the ground state and infinite-temperature limits.
func TestBruteForceAverages(t *testing.T) {
	for _, T := range []float64{1.5, CriticalT, 3.0} {
		ex, err := BruteForce(4, T)
		if err != nil {
			t.Fatal(err)
		}
		want := must(KaufmanEnergyPerSite(4, T))
		if math.Abs(ex.EnergyPerSite-want) > 1e-7 {
			t.Errorf("T=%.3f: <E>/N = %.10f, T² dlnZ/dT /N = %.10f", T, ex.EnergyPerSite, want)
		}
		if !(ex.AbsMagnetisation > 0 && ex.AbsMagnetisation < 1) || !(ex.StructureFactor > 1 && ex.StructureFactor < 16) {
			t.Errorf("T=%.3f: averages out of range: %+v", T, ex)
		}
	}
	// T -> 0: two ground states, E/N = -2, |m| = 1, S = N.
	cold, _ := BruteForce(4, 0.05)
	if !relClose(cold.EnergyPerSite, -2, 1e-12) || !relClose(cold.AbsMagnetisation, 1, 1e-12) || !relClose(cold.LnZ, math.Ln2+32/0.05, 1e-12) {
		t.Errorf("T=0.05: %+v, want E/N=-2, |m|=1, lnZ=ln2+2N/T", cold)
	}
	// T -> ∞: independent spins, S = 1 exactly in the limit, lnZ -> N ln 2.
	hot, _ := BruteForce(4, 1e6)
	if !relClose(hot.StructureFactor, 1, 1e-4) || !relClose(hot.LnZ, 16*math.Ln2, 1e-6) {
		t.Errorf("T=1e6: %+v, want S=1, lnZ=16 ln 2", hot)
	}
}

func TestEnergyOfConfiguration(t *testing.T) {
	// A 4x4 checkerboard breaks all 2N = 32 bonds: E = +32; all up: E = -32.
	s := make([]int8, 16)
	for i := range s {
		s[i] = 1
	}
	if e := Energy(4, s); e != -32 {
		t.Errorf("all up: E=%v, want -32", e)
	}
	for i := range s {
		if (i/4+i%4)%2 == 1 {
			s[i] = -1
		}
	}
	if e := Energy(4, s); e != 32 {
		t.Errorf("checkerboard: E=%v, want 32", e)
	}
}

func TestBadArguments(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"T=0", errOf(KaufmanLnZ(4, 0)), "temperature"},
		{"T<0", errOf(BruteForceLnZ(3, -1)), "temperature"},
		{"L=1", errOf(KaufmanLnZ(1, 2)), "L >= 2"},
		{"brute force L=6", errOf(BruteForceLnZ(6, 2)), "L*L <= 25"},
		{"transfer L=12", errOf(TransferMatrixLnZ(12, 2)), "L <= 9"},
		{"shift 0", errOf2(NewRelaxation(4, 2, 0)), "shift"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, c.err, c.want)
		}
	}
}

func errOf(_ float64, err error) error      { return err }
func errOf2(_ *Relaxation, err error) error { return err }

// K'⁻¹ from the Fourier sums must invert K' = A/T + δ, and the smallest
// eigenvalue of K' must be the requested shift (the staggered mode for even L).
func TestRelaxationInverse(t *testing.T) {
	for _, L := range []int{2, 3, 4, 6} {
		r, err := NewRelaxation(L, CriticalT, DefaultShift)
		if err != nil {
			t.Fatal(err)
		}
		K := r.KPrime()
		N := r.N
		for i := 0; i < N; i++ {
			for j := 0; j < N; j++ {
				s := 0.0
				for k := 0; k < N; k++ {
					s += K[i*N+k] * r.KInv[k*N+j]
				}
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(s-want) > 1e-12 {
					t.Fatalf("L=%d: (K' K'⁻¹)[%d,%d] = %v, want %v", L, i, j, s, want)
				}
			}
		}
		if L%2 == 0 {
			// Staggered vector v_i = (-1)^(x+y): A v = -4 v, the bottom of A's spectrum.
			for i := 0; i < N; i++ {
				s := 0.0
				for k := 0; k < N; k++ {
					s += K[i*N+k] * float64(1-2*((k/L+k%L)%2))
				}
				vi := float64(1 - 2*((i/L+i%L)%2))
				if math.Abs(s-DefaultShift*vi) > 1e-12 {
					t.Fatalf("L=%d: K' v = %v v at site %d, want shift %v", L, s/vi, i, DefaultShift)
				}
			}
		}
	}
}

// The relaxation constant, checked by integrating exp(-E(x)) numerically over
// R⁴ for the 2x2 torus: ln ∫exp(-E) must equal lnZ(brute force) - Fix.
// The integral is done on a grid in the eigenbasis of K' (the 2x2 plane waves
// are ±1/2 Hadamard vectors), with each axis spanning the Gaussian mixture's
// means ± 9 standard deviations; the trapezoid rule converges exponentially
// for such smooth, rapidly decaying integrands.
func TestRelaxationConstantByQuadrature(t *testing.T) {
	for _, T := range []float64{1.5, CriticalT, 4} {
		r, err := NewRelaxation(2, T, DefaultShift)
		if err != nil {
			t.Fatal(err)
		}
		// Orthonormal eigenvectors of A on the 2x2 torus, sites (0,0),(0,1),(1,0),(1,1).
		V := [4][4]float64{
			{0.5, 0.5, 0.5, 0.5},   // uniform, A = 4
			{0.5, -0.5, 0.5, -0.5}, // k_x = π, A = 0
			{0.5, 0.5, -0.5, -0.5}, // k_y = π, A = 0
			{0.5, -0.5, -0.5, 0.5}, // staggered, A = -4
		}
		aEig := [4]float64{4, 0, 0, -4}
		var mu [4]float64
		for k := range mu {
			mu[k] = aEig[k]/T + r.Delta
		}
		const n = 36
		var axis [4][]float64
		var step [4]float64
		for k := range axis {
			R := 2*mu[k] + 9*math.Sqrt(mu[k]) // |Vᵀs| <= 2, so the means lie within ±2μ
			step[k] = 2 * R / float64(n-1)
			axis[k] = make([]float64, n)
			for i := range axis[k] {
				axis[k][i] = -R + float64(i)*step[k]
			}
		}
		x := make([]float64, 4)
		sum := 0.0
		for _, y0 := range axis[0] {
			for _, y1 := range axis[1] {
				for _, y2 := range axis[2] {
					for _, y3 := range axis[3] {
						y := [4]float64{y0, y1, y2, y3}
						for i := 0; i < 4; i++ {
							x[i] = 0
							for k := 0; k < 4; k++ {
								x[i] += V[k][i] * y[k]
							}
						}
						sum += math.Exp(-r.Energy(x))
					}
				}
			}
		}
		lnIntegral := math.Log(sum * step[0] * step[1] * step[2] * step[3])
		lnZ, _ := BruteForceLnZ(2, T)
		if want := r.LnZRelaxed(lnZ); math.Abs(lnIntegral-want) > 1e-7 {
			t.Errorf("T=%.3f: ln ∫exp(-E) = %.10f by quadrature, lnZ - Fix = %.10f", T, lnIntegral, want)
		}
	}
}

// ln det K' from the plane-wave eigenvalues against Gaussian elimination on
// the assembled matrix K' = A/T + δ (partial pivoting, product of pivots).
func TestLogDetByElimination(t *testing.T) {
	for _, L := range []int{3, 4, 5} {
		r, _ := NewRelaxation(L, CriticalT, DefaultShift)
		a := r.KPrime()
		N := r.N
		logDet := 0.0
		for c := 0; c < N; c++ {
			p := c
			for i := c + 1; i < N; i++ {
				if math.Abs(a[i*N+c]) > math.Abs(a[p*N+c]) {
					p = i
				}
			}
			if p != c {
				for j := 0; j < N; j++ {
					a[c*N+j], a[p*N+j] = a[p*N+j], a[c*N+j]
				}
			}
			piv := a[c*N+c]
			// Row swaps only flip the sign; K' is positive definite so |det| = det.
			logDet += math.Log(math.Abs(piv))
			for i := c + 1; i < N; i++ {
				f := a[i*N+c] / piv
				for j := c; j < N; j++ {
					a[i*N+j] -= f * a[c*N+j]
				}
			}
		}
		if math.Abs(logDet-r.LogDetK) > 1e-10 {
			t.Errorf("L=%d: ln det K' = %.12f (eigenvalues), %.12f (elimination)", L, r.LogDetK, logDet)
		}
	}
}

// The graph energy against the plain-Go one, including large |x| where a naive
// ln cosh would overflow.
func TestEnergyGraphMatchesGo(t *testing.T) {
	b, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := NewRelaxation(4, CriticalT, DefaultShift)
	rows := 3
	x := make([]float64, rows*r.N)
	for i := range x {
		x[i] = math.Sin(float64(i)*1.7) * 3
	}
	x[5] = 800 // exp(800) overflows float64
	out := graph.MustExecOnce(b, r.EnergyGraph, tensors.FromFlatDataAndDimensions(x, rows, r.N))
	got := tensors.MustCopyFlatData[float64](out)
	for k := 0; k < rows; k++ {
		want := r.Energy(x[k*r.N : (k+1)*r.N])
		if math.IsInf(want, 0) || math.IsNaN(want) || math.Abs(got[k]-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("row %d: graph E = %.12g, Go E = %.12g", k, got[k], want)
		}
	}
}

// K'^½ from the plane-wave sums squares to the assembled K'.
func TestSqrtK(t *testing.T) {
	r, _ := NewRelaxation(4, CriticalT, DefaultShift)
	sq := r.MatrixFunction(math.Sqrt)
	K := r.KPrime()
	N := r.N
	for i := 0; i < N; i++ {
		for j := 0; j < N; j++ {
			s := 0.0
			for k := 0; k < N; k++ {
				s += sq[i*N+k] * sq[k*N+j]
			}
			if math.Abs(s-K[i*N+j]) > 1e-12 {
				t.Fatalf("(K'^½)²[%d,%d] = %v, K' = %v", i, j, s, K[i*N+j])
			}
		}
	}
}

// The whitened energy equals E(K'^½ y) - ½ ln det K' (its definition), evaluated
// through the plain-Go energy, and Unwhiten is the same linear map.
func TestWhitenedEnergy(t *testing.T) {
	b, _ := backend.Default()
	r, _ := NewRelaxation(4, CriticalT, DefaultShift)
	y := make([]float64, 2*r.N)
	for i := range y {
		y[i] = math.Cos(float64(i) * 0.9)
	}
	got := tensors.MustCopyFlatData[float64](graph.MustExecOnce(b, r.Whitened, tensors.FromFlatDataAndDimensions(y, 2, r.N)))
	x := r.Unwhiten(y)
	sq := r.MatrixFunction(math.Sqrt)
	for row := 0; row < 2; row++ {
		for i := 0; i < r.N; i++ {
			s := 0.0
			for j := 0; j < r.N; j++ {
				s += sq[i*r.N+j] * y[row*r.N+j]
			}
			if math.Abs(s-x[row*r.N+i]) > 1e-12 {
				t.Fatalf("Unwhiten row %d site %d: %v, want %v", row, i, x[row*r.N+i], s)
			}
		}
		want := r.Energy(x[row*r.N:(row+1)*r.N]) - 0.5*r.LogDetK
		if math.Abs(got[row]-want) > 1e-10*math.Max(1, math.Abs(want)) {
			t.Errorf("row %d: whitened energy %.12f, E(K'^½y) - ½ln det K' = %.12f", row, got[row], want)
		}
	}
}

// RelaxationFix streams the eigenvalues: it must give NewRelaxation's Fix
// (which stores them and builds K'⁻¹) to the last digits, and refuse lattices
// beyond MaxExactL before allocating anything.
func TestRelaxationFixMatchesNewRelaxation(t *testing.T) {
	for _, L := range []int{2, 3, 4, 7, 8} {
		for _, T := range []float64{1, CriticalT, 5} {
			r, err := NewRelaxation(L, T, DefaultShift)
			if err != nil {
				t.Fatal(err)
			}
			fix, err := RelaxationFix(L, T, DefaultShift)
			if err != nil || math.Abs(fix-r.Fix) > 1e-12*math.Max(1, math.Abs(r.Fix)) {
				t.Errorf("L=%d T=%g: RelaxationFix %v (%v), NewRelaxation %v", L, T, fix, err, r.Fix)
			}
		}
	}
	if _, _, _, err := ExactBound(MaxExactL+1, CriticalT, DefaultShift); err == nil || !strings.Contains(err.Error(), "--L 10001: want 2 to 10000") {
		t.Errorf("ExactBound beyond MaxExactL: %v", err)
	}
}
