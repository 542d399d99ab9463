package ising

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// Wolff's averages against exact enumeration on the 4x4 torus.
func TestWolffMatchesBruteForce(t *testing.T) {
	for _, T := range []float64{CriticalT, 3.0} {
		ex, _ := BruteForce(4, T)
		mean, se, err := Wolff(4, T, 200, 40000, 11)
		if err != nil {
			t.Fatal(err)
		}
		check := func(name string, got, err, want float64) {
			if math.Abs(got-want) > 5*err || err > 0.005*math.Max(1, math.Abs(want)) {
				t.Errorf("T=%.3f %s: Wolff %.5f ± %.5f, exact %.5f", T, name, got, err, want)
			}
		}
		check("E/N", mean.EnergyPerSite, se.EnergyPerSite, ex.EnergyPerSite)
		check("|m|", mean.AbsMagnetisation, se.AbsMagnetisation, ex.AbsMagnetisation)
		check("S", mean.StructureFactor, se.StructureFactor, ex.StructureFactor)
	}
}

// cholesky returns the lower factor of a symmetric positive definite n x n matrix.
func cholesky(a []float64, n int) []float64 {
	l := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			s := a[i*n+j]
			for k := 0; k < j; k++ {
				s -= l[i*n+k] * l[j*n+k]
			}
			if i == j {
				l[i*n+i] = math.Sqrt(s)
			} else {
				l[i*n+j] = s / l[j*n+j]
			}
		}
	}
	return l
}

// Exact samples of the relaxed density: π(x) ∝ exp(-½xᵀK'⁻¹x) Π cosh x_i is the
// mixture over spins s ~ Boltzmann of Gaussians N(K's, K'). Averaging the
// SpinEstimates over such samples must reproduce the brute-force Ising
// averages: this checks the relaxation and the estimators together.
func TestSpinEstimatesOnExactRelaxedSamples(t *testing.T) {
	const L, n = 3, 60000
	T := CriticalT
	N := L * L
	r, _ := NewRelaxation(L, T, DefaultShift)
	ex, _ := BruteForce(L, T)
	K := r.KPrime()
	chol := cholesky(K, N)
	// Boltzmann weights of all 2^N spin configurations.
	cdf := make([]float64, 1<<N)
	spins := func(c int) []float64 {
		s := make([]float64, N)
		for i := range s {
			s[i] = float64(2*((c>>i)&1) - 1)
		}
		return s
	}
	acc := 0.0
	for c := range cdf {
		s8 := make([]int8, N)
		for i, v := range spins(c) {
			s8[i] = int8(v)
		}
		acc += math.Exp(-(Energy(L, s8) + 2*float64(N)) / T)
		cdf[c] = acc
	}
	rng := rand.New(rand.NewPCG(21, 22))
	var sum Observables
	var e2 float64
	x := make([]float64, N)
	for k := 0; k < n; k++ {
		c := sort.SearchFloat64s(cdf, rng.Float64()*acc)
		s := spins(c)
		xi := make([]float64, N)
		for i := range xi {
			xi[i] = rng.NormFloat64()
		}
		for i := 0; i < N; i++ {
			x[i] = 0
			for j := 0; j < N; j++ {
				x[i] += K[i*N+j]*s[j] + chol[i*N+j]*xi[j]
			}
		}
		o := SpinEstimates(L, x, rng)
		sum.EnergyPerSite += o.EnergyPerSite
		sum.AbsMagnetisation += o.AbsMagnetisation
		sum.StructureFactor += o.StructureFactor
		e2 += o.EnergyPerSite * o.EnergyPerSite
	}
	fn := float64(n)
	mE := sum.EnergyPerSite / fn
	seE := math.Sqrt((e2/fn - mE*mE) / fn)
	if math.Abs(mE-ex.EnergyPerSite) > 5*seE {
		t.Errorf("E/N from relaxed samples %.5f ± %.5f, exact %.5f", mE, seE, ex.EnergyPerSite)
	}
	// |m| and S are bounded by 1 and N: a 5σ bound from their ranges is 0.01 and 0.1.
	if got := sum.AbsMagnetisation / fn; math.Abs(got-ex.AbsMagnetisation) > 0.01 {
		t.Errorf("|m| from relaxed samples %.5f, exact %.5f", got, ex.AbsMagnetisation)
	}
	if got := sum.StructureFactor / fn; math.Abs(got-ex.StructureFactor) > 0.1 {
		t.Errorf("S from relaxed samples %.5f, exact %.5f", got, ex.StructureFactor)
	}
}
