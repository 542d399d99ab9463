// Package blackhole describes the planar AdS4 black holes that serve as the
// "true" bulk geometries in the AdS/CFT deep-learning experiment of
// Hashimoto, Sugishita, Tanaka and Tomiya, "Deep Learning and AdS/CFT",
// Phys. Rev. D 98, 046019 (2018), arXiv:1802.08313.
//
// The metric, with the horizon at z = 1 and the AdS boundary at z = 0, is
//
//	ds² = (1/z²) ( -h(z) dt² + dz²/h(z) + dx² + dy² ),
//	h(z) = 1 - z³ - Q² z³ + Q² z⁴,
//
// which is AdS-Schwarzschild at Q = 0 and Reissner-Nordström (charged) for
// 0 < Q < √3; at Q = √3 the horizon is extremal (double zero of h) and the
// proper distance to it diverges, so this package accepts 0 ≤ Q < √3.
//
// The deep-learning network works in the proper radial coordinate
//
//	η(z) = ∫_z^1 dz' / (z' √h(z')),   (dη = -dz/(z√h)),
//
// which runs from η = 0 at the horizon to η → ∞ at the boundary. In η the
// equation of a scalar field φ(η) reads ∂η Π + H(η) Π - m²φ - V'(φ) = 0 with
// Π = ∂η φ and the "metric function"
//
//	H(η) = ∂η log √(-g) = (6h - z h') / (2√h),   evaluated at z = z(η).
//
// For Schwarzschild everything is closed form: z = sech^(2/3)(3η/2) and
// H = 3 coth(3η); this package computes the general case numerically:
// η(z) by adaptive Gauss-Kronrod quadrature after the substitution
// z = 1 - u², which removes the 1/√(1-z) singularity at the horizon, and
// z(η) by a bracketed Newton iteration on that same u, both to ~1e-13.
//
// Example:
//
//	bh := blackhole.MustNew(0.9)           // Reissner-Nordström, Q = 0.9
//	z := bh.Z(0.5)                         // radial position at η = 0.5
//	H := bh.H([]float64{0.1, 0.5, 1.0})    // metric function on a grid
package blackhole

import (
	"fmt"
	"math"
)

// ExtremalCharge is the charge Q = √3 at which the horizon becomes extremal.
var ExtremalCharge = math.Sqrt(3)

// Background is an AdS4 black hole with horizon at z = 1 and charge parameter Q.
type Background struct {
	Q float64
}

// New validates the charge and returns the background. Q must lie in [0, √3):
// negative Q is meaningless here (only Q² enters, use |Q|) and at Q = √3 the
// horizon is extremal and η diverges.
func New(q float64) (*Background, error) {
	if math.IsNaN(q) || q < 0 || q >= ExtremalCharge {
		return nil, fmt.Errorf("blackhole: charge Q=%g outside the valid range [0, √3=%.6f): at Q=√3 the horizon is extremal and the proper distance to it diverges", q, ExtremalCharge)
	}
	return &Background{Q: q}, nil
}

// MustNew is New for notebook cells: it panics on an invalid charge.
func MustNew(q float64) *Background {
	b, err := New(q)
	if err != nil {
		panic(err)
	}
	return b
}

// Schwarzschild returns the Q = 0 background.
func Schwarzschild() *Background { return &Background{Q: 0} }

// Emblackening returns h(z) = 1 - (1+Q²) z³ + Q² z⁴.
func (b *Background) Emblackening(z float64) float64 {
	q2 := b.Q * b.Q
	z3 := z * z * z
	return 1 - (1+q2)*z3 + q2*z3*z
}

// EmblackeningDeriv returns h'(z) = -3(1+Q²) z² + 4Q² z³ (exact, no finite differences).
func (b *Background) EmblackeningDeriv(z float64) float64 {
	q2 := b.Q * b.Q
	return -3*(1+q2)*z*z + 4*q2*z*z*z
}

