package soap

import (
	"math"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/descriptors"
)

// gaussLegendre returns n nodes and weights on [a, b] (Newton on P_n, the
// textbook construction; Numerical Recipes §4.6).
func gaussLegendre(n int, a, b float64) (x, w []float64) {
	x, w = make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		z := math.Cos(math.Pi * (float64(i) + 0.75) / (float64(n) + 0.5))
		var dp float64
		for it := 0; it < 100; it++ {
			p0, p1 := 1.0, z
			for k := 2; k <= n; k++ {
				p0, p1 = p1, ((2*float64(k)-1)*z*p1-(float64(k)-1)*p0)/float64(k)
			}
			dp = float64(n) * (z*p1 - p0) / (z*z - 1)
			dz := p1 / dp
			z -= dz
			if math.Abs(dz) < 1e-15 {
				break
			}
		}
		x[i] = 0.5*(b-a)*z + 0.5*(b+a)
		w[i] = (b - a) / ((1 - z*z) * dp * dp)
	}
	return x, w
}

func TestGTOBasisOrthonormal(t *testing.T) {
	// DScribe's own check (test_rbf_orthonormality): ∫ r² g_nl g_n'l dr = δ_nn'.
	for _, tc := range []struct {
		rCut       float64
		nMax, lMax int
	}{{5, 3, 0}, {2, 2, 20}, {3, 4, 6}, {6, 8, 4}} {
		b, err := NewGTOBasis(tc.rCut, tc.nMax, tc.lMax)
		if err != nil {
			t.Fatal(err)
		}
		x, w := gaussLegendre(400, 0, tc.rCut+8)
		for l := 0; l <= tc.lMax; l++ {
			for n := 0; n < tc.nMax; n++ {
				for m := 0; m < tc.nMax; m++ {
					var s float64
					for i := range x {
						s += w[i] * x[i] * x[i] * b.Eval(n, l, x[i]) * b.Eval(m, l, x[i])
					}
					want := 0.0
					if n == m {
						want = 1
					}
					if math.Abs(s-want) > 1e-8 {
						t.Errorf("r_cut=%g n_max=%d l=%d: <g_%d|g_%d> = %.12f, want %g", tc.rCut, tc.nMax, l, n, m, s, want)
					}
				}
			}
		}
	}
}

func TestGTOBasisSingleFunctionClosedForm(t *testing.T) {
	// n_max = 1: a = [1 Å], so α_l = ln 1000 for every l, and β_l = S^{-1/2}
	// with S = ½ Γ(l+3/2) (2α)^{−(l+3/2)} (DScribe's get_basis_gto by hand).
	b, err := NewGTOBasis(5, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	for l := 0; l <= 3; l++ {
		alpha := math.Log(1000)
		s := 0.5 * math.Gamma(float64(l)+1.5) * math.Pow(2*alpha, -(float64(l)+1.5))
		if math.Abs(b.Alpha[l][0]-alpha) > 1e-14 || math.Abs(b.Beta[l][0][0]-1/math.Sqrt(s)) > 1e-10*b.Beta[l][0][0] {
			t.Errorf("l=%d: α=%g β=%g, want %g %g", l, b.Alpha[l][0], b.Beta[l][0][0], alpha, 1/math.Sqrt(s))
		}
	}
	// n_max = 3, r_cut = 5: a = 1, 3, 5 Å and α_0 = ln1000/a² (DScribe's linspace).
	b, _ = NewGTOBasis(5, 3, 0)
	for k, a := range []float64{1, 3, 5} {
		if want := math.Log(1000) / (a * a); math.Abs(b.Alpha[0][k]-want) > 1e-14 {
			t.Errorf("α_0%d = %g, want %g", k, b.Alpha[0][k], want)
		}
	}
}

// sphereQuadrature: Gauss-Legendre in cos θ times a uniform grid in φ (exact for
// polynomials of degree < 2n in cos θ and < nφ in e^{iφ}).
func sphereQuadrature(n, nPhi int) (dirs [][3]float64, w []float64) {
	ct, wt := gaussLegendre(n, -1, 1)
	for i := range ct {
		st := math.Sqrt(1 - ct[i]*ct[i])
		for j := 0; j < nPhi; j++ {
			phi := 2 * math.Pi * float64(j) / float64(nPhi)
			dirs = append(dirs, [3]float64{st * math.Cos(phi), st * math.Sin(phi), ct[i]})
			w = append(w, wt[i]*2*math.Pi/float64(nPhi))
		}
	}
	return dirs, w
}

func TestRealSphericalHarmonicsOrthonormal(t *testing.T) {
	// ∫ Y_lm Y_l'm' dΩ = δ δ on the unit sphere, by quadrature.
	const lMax = 8
	nlm := (lMax + 1) * (lMax + 1)
	dirs, w := sphereQuadrature(24, 48)
	gram := make([][]float64, nlm)
	for i := range gram {
		gram[i] = make([]float64, nlm)
	}
	s := make([]float64, nlm)
	g := make([][3]float64, nlm)
	for q, d := range dirs {
		solidHarmonics(lMax, d[0], d[1], d[2], s, g)
		for i := 0; i < nlm; i++ {
			for j := 0; j < nlm; j++ {
				gram[i][j] += w[q] * s[i] * s[j]
			}
		}
	}
	for i := 0; i < nlm; i++ {
		for j := 0; j < nlm; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(gram[i][j]-want) > 1e-10 {
				t.Fatalf("<Y_%d|Y_%d> = %g, want %g", i, j, gram[i][j], want)
			}
		}
	}
	// Y_00 = 1/(2√π), Y_10 = √(3/4π) z (closed forms).
	solidHarmonics(1, 0.3, -0.4, 0.5, s, g)
	if math.Abs(s[0]-0.5/math.Sqrt(math.Pi)) > 1e-15 || math.Abs(s[2]-math.Sqrt(3/(4*math.Pi))*0.5) > 1e-15 {
		t.Errorf("Y_00=%g Y_10=%g", s[0], s[2])
	}
}

