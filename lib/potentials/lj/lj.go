// Package lj is the Lennard-Jones pair potential, computed exactly as ASE's
// calculator ase.calculators.lj.LennardJones does it (ASE 3.22 and later), so
// that energies and forces made here can stand in for the ones the lesson makes
// with ASE.
//
// The pair energy of two atoms at distance r is
//
//	u(r) = 4 ε [ (σ/r)^12 − (σ/r)^6 ]
//
// and the total energy is the sum over pairs. Like ASE, pairs farther apart than
// the cut-off r_c (3σ when not given) are left out, and the pair energy is
// shifted by u(r_c) so that it goes to zero continuously at r_c:
//
//	u'(r) = u(r) − u(r_c)   for r ≤ r_c,  0 beyond.
//
// The force then jumps to zero at r_c, as in ASE. ASE's alternative "smooth"
// mode multiplies u by a cut-off function that goes from 1 at r_o (0.66 r_c when
// not given) to 0 at r_c, so that forces are continuous too; it is here as
// [Builder.Smooth].
//
// The force on atom i is F_i = −∂E/∂r_i = Σ_j g(r_ij) d_ij, with d_ij = r_j − r_i
// pointing towards the neighbour and g(r) = −24 ε (2 (σ/r)^12 − (σ/r)^6)/r²
// (ASE calls g "du_ij").
//
// Only isolated (non-periodic) systems are handled: the lesson's H2 dimer.
//
// Example (the lesson's dimer, ε = 1 eV, σ = 2.9 Å):
//
//	calc := lj.MustNew(lj.New(1.0, 2.9))
//	res, err := calc.Compute([][3]float64{{-1.5, 0, 0}, {1.5, 0, 0}})
//	fmt.Println(res.Energy, res.Forces[0][0])
package lj

import (
	"fmt"
	"math"
)

// MinDistance is the closest two atoms may be: below it the potential
// (∝ r^-12) overflows and the structure is almost surely a mistake.
const MinDistance = 1e-6

// Builder collects the parameters of a Lennard-Jones calculator; [Builder.Done]
// checks them and returns the [Calculator].
type Builder struct {
	epsilon, sigma float64
	rc, ro         float64 // 0 means "ASE's default"
	smooth         bool
}

// New starts a Lennard-Jones calculator with well depth epsilon (energy units,
// eV in the lesson) and size sigma (length units, Å): the pair minimum lies at
// 2^(1/6) σ with depth −ε (before the cut-off shift).
func New(epsilon, sigma float64) *Builder {
	return &Builder{epsilon: epsilon, sigma: sigma}
}

// Cutoff sets r_c. ASE's default, used when this is not called, is 3σ.
func (b *Builder) Cutoff(rc float64) *Builder { b.rc = rc; return b }

// Smooth switches to ASE's smooth mode: the pair energy is multiplied by a cut-off
// function going from 1 at ro to 0 at r_c. ro <= 0 selects ASE's default 0.66 r_c.
func (b *Builder) Smooth(ro float64) *Builder { b.smooth = true; b.ro = ro; return b }

// Done validates the parameters.
func (b *Builder) Done() (*Calculator, error) {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	if bad(b.epsilon) || b.epsilon < 0 {
		return nil, fmt.Errorf("lj: epsilon=%g must be a finite number >= 0", b.epsilon)
	}
	if bad(b.sigma) || b.sigma <= 0 {
		return nil, fmt.Errorf("lj: sigma=%g must be a finite number > 0", b.sigma)
	}
	c := &Calculator{Epsilon: b.epsilon, Sigma: b.sigma, Rc: b.rc, Ro: b.ro, IsSmooth: b.smooth}
	if c.Rc == 0 {
		c.Rc = 3 * c.Sigma
	}
	if bad(c.Rc) || c.Rc <= 0 {
		return nil, fmt.Errorf("lj: cut-off rc=%g must be a finite number > 0", c.Rc)
	}
	if c.IsSmooth {
		if c.Ro <= 0 {
			c.Ro = 0.66 * c.Rc
		}
		if bad(c.Ro) || c.Ro >= c.Rc {
			return nil, fmt.Errorf("lj: smooth onset ro=%g must lie in (0, rc=%g)", c.Ro, c.Rc)
		}
	}
	return c, nil
}

// MustNew is [Builder.Done] that panics on error, for notebook cells.
func MustNew(b *Builder) *Calculator {
	c, err := b.Done()
	if err != nil {
		panic(err)
	}
	return c
}

// Calculator holds validated Lennard-Jones parameters. Its zero value is not
// usable: build it with [New].
type Calculator struct {
	Epsilon, Sigma float64
	Rc             float64 // cut-off radius
	Ro             float64 // onset of the smooth cut-off (smooth mode only)
	IsSmooth       bool
}

// Result is what [Calculator.Compute] returns.
type Result struct {
	Energy   float64      // total energy
	Energies []float64    // per-atom energies (half of each pair energy to each atom), as ASE's "energies"
	Forces   [][3]float64 // −∂E/∂r_i
}

