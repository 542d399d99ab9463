package holography

import "sort"

// NelderMead minimises f from x0 with the simplex method (reflection 1,
// expansion 2, contraction 1/2, shrink 1/2), starting from the simplex x0,
// x0 + step_j e_j, for a fixed number of iterations, and returns the best
// point and its value. It needs no gradient and no step size, which suits
// the host training loss: cheap to evaluate in float64, smooth, but with a
// valley far narrower across than along.
func NelderMead(f func([]float64) float64, x0, step []float64, iters int) ([]float64, float64) {
	n := len(x0)
	pts := make([][]float64, n+1)
	vals := make([]float64, n+1)
	for i := range pts {
		pts[i] = append([]float64{}, x0...)
		if i > 0 {
			pts[i][i-1] += step[i-1]
		}
		vals[i] = f(pts[i])
	}
	for it := 0; it < iters; it++ {
		sortSimplex(pts, vals)
		centroid := make([]float64, n)
		for _, p := range pts[:n] {
			for j := range centroid {
				centroid[j] += p[j] / float64(n)
			}
		}
		// along returns centroid + a·(worst - centroid).
		along := func(a float64) []float64 {
			x := make([]float64, n)
			for j := range x {
				x[j] = centroid[j] + a*(pts[n][j]-centroid[j])
			}
			return x
		}
		xr := along(-1)
		fr := f(xr)
		switch {
		case fr < vals[0]:
			xe := along(-2)
			if fe := f(xe); fe < fr {
				pts[n], vals[n] = xe, fe
			} else {
				pts[n], vals[n] = xr, fr
			}
		case fr < vals[n-1]:
			pts[n], vals[n] = xr, fr
		default:
			xc := along(0.5)
			if fc := f(xc); fc < vals[n] {
				pts[n], vals[n] = xc, fc
			} else {
				shrink(pts, vals, f)
			}
		}
	}
	sortSimplex(pts, vals)
	return pts[0], vals[0]
}

// sortSimplex orders the simplex vertices by increasing value.
func sortSimplex(pts [][]float64, vals []float64) {
	idx := make([]int, len(pts))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return vals[idx[a]] < vals[idx[b]] })
	p, v := make([][]float64, len(pts)), make([]float64, len(vals))
	for i, j := range idx {
		p[i], v[i] = pts[j], vals[j]
	}
	copy(pts, p)
	copy(vals, v)
}

// shrink moves every vertex halfway towards the best one.
func shrink(pts [][]float64, vals []float64, f func([]float64) float64) {
	for i := 1; i < len(pts); i++ {
		for j := range pts[i] {
			pts[i][j] = pts[0][j] + 0.5*(pts[i][j]-pts[0][j])
		}
		vals[i] = f(pts[i])
	}
}
