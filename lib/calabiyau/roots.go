package calabiyau

import (
	"fmt"
	"math"
	"math/cmplx"
)

// PolyRoots returns all roots of Σ_k c[k] t^k, with multiplicity, by the
// Aberth-Ehrlich simultaneous iteration (cubic convergence for simple roots,
// linear but steady at multiple roots), followed by a Newton polish of each
// root that is kept only where it lowers |p(t)|. Leading coefficients must
// not vanish; the degree is len(c)-1.
func PolyRoots(c []complex128) ([]complex128, error) {
	n := len(c) - 1
	if n < 1 {
		return nil, fmt.Errorf("calabiyau: polynomial of degree %d has no roots to find", n)
	}
	lead := c[n]
	if lead == 0 || cmplx.IsNaN(lead) {
		return nil, fmt.Errorf("calabiyau: leading coefficient is %v", lead)
	}
	// Monic coefficients a[k] = c[k]/c[n].
	a := make([]complex128, n+1)
	for k := range c {
		a[k] = c[k] / lead
	}
	// Fujiwara-style radius for the starting circle.
	var r float64
	for k := 0; k < n; k++ {
		r = math.Max(r, math.Pow(cmplx.Abs(a[k]), 1/float64(n-k)))
	}
	if r == 0 {
		r = 1
	}
	z := make([]complex128, n)
	for i := range z {
		// An irrational angular offset avoids symmetric starting points.
		z[i] = cmplx.Rect(r, 2*math.Pi*float64(i)/float64(n)+0.4)
	}
	eval := func(t complex128) (p, dp complex128) {
		p = a[n]
		for k := n - 1; k >= 0; k-- {
			dp = dp*t + p
			p = p*t + a[k]
		}
		return p, dp
	}
	const maxIter = 500
	for it := 0; it < maxIter; it++ {
		var maxStep float64
		for i := range z {
			p, dp := eval(z[i])
			if p == 0 {
				continue
			}
			ratio := p / dp
			var sum complex128
			for j := range z {
				if j != i {
					sum += 1 / (z[i] - z[j])
				}
			}
			step := ratio / (1 - ratio*sum)
			if cmplx.IsNaN(step) || cmplx.IsInf(step) {
				step = complex(1e-8*(1+cmplx.Abs(z[i])), 1e-8) // nudge apart coincident iterates
			}
			z[i] -= step
			maxStep = math.Max(maxStep, cmplx.Abs(step)/(1+cmplx.Abs(z[i])))
		}
		if maxStep < 1e-15 {
			break
		}
	}
	for i := range z {
		for k := 0; k < 3; k++ {
			p, dp := eval(z[i])
			if dp == 0 {
				break
			}
			t := z[i] - p/dp
			if pt, _ := eval(t); cmplx.Abs(pt) < cmplx.Abs(p) {
				z[i] = t
			} else {
				break
			}
		}
		if cmplx.IsNaN(z[i]) || cmplx.IsInf(z[i]) {
			return nil, fmt.Errorf("calabiyau: root finding diverged for coefficients %v", c)
		}
	}
	return z, nil
}