func TestSolidHarmonicsGradient(t *testing.T) {
	const lMax = 10
	nlm := (lMax + 1) * (lMax + 1)
	s, sp, sm := make([]float64, nlm), make([]float64, nlm), make([]float64, nlm)
	g, dummy := make([][3]float64, nlm), make([][3]float64, nlm)
	for _, p := range [][3]float64{{0.3, -0.4, 0.5}, {0, 0, 0}, {-1.2, 0.7, 0.1}, {0, 0, 1.3}} {
		solidHarmonics(lMax, p[0], p[1], p[2], s, g)
		const h = 1e-6
		for k := 0; k < 3; k++ {
			pp, pm := p, p
			pp[k] += h
			pm[k] -= h
			solidHarmonics(lMax, pp[0], pp[1], pp[2], sp, dummy)
			solidHarmonics(lMax, pm[0], pm[1], pm[2], sm, dummy)
			for i := 0; i < nlm; i++ {
				fd := (sp[i] - sm[i]) / (2 * h)
				if math.Abs(fd-g[i][k]) > 1e-6*math.Max(1, math.Abs(fd)) {
					t.Errorf("p=%v idx=%d k=%d: grad %g, finite difference %g", p, i, k, g[i][k], fd)
				}
			}
		}
	}
}

// cluster is a small two-species structure used by several tests.
func cluster() descriptors.System {
	return descriptors.System{
		Numbers:   []int{1, 8, 1, 6, 1},
		Positions: [][3]float64{{0.1, 0.2, -0.1}, {1.0, 0.3, 0.4}, {-0.6, 0.9, 0.2}, {0.4, -1.1, 0.8}, {1.9, 1.2, -0.7}},
	}
}

