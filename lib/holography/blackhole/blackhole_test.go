package blackhole

import (
	"math"
	"strings"
	"testing"
)

// The GK15 pair must integrate x^22 exactly (Kronrod degree 3n+1 = 22) and
// its Gauss half x^13 exactly (degree 2·7-1): reference ∫_0^1 x^k = 1/(k+1).
func TestGaussKronrodExactness(t *testing.T) {
	for _, k := range []int{0, 1, 7, 13, 22} {
		f := func(x float64) float64 { return math.Pow(x, float64(k)) }
		got, errEst := gk15(f, 0, 1)
		if want := 1 / float64(k+1); math.Abs(got-want) > 1e-15 {
			t.Errorf("K15 ∫x^%d = %.17g, want %.17g", k, got, want)
		}
		if k <= 13 && errEst > 1e-15 {
			t.Errorf("Gauss-7 should be exact for x^%d, |K-G| = %g", k, errEst)
		}
	}
	// A non-polynomial: ∫_0^π sin = 2.
	if got := integrate(math.Sin, 0, math.Pi, 1e-14); math.Abs(got-2) > 1e-14 {
		t.Errorf("∫sin = %.17g, want 2", got)
	}
}

// Closed form at Q = 0: η(z) = (2/3) arcsech(z^{3/2}), z(η) = sech^{2/3}(3η/2),
// H(η) = 3 coth(3η) (substitute w = z^{3/2} in the η integral).
func TestSchwarzschildClosedForms(t *testing.T) {
	bh := Schwarzschild()
	for _, z := range []float64{1e-6, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999999} {
		w := math.Pow(z, 1.5)
		want := (2.0 / 3.0) * math.Acosh(1/w)
		if got := bh.Eta(z); math.Abs(got-want) > 1e-12*math.Max(1, want) {
			t.Errorf("η(%g) = %.15g, closed form %.15g", z, got, want)
		}
	}
	for _, eta := range []float64{1e-4, 0.01, 0.1, 0.25, 0.5, 1, 2, 5} {
		if got, want := bh.Z(eta), SchwarzschildZ(eta); math.Abs(got-want) > 1e-10*want {
			t.Errorf("z(%g) = %.15g, closed form %.15g", eta, got, want)
		}
		if got, want := bh.HAt(eta), SchwarzschildH(eta); math.Abs(got-want) > 1e-10*want {
			t.Errorf("H(%g) = %.15g, 3coth(3η) = %.15g", eta, got, want)
		}
	}
}

// For charged black holes there is no closed form; check the defining properties:
// dη/dz = -1/(z√h) (central finite differences), z(η(z)) = z, the near-horizon
// limit η ≈ 2√((1-z)/(3-Q²)), and H = d/dη log√(-g) (finite differences of LogVolume).
func TestReissnerNordstromConsistency(t *testing.T) {
	for _, q := range []float64{0.5, 0.9, 1.5, 1.7} {
		bh := MustNew(q)
		for _, z := range []float64{0.05, 0.2, 0.5, 0.8, 0.95} {
			d := 1e-5
			fd := (bh.Eta(z+d) - bh.Eta(z-d)) / (2 * d)
			want := -1 / (z * math.Sqrt(bh.Emblackening(z)))
			if math.Abs(fd-want) > 1e-7*math.Abs(want) {
				t.Errorf("Q=%g: dη/dz(%g) = %.12g by differences, -1/(z√h) = %.12g", q, z, fd, want)
			}
			if back := bh.Z(bh.Eta(z)); math.Abs(back-z) > 1e-12 {
				t.Errorf("Q=%g: z(η(%g)) = %.15g", q, z, back)
			}
		}
		z := 1 - 1e-10
		if got, want := bh.Eta(z), 2*math.Sqrt((1-z)/(3-q*q)); math.Abs(got-want) > 1e-6*want {
			t.Errorf("Q=%g near-horizon η = %g, want %g", q, got, want)
		}
		for _, eta := range []float64{0.1, 0.3, 0.7, 1.0} {
			d := 1e-5
			fd := (bh.LogVolume(eta+d) - bh.LogVolume(eta-d)) / (2 * d)
			if h := bh.HAt(eta); math.Abs(fd-h) > 1e-7*h {
				t.Errorf("Q=%g: H(%g) = %.12g, d log√-g/dη = %.12g", q, eta, h, fd)
			}
		}
	}
}

// The walkthrough's claim: over η ∈ [0.1, 1] the Q = 0.9 metric differs from Schwarzschild
// by 0.3-2.3%. Checked on a fine grid (our numbers: min/max printed on failure).
func TestChargeEffectSize(t *testing.T) {
	rn := MustNew(0.9)
	lo, hi := math.Inf(1), 0.0
	for i := 0; i <= 90; i++ {
		eta := 0.1 + 0.01*float64(i)
		rel := math.Abs(rn.HAt(eta)/SchwarzschildH(eta) - 1)
		lo, hi = math.Min(lo, rel), math.Max(hi, rel)
	}
	if lo < 0.002 || lo > 0.004 || hi < 0.02 || hi > 0.026 {
		t.Errorf("relative difference RN(0.9) vs Schwarzschild on [0.1,1]: %.4f..%.4f, expected ≈0.003..0.023", lo, hi)
	}
}

func TestLayerAverage(t *testing.T) {
	// Schwarzschild: ∫ 3coth(3η) dη = log sinh(3η).
	bh := Schwarzschild()
	a, c := 0.1, 0.19
	want := (math.Log(math.Sinh(3*c)) - math.Log(math.Sinh(3*a))) / (c - a)
	if got := bh.LayerAverageH(a, c); math.Abs(got-want) > 1e-10*want {
		t.Errorf("layer average %g, want %g", got, want)
	}
}

func TestBadInput(t *testing.T) {
	for _, q := range []float64{-0.1, math.Sqrt(3), 2, math.NaN()} {
		if _, err := New(q); err == nil || !strings.Contains(err.Error(), "outside the valid range") {
			t.Errorf("New(%g): error %v, want a range error", q, err)
		}
	}
	if _, err := Schwarzschild().ZChecked(-1); err == nil {
		t.Error("ZChecked(-1) should fail")
	}
}