// reduced returns g(z) = h(z)/(1-z) = 1 + z + z² - Q² z³, the emblackening
// factor with its horizon zero divided out (g(1) = 3 - Q² > 0 below extremality).
func (b *Background) reduced(z float64) float64 {
	return 1 + z + z*z - b.Q*b.Q*z*z*z
}

// detaDu is dη/du with z = 1 - u²: 2/(z √g(z)). It is smooth at the horizon (u = 0).
func (b *Background) detaDu(u float64) float64 {
	z := 1 - u*u
	return 2 / (z * math.Sqrt(b.reduced(z)))
}

const quadTol = 1e-14

// zSplit divides the two integration variables: u = √(1-z) near the horizon
// (z ≥ zSplit), where it removes the 1/√(1-z) singularity, and s = log z near
// the boundary (z < zSplit), where dz/z = ds turns the logarithmic growth of η
// into a smooth integrand 1/√h(e^s).
const zSplit = 0.5

// Eta returns η(z) = ∫_z^1 dz'/(z'√h(z')) for 0 < z ≤ 1 (+Inf at z ≤ 0).
func (b *Background) Eta(z float64) float64 {
	if z <= 0 {
		return math.Inf(1)
	}
	if z >= 1 {
		return 0
	}
	if z >= zSplit {
		return b.etaOfU(math.Sqrt(1 - z))
	}
	return b.etaOfS(math.Log(z))
}

// etaOfU is η as a function of u = √(1-z) ≤ √(1-zSplit): ∫_0^u 2/(z√g) du'.
func (b *Background) etaOfU(u float64) float64 {
	return integrate(b.detaDu, 0, u, quadTol)
}

// detaDs is -dη/ds with s = log z: 1/√h(e^s).
func (b *Background) detaDs(s float64) float64 {
	return 1 / math.Sqrt(b.Emblackening(math.Exp(s)))
}

// etaOfS is η as a function of s = log z ≤ log zSplit.
func (b *Background) etaOfS(s float64) float64 {
	return b.etaSplit() + integrate(b.detaDs, s, math.Log(zSplit), quadTol)
}

func (b *Background) etaSplit() float64 {
	return b.etaOfU(math.Sqrt(1 - zSplit))
}

// Z returns z(η), the inverse of [Background.Eta], for η ≥ 0.
// It panics for negative or NaN η (a programming error); see [Background.ZChecked].
func (b *Background) Z(eta float64) float64 {
	z, err := b.ZChecked(eta)
	if err != nil {
		panic(err)
	}
	return z
}

// ZChecked is Z returning an error for η < 0 or NaN.
func (b *Background) ZChecked(eta float64) (float64, error) {
	z, _, err := b.invert(eta)
	return z, err
}

// invert solves η(z) = eta and returns z together with u = √(1-z), computed
// without cancellation near the horizon. Near the horizon it runs Newton's
// method on u, near the boundary on s = log z; in both variables η is smooth
// and monotonic, and a bisection step replaces any Newton step that leaves
// the current bracket.
func (b *Background) invert(eta float64) (z, u float64, err error) {
	if math.IsNaN(eta) || eta < 0 {
		return 0, 0, fmt.Errorf("blackhole: η=%g must be ≥ 0 (η = 0 is the horizon, η → ∞ the boundary)", eta)
	}
	if eta == 0 {
		return 1, 0, nil
	}
	if math.IsInf(eta, 1) {
		return 0, 1, nil
	}
	// Starting point: the Schwarzschild closed form z = sech^(2/3)(3η/2).
	z0 := SchwarzschildZ(eta)
	etaS := b.etaSplit()
	if eta <= etaS {
		uMax := math.Sqrt(1 - zSplit)
		u := math.Min(math.Sqrt(1-z0), uMax)
		u = newton(func(u float64) float64 { return b.etaOfU(u) - eta }, b.detaDu, u, 0, uMax, eta)
		return 1 - u*u, u, nil
	}
	// η(s) decreases with slope -1/√h ∈ [-1/√h(zSplit), -1]: bracket accordingly.
	sMax := math.Log(zSplit)
	sMin := sMax - (eta - etaS) - 1
	s := math.Max(math.Min(math.Log(z0), sMax), sMin)
	s = newton(func(s float64) float64 { return b.etaOfS(s) - eta },
		func(s float64) float64 { return -b.detaDs(s) }, s, sMin, sMax, eta)
	z = math.Exp(s)
	return z, math.Sqrt(1 - z), nil
}

