package calabiyau

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"

	"github.com/physnb/physnb/lib/num"
)

// MinPoints is the smallest sample accepted for a Monte Carlo estimate
// (volume, σ, a Donaldson step): below it the statistical error is of order one.
const MinPoints = 50

// Point is a point on the quintic in an affine chart.
type Point struct {
	// Z are homogeneous coordinates scaled so that Z[Patch] = 1; the other four
	// are the affine coordinates of the patch.
	Z [5]complex128
	// Patch is the homogeneous index set to one.
	Patch int
	// Dep is the homogeneous index of the dependent coordinate: the one solved
	// for by Q = 0, leaving three local coordinates on the threefold.
	Dep int
}

// chart collects the index bookkeeping of a point's patch.
type chart struct {
	aff  [4]int // homogeneous indices of the affine coordinates
	loc  [3]int // homogeneous indices of the local coordinates (aff without Dep)
	depA int    // position of Dep within aff
}

func chartOf(pt Point) chart {
	var c chart
	ia, il := 0, 0
	for i := 0; i < 5; i++ {
		if i == pt.Patch {
			continue
		}
		c.aff[ia] = i
		if i == pt.Dep {
			c.depA = ia
		} else {
			c.loc[il] = i
			il++
		}
		ia++
	}
	return c
}

// InChart expresses the homogeneous point z in the given patch with the given
// dependent coordinate; dep < 0 picks the numerically best one (largest |∂Q/∂z_i|).
// Changing patch or dependent coordinate describes the same point; η and the
// weights do not change (the tests check this).
func (q *Quintic) InChart(z [5]complex128, patch, dep int) (Point, error) {
	if patch < 0 || patch > 4 {
		return Point{}, fmt.Errorf("calabiyau: patch %d out of range 0..4", patch)
	}
	if z[patch] == 0 {
		return Point{}, fmt.Errorf("calabiyau: coordinate %d vanishes, the point is not in patch %d", patch, patch)
	}
	var pt Point
	pt.Patch = patch
	for i := range z {
		pt.Z[i] = z[i] / z[patch]
	}
	pt.Z[patch] = 1
	if dep < 0 {
		g := q.Grad(pt.Z)
		best := -1.0
		for i := 0; i < 5; i++ {
			if i != patch && cmplx.Abs(g[i]) > best {
				best, dep = cmplx.Abs(g[i]), i
			}
		}
	}
	if dep == patch || dep < 0 || dep > 4 {
		return Point{}, fmt.Errorf("calabiyau: dependent coordinate %d must differ from patch %d and lie in 0..4", dep, patch)
	}
	pt.Dep = dep
	return pt, nil
}

// BestChart picks the patch of the largest |z_i| (all affine |z| ≤ 1) and the
// dependent coordinate of largest |∂Q/∂z_i|.
func (q *Quintic) BestChart(z [5]complex128) Point {
	patch := 0
	for i := 1; i < 5; i++ {
		if cmplx.Abs(z[i]) > cmplx.Abs(z[patch]) {
			patch = i
		}
	}
	pt, err := q.InChart(z, patch, -1)
	if err != nil {
		panic(err) // unreachable: the largest coordinate of a projective point is non-zero
	}
	return pt
}

// Omega2 is |Ω|^2 for the holomorphic volume form Ω = dx^1∧dx^2∧dx^3 / (∂Q/∂z_dep)
// in the point's chart: 1/|∂Q/∂z_dep|^2.
func (q *Quintic) Omega2(pt Point) float64 {
	g := q.Grad(pt.Z)
	return 1 / real(g[pt.Dep]*cmplx.Conj(g[pt.Dep]))
}

// jacobian is J_ai = ∂z_i/∂x_a, local coordinates x_a → affine coordinates z_i:
// the identity on the local coordinates and -∂_aQ/∂_depQ for the dependent one.
func jacobian(c chart, g [5]complex128, dep int) [3][4]complex128 {
	var j [3][4]complex128
	for a := 0; a < 3; a++ {
		for i := 0; i < 4; i++ {
			switch {
			case c.aff[i] == c.loc[a]:
				j[a][i] = 1
			case i == c.depA:
				j[a][i] = -g[c.loc[a]] / g[dep]
			}
		}
	}
	return j
}

// Jacobian is the embedding Jacobian J_ai = ∂z_i/∂x_a of a point's chart:
// three local coordinates x to the four affine coordinates z of the patch,
// with ∂z_dep/∂x_a = -(∂Q/∂x_a)/(∂Q/∂z_dep) from Q = 0.
func Jacobian(q *Quintic, pt Point) [3][4]complex128 {
	return jacobian(chartOf(pt), q.Grad(pt.Z), pt.Dep)
}

// pullback is g_ab̄ = Σ_ij J_ai ĝ_ij̄ conj(J_bj).
func pullback(j [3][4]complex128, g [4][4]complex128) [9]complex128 {
	var out [9]complex128
	for a := 0; a < 3; a++ {
		var t [4]complex128 // (J ĝ)_a·
		for jj := 0; jj < 4; jj++ {
			for i := 0; i < 4; i++ {
				t[jj] += j[a][i] * g[i][jj]
			}
		}
		for b := 0; b < 3; b++ {
			var s complex128
			for jj := 0; jj < 4; jj++ {
				s += t[jj] * cmplx.Conj(j[b][jj])
			}
			out[a*3+b] = s
		}
	}
	return out
}

