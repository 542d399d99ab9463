package calabiyau

import (
	"errors"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/calabiyau/cplx"
	"github.com/physnb/physnb/lib/progress"
)

func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

// Roots of polynomials built from known roots, including a double root and a
// close pair; the reference is the construction itself.
func TestPolyRootsKnownRoots(t *testing.T) {
	cases := []struct {
		name  string
		roots []complex128
		tol   float64
	}{
		{"simple", []complex128{1, -2, 3i, 0.5 - 0.5i, 4 + 1i}, 1e-12},
		{"close pair", []complex128{1, 1 + 1e-6, -1i, 2, -3}, 1e-8},
		{"double", []complex128{2i, 2i, 1, -1, 0.3}, 1e-6}, // a double root is only determined to ~sqrt(eps)
	}
	for _, c := range cases {
		// coefficients of Π (t - r), lowest power first
		coef := []complex128{1}
		for _, r := range c.roots {
			next := make([]complex128, len(coef)+1)
			for k, a := range coef {
				next[k+1] += a
				next[k] -= r * a
			}
			coef = next
		}
		got, err := PolyRoots(coef)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		used := make([]bool, len(got))
		for _, r := range c.roots {
			best, bi := math.Inf(1), -1
			for i, g := range got {
				if !used[i] && cmplx.Abs(g-r) < best {
					best, bi = cmplx.Abs(g-r), i
				}
			}
			used[bi] = true
			if best > c.tol {
				t.Errorf("%s: root %v found only to %g", c.name, r, best)
			}
		}
	}
}

// Every sampled point lies on its quintic: |Q(z)| relative to Σ|z_i|^5 at the
// 1e-12 level, for the Fermat quintic, a generic Dwork member and one close to
// the conifold point ψ = 1.
func TestSampledPointsLieOnVariety(t *testing.T) {
	for _, psi := range []complex128{0, 10 + 3i, 1.02, -0.3 + 2i} {
		q, err := NewDwork(psi)
		if err != nil {
			t.Fatal(err)
		}
		s := q.MustSample(rng(1), 2000)
		var worst float64
		for _, p := range s.Points {
			worst = math.Max(worst, cmplx.Abs(q.Eval(p.Z))/Scale(p.Z))
			for i := range p.Z {
				if cmplx.Abs(p.Z[i]) > 1+1e-12 {
					t.Fatalf("psi=%v: affine coordinate |z_%d| = %g > 1 in the best patch", psi, i, cmplx.Abs(p.Z[i]))
				}
			}
		}
		if worst > 1e-12 {
			t.Errorf("psi=%v: worst relative |Q| = %g", psi, worst)
		}
	}
}

// The weights give a volume that does not depend on the sample size (within
// Monte Carlo errors), and for ψ = 10+3i agrees with cyjax's documented
// 0.947 ± 0.001 (docs/source/notebooks/donaldson.ipynb, compute_vol with
// 200 x 2000 points), which uses the same normalisation of Ω and of the weights.
func TestVolumeConsistentAndMatchesCyjax(t *testing.T) {
	q, _ := NewDwork(10 + 3i)
	small := q.MustSample(rng(2), 4000)
	large := q.MustSample(rng(3), 40000)
	vs, es, _ := small.Volume()
	vl, el, _ := large.Volume()
	if d := math.Abs(vs - vl); d > 4*math.Hypot(es, el) {
		t.Errorf("volume %g ± %g (4000 points) vs %g ± %g (40000 points)", vs, es, vl, el)
	}
	if d := math.Abs(vl - 0.947); d > 3*math.Hypot(el, 0.001) {
		t.Errorf("volume %g ± %g, cyjax reports 0.947 ± 0.001", vl, el)
	}
}