// PairEnergy is the pair energy u'(r) with the cut-off treatment applied
// (shift or smooth), the function whose sum is the total energy.
func (c *Calculator) PairEnergy(r float64) float64 {
	e, _ := c.pair(r * r)
	return e
}

// pair returns, for squared distance r2, the pair energy and the scalar g such
// that the force on atom i from neighbour j is g · (r_j − r_i)
// (ASE's "du_ij").
func (c *Calculator) pair(r2 float64) (energy, g float64) {
	rc2 := c.Rc * c.Rc
	if r2 > rc2 {
		return 0, 0
	}
	c6 := math.Pow(c.Sigma*c.Sigma/r2, 3)
	c12 := c6 * c6
	energy = 4 * c.Epsilon * (c12 - c6)
	g = -24 * c.Epsilon * (2*c12 - c6) / r2
	if c.IsSmooth {
		ro2 := c.Ro * c.Ro
		fc, dfc := smoothCutoff(r2, rc2, ro2)
		g = fc*g + 2*dfc*energy
		energy *= fc
		return energy, g
	}
	sr := c.Sigma / c.Rc
	e0 := 4 * c.Epsilon * (math.Pow(sr, 12) - math.Pow(sr, 6))
	return energy - e0, g
}

// smoothCutoff is ASE's (and JAX-MD's) cut-off function of the squared distance
// x = r², going from 1 at x = ro² to 0 at x = rc², and its derivative d/dx.
func smoothCutoff(x, rc2, ro2 float64) (f, df float64) {
	switch {
	case x < ro2:
		return 1, 0
	case x < rc2:
		d := rc2 - ro2
		d3 := d * d * d
		return (rc2 - x) * (rc2 - x) * (rc2 + 2*x - 3*ro2) / d3, 6 * (rc2 - x) * (ro2 - x) / d3
	}
	return 0, 0
}

// Compute returns the energy, per-atom energies and forces of the atoms at the
// given positions. It fails on non-finite coordinates and on atoms closer than
// [MinDistance].
func (c *Calculator) Compute(positions [][3]float64) (Result, error) {
	n := len(positions)
	res := Result{Energies: make([]float64, n), Forces: make([][3]float64, n)}
	for i, p := range positions {
		for k := 0; k < 3; k++ {
			if math.IsNaN(p[k]) || math.IsInf(p[k], 0) {
				return Result{}, fmt.Errorf("lj: atom %d has a non-finite coordinate %v", i, p)
			}
		}
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			var d [3]float64 // d_ij = r_j − r_i, pointing towards the neighbour
			r2 := 0.0
			for k := 0; k < 3; k++ {
				d[k] = positions[j][k] - positions[i][k]
				r2 += d[k] * d[k]
			}
			if r2 < MinDistance*MinDistance {
				return Result{}, fmt.Errorf("lj: atoms %d and %d are %.3g apart, closer than %g", i, j, math.Sqrt(r2), MinDistance)
			}
			e, g := c.pair(r2)
			res.Energies[i] += e / 2
			res.Energies[j] += e / 2
			res.Energy += e
			for k := 0; k < 3; k++ {
				res.Forces[i][k] += g * d[k]
				res.Forces[j][k] -= g * d[k]
			}
		}
	}
	return res, nil
}

// MustCompute is [Calculator.Compute] that panics on error, for notebook cells.
func (c *Calculator) MustCompute(positions [][3]float64) Result {
	r, err := c.Compute(positions)
	if err != nil {
		panic(err)
	}
	return r
}

// Dimer returns the positions of two atoms at distance d on the x axis,
// centred on the origin as in the lesson: (−d/2, 0, 0) and (+d/2, 0, 0).
func Dimer(d float64) [][3]float64 {
	return [][3]float64{{-0.5 * d, 0, 0}, {0.5 * d, 0, 0}}
}

// DimerPoint is the energy and forces of one [Dimer].
type DimerPoint struct {
	Distance float64      `json:"distance"` // Å
	Energy   float64      `json:"energy"`   // eV
	Forces   [][3]float64 `json:"forces"`   // eV/Å, [atom][xyz]
}

// Dimers computes the dimers at the given distances: the energy curve.
func (c *Calculator) Dimers(distances []float64) ([]DimerPoint, error) {
	if len(distances) == 0 {
		return nil, fmt.Errorf("lj: no distances: want at least one")
	}
	var out []DimerPoint
	for _, d := range distances {
		if !(d >= MinDistance) || math.IsInf(d, 0) {
			return nil, fmt.Errorf("lj: distance %g Å: want a finite distance of at least %g Å", d, MinDistance)
		}
		r, err := c.Compute(Dimer(d))
		if err != nil {
			return nil, fmt.Errorf("lj: dimer at d=%g: %w", d, err)
		}
		out = append(out, DimerPoint{d, r.Energy, r.Forces})
	}
	return out, nil
}