func det3(m [9]complex128) complex128 {
	return m[0]*(m[4]*m[8]-m[5]*m[7]) - m[1]*(m[3]*m[8]-m[5]*m[6]) + m[2]*(m[3]*m[7]-m[4]*m[6])
}

// fubiniStudy is the Fubini-Study metric ∂∂̄ log(1+|z|^2) in affine coordinates:
// ĝ_ij̄ = δ_ij/(1+|z|^2) - z̄_i z_j/(1+|z|^2)^2.
func fubiniStudy(pt Point, c chart) [4][4]complex128 {
	var n2 float64
	var z [4]complex128
	for i, h := range c.aff {
		z[i] = pt.Z[h]
		n2 += real(z[i] * cmplx.Conj(z[i]))
	}
	var g [4][4]complex128
	den := 1 + n2
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			g[i][j] = -cmplx.Conj(z[i]) * z[j] / complex(den*den, 0)
		}
		g[i][i] += complex(1/den, 0)
	}
	return g
}

// Weight is the Monte Carlo weight of a line-intersection sample,
// w = |Ω|^2 / (det g_FS|_X · 3!/π^3): the ratio of the Ω-volume form to the
// (Fubini-Study) density the intersection points are drawn from, in cyjax's
// normalisation, so that the mean of w over a sample is the volume.
func (q *Quintic) Weight(pt Point) float64 {
	c := chartOf(pt)
	g := q.Grad(pt.Z)
	gfs := pullback(jacobian(c, g, pt.Dep), fubiniStudy(pt, c))
	detFS := real(det3(gfs)) * 6 / (math.Pi * math.Pi * math.Pi)
	return 1 / (detFS * real(g[pt.Dep]*cmplx.Conj(g[pt.Dep])))
}

// Sample is a set of points on one quintic with their Monte Carlo weights.
type Sample struct {
	Quintic *Quintic
	Points  []Point
	Weights []float64
}

// Len is the number of points.
func (s *Sample) Len() int { return len(s.Points) }

// uniformCP4 draws a point uniformly (Fubini-Study) on CP^4: ten standard
// normals, i.e. a uniform direction on S^9 ⊂ C^5 (the normalisation does not matter projectively).
func uniformCP4(rng *rand.Rand) [5]complex128 {
	var z [5]complex128
	for i := range z {
		z[i] = complex(rng.NormFloat64(), rng.NormFloat64())
	}
	return z
}

// Sample draws n points by intersecting random lines {p + t v} in CP^4 with the
// quintic: each line meets it in five points, the roots of the degree-5
// polynomial Q(p + t v) in t, so n/5 lines (rounded up) are used and all five
// roots kept. Points are returned in their best chart with their weights.
func (q *Quintic) Sample(rng *rand.Rand, n int) (*Sample, error) {
	if n < 1 {
		return nil, fmt.Errorf("calabiyau: need at least one point, got n = %d", n)
	}
	s := &Sample{Quintic: q, Points: make([]Point, 0, n+4), Weights: make([]float64, 0, n+4)}
	for len(s.Points) < n {
		p, v := uniformCP4(rng), uniformCP4(rng)
		c := q.LineCoefficients(p, v)
		roots, err := PolyRoots(c[:])
		if err != nil {
			continue // a degenerate line (measure zero): draw another
		}
		for _, t := range roots {
			var z [5]complex128
			// For |t| > 1 use the projectively equal p/t + v, which stays bounded.
			for i := range z {
				if cmplx.Abs(t) > 1 {
					z[i] = p[i]/t + v[i]
				} else {
					z[i] = p[i] + t*v[i]
				}
			}
			pt := q.BestChart(z)
			w := q.Weight(pt)
			if math.IsNaN(w) || math.IsInf(w, 0) {
				continue
			}
			s.Points = append(s.Points, pt)
			s.Weights = append(s.Weights, w)
		}
	}
	s.Points, s.Weights = s.Points[:n], s.Weights[:n]
	return s, nil
}

// MustSample is [Quintic.Sample] that panics on error.
func (q *Quintic) MustSample(rng *rand.Rand, n int) *Sample {
	s, err := q.Sample(rng, n)
	if err != nil {
		panic(err)
	}
	return s
}

// MaxResidual is the largest |Q(z)|/Σ|z_i|^5 over the points: how far the
// worst point is off the variety, relative to the size of the terms of Q.
func (s *Sample) MaxResidual() float64 {
	worst := 0.0
	for _, p := range s.Points {
		worst = math.Max(worst, cmplx.Abs(s.Quintic.Eval(p.Z))/Scale(p.Z))
	}
	return worst
}

// Volume is the Monte Carlo estimate of the Ω-volume (mean weight) and its
// standard error.
func (s *Sample) Volume() (vol, stderr float64, err error) {
	if s.Len() < MinPoints {
		return 0, 0, fmt.Errorf("calabiyau: %d points are too few for a volume estimate (need at least %d)", s.Len(), MinPoints)
	}
	m, se := num.MeanStdErr(s.Weights)
	return m, se, nil
}