func TestCoefficientsAgainstNumericalIntegration(t *testing.T) {
	// The analytic c_nlm against a direct quadrature of ∫ g_nl(r) Y_lm(r̂) ρ(r) dV,
	// the way DScribe's own tests obtain their reference coefficients
	// (tests/testutils.py, soap_integration), here with Gauss-Legendre in r and
	// a product rule on the sphere.
	desc := MustNew(New("H", "C", "O").RCut(3).Sigma(0.45).NMax(3).LMax(4))
	sys := cluster()
	center := [3]float64{0.2, 0.1, 0.15}
	co := desc.expand(sys, center, false)

	rs, wr := gaussLegendre(120, 0, desc.RCut+5)
	dirs, wa := sphereQuadrature(40, 80)
	nlm := (desc.LMax + 1) * (desc.LMax + 1)
	num := make([][][]float64, len(desc.Species))
	for z := range num {
		num[z] = make([][]float64, desc.NMax)
		for n := range num[z] {
			num[z][n] = make([]float64, nlm)
		}
	}
	ylm := make([]float64, nlm)
	grad := make([][3]float64, nlm)
	ylmAt := make([][]float64, len(dirs))
	for q, d := range dirs {
		solidHarmonics(desc.LMax, d[0], d[1], d[2], ylm, grad)
		ylmAt[q] = append([]float64(nil), ylm...)
	}
	for ir, r := range rs {
		g := make([][]float64, desc.LMax+1)
		for l := range g {
			g[l] = make([]float64, desc.NMax)
			for n := range g[l] {
				g[l][n] = desc.Basis.Eval(n, l, r)
			}
		}
		for q, d := range dirs {
			p := [3]float64{center[0] + r*d[0], center[1] + r*d[1], center[2] + r*d[2]}
			rho := make([]float64, len(desc.Species))
			for a, pos := range sys.Positions {
				dist := descriptors.Distance(p, pos)
				rho[desc.index[sys.Numbers[a]]] += math.Exp(-dist * dist / (2 * desc.Sigma * desc.Sigma))
			}
			w := wr[ir] * wa[q] * r * r
			for z := range rho {
				for l := 0; l <= desc.LMax; l++ {
					for n := 0; n < desc.NMax; n++ {
						for lm := l * l; lm < (l+1)*(l+1); lm++ {
							num[z][n][lm] += w * g[l][n] * ylmAt[q][lm] * rho[z]
						}
					}
				}
			}
		}
	}
	for z := range num {
		for n := range num[z] {
			for lm := range num[z][n] {
				a, b := co.c[z][n][lm], num[z][n][lm]
				if math.Abs(a-b) > 1e-7+1e-6*math.Abs(b) {
					t.Errorf("c[Z=%d][n=%d][lm=%d]: analytic %.10g, quadrature %.10g", desc.Species[z], n, lm, a, b)
				}
			}
		}
	}
}

func rotate(p [3]float64, rot [3][3]float64) [3]float64 {
	var q [3]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			q[i] += rot[i][j] * p[j]
		}
	}
	return q
}

func TestInvariances(t *testing.T) {
	desc := MustNew(New("H", "C", "O").RCut(4).Sigma(0.5).NMax(4).LMax(6))
	sys := cluster()
	center := [3]float64{0.3, 0.2, 0.1}
	ref, err := desc.Create(sys, [][3]float64{center})
	if err != nil {
		t.Fatal(err)
	}
	// A rotation about an arbitrary axis (Rodrigues), and a translation.
	axis := [3]float64{0.36, -0.48, 0.8}
	th := 1.234
	c, s := math.Cos(th), math.Sin(th)
	var rot [3][3]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			rot[i][j] = (1 - c) * axis[i] * axis[j]
			if i == j {
				rot[i][j] += c
			}
		}
	}
	rot[0][1] -= s * axis[2]
	rot[0][2] += s * axis[1]
	rot[1][0] += s * axis[2]
	rot[1][2] -= s * axis[0]
	rot[2][0] -= s * axis[1]
	rot[2][1] += s * axis[0]
	shift := [3]float64{1.7, -2.2, 0.4}
	moved := descriptors.System{Numbers: sys.Numbers}
	for _, p := range sys.Positions {
		q := rotate([3]float64{p[0] - center[0], p[1] - center[1], p[2] - center[2]}, rot)
		moved.Positions = append(moved.Positions, [3]float64{q[0] + shift[0], q[1] + shift[1], q[2] + shift[2]})
	}
	got, err := desc.Create(moved, [][3]float64{shift})
	if err != nil {
		t.Fatal(err)
	}
	maxAbs := 0.0
	for _, v := range ref[0] {
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	for f := range ref[0] {
		if math.Abs(ref[0][f]-got[0][f]) > 1e-10*maxAbs {
			t.Errorf("feature %d: %g before, %g after rotation+translation", f, ref[0][f], got[0][f])
		}
	}
	// Permuting atoms of the same species changes nothing either.
	perm := descriptors.System{Numbers: []int{1, 8, 1, 6, 1}, Positions: [][3]float64{sys.Positions[4], sys.Positions[1], sys.Positions[0], sys.Positions[3], sys.Positions[2]}}
	got, _ = desc.Create(perm, [][3]float64{center})
	for f := range ref[0] {
		if math.Abs(ref[0][f]-got[0][f]) > 1e-12*maxAbs {
			t.Errorf("feature %d changes under a permutation of H atoms", f)
		}
	}
}