// η and the weights are ratios of volume forms, so they must not depend on the
// chart: recompute them at the same point in every patch and with every choice
// of dependent coordinate (where those coordinates are not tiny).
func TestEtaAndWeightChartInvariance(t *testing.T) {
	q, _ := NewDwork(-0.3 + 2i)
	r := rng(4)
	b := MustMonomialBasis(2)
	m, err := NewMetric(q, b).WithH(randomHPD(r, b.Size()))
	if err != nil {
		t.Fatal(err)
	}
	s := q.MustSample(r, 20)
	compared := 0
	for _, p := range s.Points {
		eta0, w0 := m.Eta(p), q.Weight(p)
		g := q.Grad(p.Z)
		for patch := 0; patch < 5; patch++ {
			if cmplx.Abs(p.Z[patch]) < 0.2 {
				continue
			}
			for dep := 0; dep < 5; dep++ {
				if dep == patch || cmplx.Abs(g[dep]) < 0.2*cmplx.Abs(g[p.Dep]) {
					continue
				}
				pp, err := q.InChart(p.Z, patch, dep)
				if err != nil {
					t.Fatal(err)
				}
				if patch != p.Patch || dep != p.Dep {
					compared++
				}
				if d := math.Abs(m.Eta(pp)/eta0 - 1); d > 1e-8 {
					t.Errorf("eta changes by %g between chart (%d,%d) and (%d,%d)", d, p.Patch, p.Dep, patch, dep)
				}
				if d := math.Abs(q.Weight(pp)/w0 - 1); d > 1e-8 {
					t.Errorf("weight changes by %g between chart (%d,%d) and (%d,%d)", d, p.Patch, p.Dep, patch, dep)
				}
			}
		}
	}
	if compared < 40 {
		t.Errorf("only %d chart changes compared", compared)
	}
}

func randomHPD(r *rand.Rand, n int) []complex128 {
	a := make([]complex128, n*n)
	for i := range a {
		a[i] = complex(r.NormFloat64(), r.NormFloat64()) * 0.2
	}
	h := make([]complex128, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			for k := 0; k < n; k++ {
				h[i*n+j] += a[i*n+k] * cmplx.Conj(a[j*n+k])
			}
		}
		h[i*n+i] += 1
	}
	return h
}

// At k = 1 and H = 1 the potential is log(1+|z|^2)/π, so ĝ must be the
// Fubini-Study metric (closed form) divided by π.
func TestAmbientMetricIsFubiniStudyAtDegreeOne(t *testing.T) {
	q := NewFermat()
	m := NewMetric(q, MustMonomialBasis(1))
	for _, p := range q.MustSample(rng(5), 10).Points {
		got := m.AmbientMetric(p)
		want := fubiniStudy(p, chartOf(p))
		for i := 0; i < 4; i++ {
			for j := 0; j < 4; j++ {
				if d := cmplx.Abs(got[i][j] - want[i][j]/math.Pi); d > 1e-14 {
					t.Fatalf("ĝ[%d][%d] = %v, Fubini-Study/π = %v", i, j, got[i][j], want[i][j]/math.Pi)
				}
			}
		}
	}
}

// ĝ_ij̄ = ∂_i ∂_j̄ K against central finite differences of K, through the
// Wirtinger form ∂_i∂_j̄ = (∂x_i∂x_j + ∂y_i∂y_j + i(∂x_i∂y_j - ∂y_i∂x_j))/4,
// for a random Hermitian positive-definite H at k = 2.
func TestAmbientMetricFiniteDifferences(t *testing.T) {
	r := rng(6)
	q, _ := NewDwork(0.5 + 0.5i)
	b := MustMonomialBasis(2)
	m, _ := NewMetric(q, b).WithH(randomHPD(r, b.Size()))
	p := q.MustSample(r, 1).Points[0]
	c := chartOf(p)
	const h = 1e-4
	shift := func(i int, d complex128) Point {
		pp := p
		pp.Z[c.aff[i]] += d
		return pp
	}
	k := func(pt Point) float64 { return m.Potential(pt) }
	d2 := func(i, j int, di, dj complex128) float64 {
		return (k(shift2(shift, i, j, di, dj)) - k(shift2(shift, i, j, di, -dj)) - k(shift2(shift, i, j, -di, dj)) + k(shift2(shift, i, j, -di, -dj))) / (4 * h * h)
	}
	got := m.AmbientMetric(p)
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			xx := d2(i, j, h, h)
			yy := d2(i, j, 1i*h, 1i*h)
			xy := d2(i, j, h, 1i*h)
			yx := d2(i, j, 1i*h, h)
			want := complex((xx+yy)/4, (xy-yx)/4)
			if d := cmplx.Abs(got[i][j] - want); d > 1e-6 {
				t.Errorf("ĝ[%d][%d] = %v, finite differences %v", i, j, got[i][j], want)
			}
		}
	}
}

