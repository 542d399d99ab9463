package lj

import (
	"math"
	"strings"
	"testing"
)

// closedForm is the shifted Lennard-Jones dimer energy and the x force on the
// left atom, written out by hand: E = u(r) − u(rc) with u(r) = 4ε[(σ/r)^12 − (σ/r)^6],
// and since r = x_right − x_left, F_left,x = −∂E/∂x_left = u'(r) = 4ε(−12σ^12/r^13 + 6σ^6/r^7).
func closedForm(eps, sigma, rc, r float64) (e, fLeft float64) {
	u := func(r float64) float64 { return 4 * eps * (math.Pow(sigma/r, 12) - math.Pow(sigma/r, 6)) }
	if r > rc {
		return 0, 0
	}
	return u(r) - u(rc), 4 * eps * (-12*math.Pow(sigma, 12)/math.Pow(r, 13) + 6*math.Pow(sigma, 6)/math.Pow(r, 7))
}

func TestDimerAgainstClosedForm(t *testing.T) {
	calc := MustNew(New(1.0, 2.9)) // the lesson's parameters
	for _, d := range []float64{2.5, 2.9, math.Pow(2, 1.0/6) * 2.9, 3.7, 5.0, 8.69, 8.71} {
		res := calc.MustCompute(Dimer(d))
		e, f := closedForm(1.0, 2.9, 3*2.9, d)
		if math.Abs(res.Energy-e) > 1e-12*math.Max(1, math.Abs(e)) {
			t.Errorf("d=%g: energy %.15g, closed form %.15g", d, res.Energy, e)
		}
		if math.Abs(res.Forces[0][0]-f) > 1e-12*math.Max(1, math.Abs(f)) {
			t.Errorf("d=%g: force %.15g, closed form %.15g", d, res.Forces[0][0], f)
		}
		// Newton's third law and the symmetric split of the energy.
		if res.Forces[0][0] != -res.Forces[1][0] || res.Energies[0] != res.Energies[1] {
			t.Errorf("d=%g: forces %v, energies %v not antisymmetric/symmetric", d, res.Forces, res.Energies)
		}
	}
}

func TestMinimumAtTwoToTheSixthSigma(t *testing.T) {
	// Closed form: u'(r) = 0 at r = 2^(1/6) σ, where u = −ε (before the shift).
	calc := MustNew(New(0.7, 1.3).Cutoff(100))
	rmin := math.Pow(2, 1.0/6) * 1.3
	res := calc.MustCompute(Dimer(rmin))
	if math.Abs(res.Forces[0][0]) > 1e-12 {
		t.Errorf("force at the minimum = %g, want 0", res.Forces[0][0])
	}
	shift := 4 * 0.7 * (math.Pow(1.3/100, 12) - math.Pow(1.3/100, 6))
	if got := res.Energy + shift; math.Abs(got+0.7) > 1e-12 {
		t.Errorf("unshifted depth = %.15g, want -0.7", got)
	}
}

// energyOf is used for finite differences.
func energyOf(t *testing.T, c *Calculator, pos [][3]float64) float64 {
	t.Helper()
	r, err := c.Compute(pos)
	if err != nil {
		t.Fatal(err)
	}
	return r.Energy
}

func TestForcesAreMinusGradientFiniteDifferences(t *testing.T) {
	// A small random-looking cluster; central differences with h = 1e-5.
	pos := [][3]float64{{0, 0, 0}, {1.1, 0.2, -0.1}, {0.3, 1.05, 0.4}, {-0.7, 0.5, 0.9}, {0.2, -0.9, 0.6}}
	for _, calc := range []*Calculator{
		MustNew(New(1.0, 1.0)),             // shifted, rc = 3σ
		MustNew(New(0.5, 0.9).Cutoff(1.2)), // some pairs beyond rc
		MustNew(New(1.0, 1.0).Smooth(0)),   // ASE smooth mode, ro = 0.66 rc
		MustNew(New(1.0, 1.0).Cutoff(1.4).Smooth(1.0)),
	} {
		res := calc.MustCompute(pos)
		const h = 1e-5
		for i := range pos {
			for k := 0; k < 3; k++ {
				p := append([][3]float64(nil), pos...)
				p[i][k] += h
				ep := energyOf(t, calc, p)
				p[i][k] -= 2 * h
				em := energyOf(t, calc, p)
				fd := -(ep - em) / (2 * h)
				if math.Abs(fd-res.Forces[i][k]) > 1e-5*math.Max(1, math.Abs(fd)) {
					t.Errorf("%+v atom %d comp %d: force %.10g, finite difference %.10g", *calc, i, k, res.Forces[i][k], fd)
				}
			}
		}
		var sum float64
		for _, e := range res.Energies {
			sum += e
		}
		if math.Abs(sum-res.Energy) > 1e-12 {
			t.Errorf("per-atom energies sum to %g, total %g", sum, res.Energy)
		}
	}
}

func TestSmoothCutoffEndpoints(t *testing.T) {
	// ASE's cut-off function: 1 below ro, 0 above rc, continuous at both ends.
	calc := MustNew(New(1, 1).Cutoff(2.5).Smooth(2))
	u := func(r float64) float64 { return 4 * (math.Pow(r, -12) - math.Pow(r, -6)) }
	if got := calc.PairEnergy(1.9); math.Abs(got-u(1.9)) > 1e-15 {
		t.Errorf("below ro: %g, want unmodified %g", got, u(1.9))
	}
	if got := calc.PairEnergy(2.5 - 1e-9); math.Abs(got) > 1e-12 {
		t.Errorf("at rc: %g, want 0", got)
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		b    *Builder
		want string
	}{
		{New(1, 0), "sigma"},
		{New(-1, 1), "epsilon"},
		{New(1, 1).Cutoff(-2), "cut-off"},
		{New(1, 1).Cutoff(2).Smooth(3), "onset"},
	}
	for _, c := range cases {
		if _, err := c.b.Done(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", *c.b, err, c.want)
		}
	}
	calc := MustNew(New(1, 1))
	if _, err := calc.Compute([][3]float64{{0, 0, 0}, {1e-7, 0, 0}}); err == nil || !strings.Contains(err.Error(), "closer") {
		t.Errorf("coincident atoms: error %v", err)
	}
	if _, err := calc.Compute([][3]float64{{math.NaN(), 0, 0}}); err == nil {
		t.Error("NaN coordinate accepted")
	}
}

func TestDimersCurve(t *testing.T) {
	// At 2^(1/6)σ the pair force vanishes and the energy is −ε − u(r_c).
	c := MustNew(New(1, 2.9))
	rMin := math.Pow(2, 1.0/6) * 2.9
	pts, err := c.Dimers([]float64{rMin, 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[0].Distance != rMin || math.Abs(pts[0].Forces[0][0]) > 1e-12 || math.Abs(pts[0].Energy-c.PairEnergy(rMin)) > 1e-15 {
		t.Errorf("dimers %+v", pts)
	}
}

// Dimers refuses an empty list and distances that are not physical (a
// negative distance would otherwise give a finite but meaningless energy).
func TestDimersRefusesBadDistances(t *testing.T) {
	c, err := New(1, 2.9).Done()
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range [][]float64{nil, {-1}, {0}, {3, math.NaN()}, {math.Inf(1)}} {
		if _, err := c.Dimers(ds); err == nil {
			t.Errorf("Dimers(%v) accepted", ds)
		}
	}
}