func TestDerivativesAgainstFiniteDifferences(t *testing.T) {
	for _, desc := range []*SOAP{
		MustNew(New("H").RCut(5).Sigma(0.5).NMax(3).LMax(0)), // the lesson's settings
		MustNew(New("H", "C", "O").RCut(3).Sigma(0.4).NMax(3).LMax(5)),
		MustNew(New("H", "C", "O").RCut(3).Sigma(0.6).NMax(2).LMax(3).Crossover(false)),
	} {
		sys := cluster()
		if len(desc.Species) == 1 {
			sys = descriptors.System{Numbers: []int{1, 1}, Positions: [][3]float64{{-1.4, 0, 0}, {1.4, 0, 0}}}
		}
		centers := [][3]float64{{0, 0, 0}, {0.4, -0.2, 0.3}, sys.Positions[0]} // one centre on an atom
		_, dd, err := desc.Derivatives(sys, centers)
		if err != nil {
			t.Fatal(err)
		}
		const h = 1e-5
		for a := range sys.Positions {
			for k := 0; k < 3; k++ {
				p := descriptors.System{Numbers: sys.Numbers, Positions: append([][3]float64(nil), sys.Positions...)}
				p.Positions[a][k] += h
				dp, _ := desc.Create(p, centers)
				p.Positions[a][k] -= 2 * h
				dm, _ := desc.Create(p, centers)
				for c := range centers {
					for f := range dp[c] {
						fd := (dp[c][f] - dm[c][f]) / (2 * h)
						if math.Abs(fd-dd[c][a][k][f]) > 1e-6*math.Max(1, math.Abs(fd)) {
							t.Errorf("species %v centre %d atom %d xyz %d feature %d: analytic %.9g, finite difference %.9g",
								desc.Species, c, a, k, f, dd[c][a][k][f], fd)
						}
					}
				}
			}
		}
	}
}

func TestNumberOfFeatures(t *testing.T) {
	// DScribe's test_number_of_features: H,O with n_max = l_max = 5.
	if got := MustNew(New("H", "O").NMax(5).LMax(5)).NumFeatures(); got != (5+1)*(5*2)*(5*2+1)/2 {
		t.Errorf("crossover: %d", got)
	}
	if got := MustNew(New("H", "O").NMax(5).LMax(5).Crossover(false)).NumFeatures(); got != 5*2*(5+1)/2*(5+1) {
		t.Errorf("no crossover: %d", got)
	}
	desc := MustNew(New("H"))
	d, _ := desc.Create(descriptors.System{Numbers: []int{1, 1}, Positions: [][3]float64{{-1, 0, 0}, {1, 0, 0}}}, [][3]float64{{0, 0, 0}})
	if len(d[0]) != 6 {
		t.Errorf("the lesson's descriptor has %d features, want 6", len(d[0]))
	}
}