func shift2(shift func(int, complex128) Point, i, j int, di, dj complex128) Point {
	p := shift(i, di)
	c := chartOf(p)
	p.Z[c.aff[j]] += dj
	return p
}

// Section derivatives against holomorphic central differences.
func TestSectionDerivatives(t *testing.T) {
	q := NewFermat()
	b := MustMonomialBasis(3)
	if b.Size() != 35 { // C(3+4, 4)
		t.Fatalf("degree-3 basis has %d monomials, want C(7,4) = 35", b.Size())
	}
	if MustMonomialBasis(4).Size() != 70 { // C(8,4), cyjax's 70 sections at degree 4
		t.Fatalf("degree-4 basis size %d, want 70", MustMonomialBasis(4).Size())
	}
	// Reduced bases: C(k+4,4) - C(k-1,4) sections (cyjax's docs: 125 at k = 5).
	for k, want := range map[int]int{3: 35, 5: 125, 6: 205} {
		rb, err := NewReducedBasis(k)
		if err != nil || rb.Size() != want {
			t.Errorf("reduced basis at k = %d has %d sections (err %v), want %d", k, rb.Size(), err, want)
		}
	}
	p := q.MustSample(rng(7), 1).Points[0]
	n := b.Size()
	s, ds := make([]complex128, n), make([]complex128, 4*n)
	b.Eval(p, s, ds)
	c := chartOf(p)
	const h = 1e-5
	sp, sm := make([]complex128, n), make([]complex128, n)
	for i := 0; i < 4; i++ {
		pp, pm := p, p
		pp.Z[c.aff[i]] += h
		pm.Z[c.aff[i]] -= h
		b.Eval(pp, sp, nil)
		b.Eval(pm, sm, nil)
		for a := 0; a < n; a++ {
			fd := (sp[a] - sm[a]) / (2 * h)
			if d := cmplx.Abs(fd - ds[a*4+i]); d > 1e-8 {
				t.Fatalf("∂s_%d/∂z_%d = %v, finite difference %v", a, c.aff[i], ds[a*4+i], fd)
			}
		}
	}
}

// Donaldson's iteration keeps H Hermitian positive definite and lowers σ
// substantially (cyjax, Dwork ψ = 10+3i, k = 4: 0.725 → 0.156; here k = 3 and
// few iterations, so only a clear drop is required). Donaldson is the loop of
// DonaldsonStep over fresh samples; every step's H is checked.
func TestDonaldsonHermitianAndLowersSigma(t *testing.T) {
	q, _ := NewDwork(10 + 3i)
	b := MustMonomialBasis(3)
	r := rng(8)
	ev := q.MustSample(r, 4000)
	m0 := NewMetric(q, b)
	s0, e0, err := m0.Sigma(ev)
	if err != nil {
		t.Fatal(err)
	}
	m := m0
	for i := 1; i <= 3; i++ {
		if m, err = m.DonaldsonStep(q.MustSample(r, 6000)); err != nil {
			t.Fatal(err)
		}
		if e := cplx.HermitianError(m.H, b.Size()); e > 1e-14 {
			t.Errorf("iteration %d: H not Hermitian (%g)", i, e)
		}
		if _, err := cplx.Cholesky(m.H, b.Size()); err != nil {
			t.Errorf("iteration %d: H not positive definite: %v", i, err)
		}
	}
	s1, e1, _ := m.Sigma(ev)
	t.Logf("sigma %.3f ± %.3f -> %.3f ± %.3f", s0, e0, s1, e1)
	if !(s1 < 0.5*s0) {
		t.Errorf("Donaldson did not halve sigma: %.3f -> %.3f", s0, s1)
	}
}

