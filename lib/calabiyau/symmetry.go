package calabiyau

import (
	"fmt"
	"slices"
)

// Symmetry is the part of a quintic's automorphism group that acts on the
// monomial sections by permutations and phases, used to restrict H to the
// matrices the balanced metric can be.
//
// Every Dwork quintic Q = Σ z_i^5 - 5ψ Π z_i is preserved by permuting the
// coordinates (S5) and by the phase rotations z_i → ω^{a_i} z_i, ω = e^{2πi/5},
// with Σ a_i ≡ 0 (mod 5) (they leave Π z_i unchanged); the Fermat quintic
// (ψ = 0) allows every a. The balanced metric of a line bundle is unique up to
// scale, so it inherits these symmetries: with ψ = s^T H s̄ and a group element
// acting on the sections as s → Φs, H = Φ^T H Φ̄. For monomials this says
//
//   - phases: H_αβ = 0 unless a·(m_α - m_β) ≡ 0 (mod 5) for every allowed a,
//     where m_α is the exponent vector of s_α;
//   - permutations: H_αβ = H_σ(α)σ(β) for every σ in S5.
//
// Projecting onto these matrices (zeroing forbidden entries and averaging over
// the S5 orbits of index pairs) is the average of Φ^T H Φ̄ over the group.
// Applied to a Monte Carlo estimate of the T-operator it averages the estimate
// over all 15000 (Dwork) or 75000 (Fermat) images of each sample point at no
// extra cost, and it cuts the number of free parameters of H, at k = 4 from
// 4900 real numbers to a few dozen.
//
// From k = 5 on the reduced basis is not closed under permutations (one
// monomial of each relation r·Q = 0 is dropped), so only the phase rule is
// applied there; the monomials remain phase eigenvectors, so it stays exact.
type Symmetry struct {
	n int
	// orbit[α*n+β] is the index of the orbit of the pair (α, β), -1 where
	// the phase rule forces H_αβ = 0.
	orbit []int32
	// size[o] is the number of pairs in orbit o.
	size []int
	// Permutations reports whether the S5 averaging is applied.
	Permutations bool
}

// NewSymmetry builds the symmetry of the quintic q acting on the basis b.
func NewSymmetry(q *Quintic, b *MonomialBasis) (*Symmetry, error) {
	if q == nil || b == nil || b.Size() == 0 {
		return nil, fmt.Errorf("calabiyau: NewSymmetry needs a quintic and a non-empty basis")
	}
	n := b.Size()
	sym := &Symmetry{n: n, orbit: make([]int32, n*n), Permutations: basisClosedUnderPermutations(b)}
	index := make(map[[5]int]int, n)
	for a, p := range b.Powers {
		index[p] = a
	}
	perms := permutations5()
	for i := range sym.orbit {
		sym.orbit[i] = -2 // not yet visited
	}
	for a := 0; a < n; a++ {
		for c := 0; c < n; c++ {
			if sym.orbit[a*n+c] != -2 {
				continue
			}
			if !phaseAllowed(q, b.Powers[a], b.Powers[c]) {
				sym.orbit[a*n+c] = -1
				continue
			}
			o := int32(len(sym.size))
			count := 0
			if !sym.Permutations {
				sym.orbit[a*n+c], count = o, 1
			} else {
				for _, perm := range perms {
					pa, pc := index[permute(b.Powers[a], perm)], index[permute(b.Powers[c], perm)]
					if sym.orbit[pa*n+pc] == -2 {
						sym.orbit[pa*n+pc] = o
						count++
					}
				}
			}
			sym.size = append(sym.size, count)
		}
	}
	return sym, nil
}

// Orbits is the number of independent complex entries of an invariant H
// (orbits of allowed index pairs; Hermiticity pairs them up further).
func (s *Symmetry) Orbits() int { return len(s.size) }

// Project replaces the n x n row-major matrix h by its average over the group:
// forbidden entries become 0 and each orbit of entries their mean. Hermitian
// and positive-definite matrices stay so (it is an average of congruences
// Φ^T h Φ̄ with unitary Φ).
func (s *Symmetry) Project(h []complex128) error {
	if len(h) != s.n*s.n {
		return fmt.Errorf("calabiyau: Symmetry.Project got %d entries, want %d x %d", len(h), s.n, s.n)
	}
	sum := make([]complex128, len(s.size))
	for i, o := range s.orbit {
		if o >= 0 {
			sum[o] += h[i]
		}
	}
	for o := range sum {
		sum[o] /= complex(float64(s.size[o]), 0)
	}
	for i, o := range s.orbit {
		if o >= 0 {
			h[i] = sum[o]
		} else {
			h[i] = 0
		}
	}
	return nil
}

// phaseAllowed reports whether H_αβ may be non-zero under the phase rotations:
// d = m_α - m_β must be ≡ c(1,1,1,1,1) mod 5 for the Dwork group (Σa ≡ 0), and
// ≡ 0 mod 5 for the Fermat quintic's larger group. (Σd = 0 always, since both
// monomials have degree k.)
func phaseAllowed(q *Quintic, ma, mb [5]int) bool {
	var d [5]int
	for i := range d {
		d[i] = ((ma[i]-mb[i])%5 + 5) % 5
	}
	if q.Psi == 0 {
		return d == [5]int{}
	}
	for i := 1; i < 5; i++ {
		if d[i] != d[0] {
			return false
		}
	}
	return true
}

// basisClosedUnderPermutations reports whether every coordinate permutation
// maps the basis's monomials into the basis (true for the full basis).
func basisClosedUnderPermutations(b *MonomialBasis) bool {
	present := make(map[[5]int]bool, b.Size())
	for _, p := range b.Powers {
		present[p] = true
	}
	for _, p := range b.Powers {
		q := p
		slices.Sort(q[:])
		for _, perm := range permutations5() {
			if !present[permute(q, perm)] {
				return false
			}
		}
	}
	return true
}

// permute returns the exponent vector with coordinates relabelled by perm.
func permute(m [5]int, perm [5]int) [5]int {
	var out [5]int
	for i, j := range perm {
		out[j] = m[i]
	}
	return out
}

// permutations5 lists the 120 permutations of 0..4.
func permutations5() [][5]int {
	var out [][5]int
	var rec func(p [5]int, used int, i int)
	rec = func(p [5]int, used int, i int) {
		if i == 5 {
			out = append(out, p)
			return
		}
		for j := 0; j < 5; j++ {
			if used&(1<<j) == 0 {
				p[i] = j
				rec(p, used|1<<j, i+1)
			}
		}
	}
	rec([5]int{}, 0, 0)
	return out
}