func TestSingleAtomAtCentreClosedForm(t *testing.T) {
	// One atom on the centre, n_max = 1, l = 0: only the R = 0 term survives, so
	// c_000 = π^{3/2} η^{−3/2} β (1+α/η)^{−3/2} Y_00 and p = π√8 c_000², with
	// α = ln 1000, β = (½ Γ(3/2) (2α)^{−3/2})^{−1/2} (hand calculation).
	sigma := 0.7
	desc := MustNew(New("H").RCut(3).Sigma(sigma).NMax(1).LMax(2))
	d, err := desc.Create(descriptors.System{Numbers: []int{1}, Positions: [][3]float64{{0.5, 0.5, 0.5}}}, [][3]float64{{0.5, 0.5, 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	eta := 1 / (2 * sigma * sigma)
	alpha := math.Log(1000)
	beta := 1 / math.Sqrt(0.5*math.Gamma(1.5)*math.Pow(2*alpha, -1.5))
	c := math.Pow(math.Pi/eta, 1.5) * beta * math.Pow(1+alpha/eta, -1.5) / (2 * math.Sqrt(math.Pi))
	if want := math.Pi * math.Sqrt(8) * c * c; math.Abs(d[0][0]-want) > 1e-12*want {
		t.Errorf("p_000 = %.15g, want %.15g", d[0][0], want)
	}
	if d[0][1] != 0 || d[0][2] != 0 {
		t.Errorf("l > 0 features of a centred atom should vanish: %v", d[0])
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		b    *Builder
		want string
	}{
		{New("H").NMax(0), "n_max"},
		{New("H").LMax(21), "l_max"},
		{New("H").RCut(0.9), "r_cut"},
		{New("H").Sigma(0), "sigma"},
		{New("Xx"), "unknown chemical species"},
		{New("H").RCut(10).NMax(14).LMax(8), "GTO basis"}, // DScribe also refuses this one
		{New("H").RCut(1e9), "r_cut=1e+09: want 1 Å < r_cut ≤ 100 Å"},
		{New("H").NMax(100000), "n_max=100000: want 1 to 16"},
	} {
		if _, err := tc.b.Done(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", *tc.b, err, tc.want)
		}
	}
	desc := MustNew(New("H"))
	if _, err := desc.Create(descriptors.System{Numbers: []int{1, 8}, Positions: [][3]float64{{0, 0, 0}, {1, 0, 0}}}, [][3]float64{{0, 0, 0}}); err == nil || !strings.Contains(err.Error(), "not among") {
		t.Errorf("unknown species in system: %v", err)
	}
	if _, err := desc.Create(descriptors.System{Numbers: []int{1, 1}, Positions: [][3]float64{{0, 0, 0}, {5e-7, 0, 0}}}, [][3]float64{{0, 0, 0}}); err == nil || !strings.Contains(err.Error(), "closer") {
		t.Errorf("coincident atoms: %v", err)
	}
}

func TestHarmonicNormalisationMatchesDScribeConstants(t *testing.T) {
	// DScribe's soapGTO.cpp (2.x, getP) hard-codes cs = π³ N² for each real solid
	// harmonic written as the polynomial below (N its normalisation, π³ from the
	// π^{3/2} of the Gaussian integral, squared). Our S_lm must have the same
	// magnitude: |S_lm| = √(cs/π³) |poly|. Constants copied from DScribe.
	x, y, z := 0.37, -0.52, 0.81
	r2 := x*x + y*y + z*z
	re3, im3 := x*x*x-3*x*y*y, 3*x*x*y-y*y*y
	cases := []struct {
		idx  int // l² + l + m
		cs   float64
		poly float64
	}{
		{0, 2.4674011003, 1},
		{2, 7.4022033011, z}, {3, 7.4022033005, x}, {1, 7.4022033005, y},
		{6, 3.0842513755, 3*z*z - r2},
		{7, 37.0110165048, z * x}, {5, 37.0110165048, z * y},
		{8, 9.2527541262, x*x - y*y}, {4, 9.2527541262, 2 * x * y},
		{12, 4.3179519254, (5*z*z - 3*r2) * z},
		{13, 6.4769278880, x * (5*z*z - r2)}, {11, 6.4769278880, y * (5*z*z - r2)},
		{14, 64.7692788826, z * (x*x - y*y)}, {10, 64.7692788826, z * 2 * x * y},
		{15, 10.7948798139, re3}, {9, 10.7948798139, im3},
	}
	s := make([]float64, 16)
	g := make([][3]float64, 16)
	solidHarmonics(3, x, y, z, s, g)
	for _, c := range cases {
		want := math.Sqrt(c.cs/math.Pow(math.Pi, 3)) * math.Abs(c.poly)
		if math.Abs(math.Abs(s[c.idx])-want) > 1e-9*want {
			t.Errorf("S[%d] = %.12g, DScribe's normalisation gives ±%.12g", c.idx, s[c.idx], want)
		}
	}
}

func TestNeighbourCutoffAsDScribe(t *testing.T) {
	// DScribe includes atoms within r_cut + σ√(2 ln 1000) of the centre (its cell-list
	// cut-off, soapGTO.cpp) and integrates their Gaussians over all space: an atom just
	// outside that radius leaves the descriptor unchanged, one just inside changes it.
	desc := MustNew(New("H").RCut(3).Sigma(0.5).NMax(2).LMax(1))
	reach := desc.RCut + desc.CutoffPadding()
	if math.Abs(desc.CutoffPadding()-0.5*math.Sqrt(2*math.Log(1000))) > 1e-15 {
		t.Fatalf("padding %g", desc.CutoffPadding())
	}
	base := descriptors.System{Numbers: []int{1}, Positions: [][3]float64{{0.4, 0.1, 0}}}
	ref, _ := desc.Create(base, [][3]float64{{0, 0, 0}})
	for _, tc := range []struct {
		r       float64
		changes bool
	}{{reach + 1e-3, false}, {reach - 1e-3, true}} {
		sys := descriptors.System{Numbers: []int{1, 1}, Positions: [][3]float64{{0.4, 0.1, 0}, {0, tc.r, 0}}}
		got, _ := desc.Create(sys, [][3]float64{{0, 0, 0}})
		changed := false
		for f := range got[0] {
			if got[0][f] != ref[0][f] {
				changed = true
			}
		}
		if changed != tc.changes {
			t.Errorf("atom at %.4f Å (reach %.4f): changed=%v, want %v", tc.r, reach, changed, tc.changes)
		}
	}
}