// newton finds the root of the monotonic f in [lo, hi] from x, with df = f'.
// Steps that leave the bracket are replaced by bisection; it stops when
// |f| ≤ 1e-14·max(1, scale) or the step is below 1e-16·max(1,|x|).
func newton(f, df func(float64) float64, x, lo, hi, scale float64) float64 {
	increasing := df(x) > 0
	for iter := 0; iter < 200; iter++ {
		fx := f(x)
		if math.Abs(fx) <= 1e-14*math.Max(1, scale) {
			return x
		}
		if (fx > 0) == increasing {
			hi = x
		} else {
			lo = x
		}
		next := x - fx/df(x)
		if !(next > lo && next < hi) {
			next = 0.5 * (lo + hi)
		}
		if math.Abs(next-x) <= 1e-16*math.Max(1, math.Abs(x)) {
			return next
		}
		x = next
	}
	return x
}

// HAtZ returns H = (6h - z h')/(2√h) at radial position z ∈ (0, 1).
func (b *Background) HAtZ(z float64) float64 {
	return b.hFromZU(z, math.Sqrt(1-z))
}

// hFromU evaluates H with h = u² g(z) written out, so that √h = u√g has no
// cancellation near the horizon.
func (b *Background) hFromZU(z, u float64) float64 {
	g := b.reduced(z)
	h := u * u * g
	return (6*h - z*b.EmblackeningDeriv(z)) / (2 * u * math.Sqrt(g))
}

// HAt returns the metric function H(η) at one η > 0.
func (b *Background) HAt(eta float64) float64 {
	z, u, err := b.invert(eta)
	if err != nil {
		panic(err)
	}
	return b.hFromZU(z, u)
}

// H returns H(η) for each η (all > 0).
func (b *Background) H(etas []float64) []float64 {
	out := make([]float64, len(etas))
	for i, e := range etas {
		out[i] = b.HAt(e)
	}
	return out
}

// Zs returns z(η) for each η.
func (b *Background) Zs(etas []float64) []float64 {
	out := make([]float64, len(etas))
	for i, e := range etas {
		out[i] = b.Z(e)
	}
	return out
}

// LogVolume returns log √(-g) in η coordinates, log(√h / z³), whose η-derivative is H.
// Its differences give exact layer averages of H: (1/Δη) ∫ H dη.
func (b *Background) LogVolume(eta float64) float64 {
	z, u, err := b.invert(eta)
	if err != nil {
		panic(err)
	}
	return math.Log(u*math.Sqrt(b.reduced(z))) - 3*math.Log(z)
}

// LayerAverageH returns (1/(b-a)) ∫_a^b H(η) dη for 0 < a, b, computed exactly
// from log √(-g). It is the natural target for a network whose metric is constant per layer.
func (b *Background) LayerAverageH(a, c float64) float64 {
	return (b.LogVolume(c) - b.LogVolume(a)) / (c - a)
}

// SchwarzschildZ is the closed form z(η) = sech^(2/3)(3η/2) at Q = 0.
func SchwarzschildZ(eta float64) float64 {
	return math.Pow(1/math.Cosh(1.5*eta), 2.0/3.0)
}

// SchwarzschildH is the closed form H(η) = 3 coth(3η) at Q = 0.
func SchwarzschildH(eta float64) float64 {
	return 3 / math.Tanh(3*eta)
}
