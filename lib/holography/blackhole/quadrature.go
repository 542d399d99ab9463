package blackhole

import "math"

// Gauss-Kronrod 7-15 rule on [-1, 1] (QUADPACK's qk15 nodes and weights,
// Piessens et al. 1983). xgk[1], xgk[3], xgk[5], xgk[7] are the 7-point Gauss
// nodes with weights wg; the 15-point Kronrod rule is exact for polynomials
// up to degree 22, the Gauss rule up to degree 13.
var (
	xgk = [8]float64{
		0.991455371120812639206854697526329,
		0.949107912342758524526189684047851,
		0.864864423359769072789712788640926,
		0.741531185599394439863864773280788,
		0.586087235467691130294144845693013,
		0.405845151377397166906606412076961,
		0.207784955007898467600689403773245,
		0.000000000000000000000000000000000,
	}
	wgk = [8]float64{
		0.022935322010529224963732008058970,
		0.063092092629978553290700663189204,
		0.104790010322250183839876322541518,
		0.140653259715525918745189590510238,
		0.169004726639267902826583426598550,
		0.190350578064785409913256402421014,
		0.204432940075298892414161999234649,
		0.209482141084727828012999174891714,
	}
	wg = [4]float64{
		0.129484966168869693270611432679082,
		0.279705391489276667901467771423780,
		0.381830050505118944950369775488975,
		0.417959183673469387755102040816327,
	}
)

// gk15 applies the Gauss-Kronrod pair on [a, b]: the Kronrod estimate and
// |Kronrod - Gauss| as an error estimate.
func gk15(f func(float64) float64, a, b float64) (result, errEst float64) {
	c := 0.5 * (a + b)
	h := 0.5 * (b - a)
	fc := f(c)
	resK := fc * wgk[7]
	resG := fc * wg[3]
	for j := 0; j < 7; j++ {
		dx := h * xgk[j]
		s := f(c-dx) + f(c+dx)
		resK += wgk[j] * s
		if j%2 == 1 {
			resG += wg[j/2] * s
		}
	}
	return resK * h, math.Abs((resK - resG) * h)
}

// integrate computes ∫_a^b f by adaptive bisection with the GK15 rule until the
// summed error estimate is below tol·max(1, |result|). f must be smooth on [a, b].
func integrate(f func(float64) float64, a, b, tol float64) float64 {
	if a == b {
		return 0
	}
	total, errEst := gk15(f, a, b)
	if errEst <= tol*math.Max(1, math.Abs(total)) {
		return total
	}
	return integrateRec(f, a, b, tol*math.Max(1, math.Abs(total)), 0)
}

func integrateRec(f func(float64) float64, a, b, tol float64, depth int) float64 {
	m := 0.5 * (a + b)
	l, el := gk15(f, a, m)
	r, er := gk15(f, m, b)
	if el+er <= tol || depth >= 30 {
		return l + r
	}
	return integrateRec(f, a, m, 0.5*tol, depth+1) + integrateRec(f, m, b, 0.5*tol, depth+1)
}
