package calabiyau

import "fmt"

// MaxDegree bounds the monomial degree: N(k) = C(k+4, 4) sections and an
// N x N matrix H; k = 8 already gives 495 sections.
const MaxDegree = 8

// MonomialBasis is the full set of degree-k monomials in z_0..z_4, the
// sections s_α of the line bundle O(k) on CP^4 restricted to the quintic.
// (For k ≥ 5 they are linearly dependent on the quintic, since Q·z^(k-5)
// vanishes there; the full basis still defines a valid Kähler potential, but
// Donaldson's T-operator then needs the reduced basis, which is not built here.)
type MonomialBasis struct {
	Degree int
	// Powers[α][i] is the power of z_i in s_α; the rows are in lexicographic
	// order of the index multisets, like itertools.combinations_with_replacement.
	Powers [][5]int
}

// NewMonomialBasis enumerates the C(k+4, 4) monomials of degree k.
func NewMonomialBasis(k int) (*MonomialBasis, error) {
	if k < 1 || k > MaxDegree {
		return nil, fmt.Errorf("calabiyau: monomial degree k = %d out of range 1..%d", k, MaxDegree)
	}
	b := &MonomialBasis{Degree: k}
	var rec func(start, left int, p [5]int)
	rec = func(start, left int, p [5]int) {
		if left == 0 {
			b.Powers = append(b.Powers, p)
			return
		}
		for i := start; i < 5; i++ {
			p[i]++
			rec(i, left-1, p)
			p[i]--
		}
	}
	rec(0, k, [5]int{})
	return b, nil
}

// MustMonomialBasis is [NewMonomialBasis] that panics on error.
func MustMonomialBasis(k int) *MonomialBasis {
	b, err := NewMonomialBasis(k)
	if err != nil {
		panic(err)
	}
	return b
}

// NewReducedBasis is a basis of the degree-k sections on the quintic itself.
// For k < 5 it is the full basis. For k ≥ 5 every product r·Q with r a
// monomial of degree k-5 vanishes on the variety, a linear relation among the
// monomials r z_i^5 and r Π z_j; for each r (in order) one monomial of its
// relation that is still present is removed (cyjax's reduction scheme), leaving
// C(k+4,4) - C(k-1,4) sections, e.g. 125 at k = 5. Without the reduction the
// T-operator of Donaldson's algorithm is singular.
func NewReducedBasis(k int) (*MonomialBasis, error) {
	b, err := NewMonomialBasis(k)
	if err != nil || k < 5 {
		return b, err
	}
	present := make(map[[5]int]bool, len(b.Powers))
	for _, p := range b.Powers {
		present[p] = true
	}
	rs, _ := NewMonomialBasis(k - 5)
	var rPowers [][5]int
	if k == 5 {
		rPowers = [][5]int{{}}
	} else {
		rPowers = rs.Powers
	}
	for _, r := range rPowers {
		removed := false
		for i := 0; i < 5 && !removed; i++ {
			m := r
			m[i] += 5
			if present[m] {
				present[m], removed = false, true
			}
		}
		if !removed {
			m := r
			for i := range m {
				m[i]++
			}
			if present[m] {
				present[m], removed = false, true
			}
		}
		if !removed {
			return nil, fmt.Errorf("calabiyau: basis reduction failed at degree %d", k)
		}
	}
	out := &MonomialBasis{Degree: k}
	for _, p := range b.Powers {
		if present[p] {
			out.Powers = append(out.Powers, p)
		}
	}
	return out, nil
}

// Size is the number of sections N.
func (b *MonomialBasis) Size() int { return len(b.Powers) }

// Eval fills s[α] = s_α(z) and ds[α*4+i] = ∂s_α/∂z_{aff[i]} at a point, where
// aff are the four affine coordinates of the point's patch (z_patch = 1).
// s must have length N and ds length 4N.
func (b *MonomialBasis) Eval(pt Point, s, ds []complex128) {
	k := b.Degree
	c := chartOf(pt)
	// pw[i][e] = z_i^e.
	var pw [5][MaxDegree + 1]complex128
	for i := 0; i < 5; i++ {
		pw[i][0] = 1
		for e := 1; e <= k; e++ {
			pw[i][e] = pw[i][e-1] * pt.Z[i]
		}
	}
	for a, p := range b.Powers {
		v := complex(1, 0)
		for i := 0; i < 5; i++ {
			v *= pw[i][p[i]]
		}
		s[a] = v
		if ds == nil {
			continue
		}
		for ia, h := range c.aff {
			if p[h] == 0 {
				ds[a*4+ia] = 0
				continue
			}
			d := complex(float64(p[h]), 0) * pw[h][p[h]-1]
			for i := 0; i < 5; i++ {
				if i != h {
					d *= pw[i][p[i]]
				}
			}
			ds[a*4+ia] = d
		}
	}
}