// Donaldson's hook sees every iteration, with the change of H and, given an
// evaluation sample, σ on it; an error from the hook stops the iteration.
func TestDonaldsonOnStep(t *testing.T) {
	q, _ := NewDwork(10 + 3i)
	b := MustMonomialBasis(2)
	r := rng(10)
	ev := q.MustSample(r, 2000)
	var steps []progress.Step
	m, err := Donaldson(q, b, r, DonaldsonConfig{Iterations: 3, Points: 2000, Eval: ev, OnStep: func(s progress.Step) error {
		steps = append(steps, s)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || steps[2].Step != 3 || steps[2].Total != 3 {
		t.Fatalf("steps %+v", steps)
	}
	if sig, _, _ := m.Sigma(ev); steps[2].Metrics["sigma"] != sig {
		t.Errorf("last step sigma %g, final metric %g", steps[2].Metrics["sigma"], sig)
	}
	if !(steps[0].Metrics["h_change"] > steps[2].Metrics["h_change"]) || !(steps[0].Metrics["seconds"] > 0) {
		t.Errorf("h_change %g -> %g (should fall), seconds %g", steps[0].Metrics["h_change"], steps[2].Metrics["h_change"], steps[0].Metrics["seconds"])
	}
	stop := errors.New("stop")
	_, err = Donaldson(q, b, r, DonaldsonConfig{Iterations: 3, Points: 2000, OnStep: func(progress.Step) error { return stop }})
	if !errors.Is(err, stop) {
		t.Errorf("hook error not returned: %v", err)
	}
}

// Bad input gets an error that names the problem.
func TestBadInput(t *testing.T) {
	for _, psi := range []complex128{1, cmplx.Exp(2i * math.Pi / 5), cmplx.Inf()} {
		if _, err := NewDwork(psi); err == nil {
			t.Errorf("psi = %v accepted", psi)
		}
	}
	if _, err := NewDwork(1); err == nil || !strings.Contains(err.Error(), "singular") {
		t.Errorf("psi = 1 error does not say singular: %v", err)
	}
	for _, k := range []int{0, -1, MaxDegree + 1} {
		if _, err := NewMonomialBasis(k); err == nil {
			t.Errorf("degree %d accepted", k)
		}
	}
	q := NewFermat()
	s := q.MustSample(rng(9), 10)
	if _, _, err := s.Volume(); err == nil {
		t.Error("volume from 10 points accepted")
	}
	if _, _, err := NewMetric(q, MustMonomialBasis(1)).Sigma(s); err == nil {
		t.Error("sigma from 10 points accepted")
	}
	if _, err := Donaldson(q, MustMonomialBasis(3), rng(1), DonaldsonConfig{Iterations: 1, Points: 20}); err == nil {
		t.Error("Donaldson with 20 points for 35 sections accepted")
	}
	if _, err := NewMetric(q, MustMonomialBasis(1)).WithH(make([]complex128, 25)); err == nil {
		t.Error("H = 0 accepted as positive definite")
	}
	if _, err := ParsePsi("10+3i"); err != nil {
		t.Error(err)
	}
	if z, _ := ParsePsi("10+3i"); z != 10+3i {
		t.Errorf("ParsePsi(10+3i) = %v", z)
	}
	if _, err := ParsePsi("ten"); err == nil {
		t.Error("psi 'ten' accepted")
	}
}

// On the Fermat quintic the symmetry group (permutations and z_i → ω^{a_i} z_i,
// ω^5 = 1) forces T(1) ∝ identity at k = 1: off-diagonal entries average to
// zero and the diagonal entries are equal (up to Monte Carlo error), so the
// Fubini-Study metric is already balanced there.
func TestTOperatorFermatSymmetry(t *testing.T) {
	q := NewFermat()
	s := q.MustSample(rng(10), 40000)
	m := NewMetric(q, MustMonomialBasis(1))
	tm, err := m.TOperator(s)
	if err != nil {
		t.Fatal(err)
	}
	var mean float64
	for i := 0; i < 5; i++ {
		mean += real(tm[i*5+i]) / 5
	}
	// T is normalised so that tr T = N E[w s^†s/ψ]/Vol = N at H = 1, i.e. mean diagonal 1.
	if math.Abs(mean-1) > 1e-12 {
		t.Errorf("mean diagonal of T(1) = %v, want 1 (tr T = N at H = 1)", mean)
	}
	for i := 0; i < 5; i++ {
		for j := 0; j < 5; j++ {
			want := 0.0
			if i == j {
				want = mean
			}
			if d := cmplx.Abs(tm[i*5+j] - complex(want, 0)); d > 0.03 {
				t.Errorf("T(1)[%d][%d] = %v, symmetry requires %v", i, j, tm[i*5+j], want)
			}
		}
	}
}
