// Package sine computes the Sine matrix of Faber, Lindmaa, von Lilienfeld and
// Armiento (Int. J. Quantum Chem. 115, 1094 (2015), arXiv:1503.07406), as
// DScribe's SineMatrix does, together with its analytic derivatives with
// respect to the atom positions (which DScribe only offers numerically).
//
// For atoms i, j with atomic numbers Z and positions r, in a cell whose lattice
// vectors are the rows a_1, a_2, a_3 of B,
//
//	M_ii = ½ Z_i^2.4,
//	M_ij = Z_i Z_j / φ_ij,   φ_ij = | Σ_k sin²(π f_k) a_k |,   f = (r_j − r_i) B⁻¹,
//
// i.e. the Coulomb matrix with 1/|r_i − r_j| replaced by a function that is
// periodic in the lattice and behaves like 1/(π² |r_ij|²/L) for short distances
// in a cubic cell of side L. For an isolated molecule the cell is an arbitrary
// large box: the descriptor then depends on it, so it must be given explicitly.
//
// The output is the matrix flattened row by row and zero-padded to
// n_atoms_max × n_atoms_max, in the order of the atoms (DScribe's
// permutation="none", the lesson's choice). Derivatives are [atom][xyz][feature].
//
// Example (the lesson's exercise, in a 20 Å box):
//
//	sm := sine.MustNew(sine.New(2).CubicCell(20))
//	d, dd, err := sm.Derivatives(sys)   // d: 4 features, dd: [2][3][4]
package sine

import (
	"fmt"
	"math"

	"github.com/physnb/physnb/lib/descriptors"
)

// Builder collects the Sine matrix parameters.
type Builder struct {
	nAtomsMax int
	cell      [3][3]float64
	cellSet   bool
}

// New starts a Sine matrix descriptor for systems of at most nAtomsMax atoms.
func New(nAtomsMax int) *Builder { return &Builder{nAtomsMax: nAtomsMax} }

// Cell sets the lattice vectors, one per row (Å).
func (b *Builder) Cell(cell [3][3]float64) *Builder { b.cell = cell; b.cellSet = true; return b }

// CubicCell sets a cubic box of side l (Å).
func (b *Builder) CubicCell(l float64) *Builder {
	return b.Cell([3][3]float64{{l, 0, 0}, {0, l, 0}, {0, 0, l}})
}

// Done validates the parameters.
func (b *Builder) Done() (*Matrix, error) {
	if b.nAtomsMax < 1 {
		return nil, fmt.Errorf("sine: n_atoms_max=%d must be >= 1", b.nAtomsMax)
	}
	if !b.cellSet {
		return nil, fmt.Errorf("sine: no cell given; the Sine matrix needs lattice vectors (for a molecule, a large box, e.g. CubicCell(20))")
	}
	inv, det := inverse3(b.cell)
	if math.Abs(det) < 1e-12 || math.IsNaN(det) {
		return nil, fmt.Errorf("sine: the cell %v is not invertible (determinant %g)", b.cell, det)
	}
	return &Matrix{NAtomsMax: b.nAtomsMax, Cell: b.cell, inv: inv}, nil
}

// MustNew is [Builder.Done] that panics on error, for notebook cells.
func MustNew(b *Builder) *Matrix {
	m, err := b.Done()
	if err != nil {
		panic(err)
	}
	return m
}

// Matrix is a configured Sine matrix descriptor.
type Matrix struct {
	NAtomsMax int
	Cell      [3][3]float64
	inv       [3][3]float64
}

// NumFeatures is n_atoms_max².
func (m *Matrix) NumFeatures() int { return m.NAtomsMax * m.NAtomsMax }

// Create returns the flattened, zero-padded Sine matrix.
func (m *Matrix) Create(sys descriptors.System) ([]float64, error) {
	d, _, err := m.compute(sys, false)
	return d, err
}

// Derivatives returns the descriptor and its derivatives [atom][xyz][feature].
func (m *Matrix) Derivatives(sys descriptors.System) ([]float64, [][][]float64, error) {
	return m.compute(sys, true)
}

// MustDerivatives is [Matrix.Derivatives] that panics on error.
func (m *Matrix) MustDerivatives(sys descriptors.System) ([]float64, [][][]float64) {
	d, dd, err := m.Derivatives(sys)
	if err != nil {
		panic(err)
	}
	return d, dd
}

// phi returns φ(d) = |Σ_k sin²(π f_k) a_k| for a displacement d, and ∂φ/∂d.
func (m *Matrix) phi(d [3]float64) (float64, [3]float64) {
	var f [3]float64 // fractional coordinates f = d B⁻¹ (d a row vector)
	for k := 0; k < 3; k++ {
		for c := 0; c < 3; c++ {
			f[k] += d[c] * m.inv[c][k]
		}
	}
	var v [3]float64 // v = Σ_k sin²(π f_k) a_k
	for k := 0; k < 3; k++ {
		s := math.Sin(math.Pi * f[k])
		for c := 0; c < 3; c++ {
			v[c] += s * s * m.Cell[k][c]
		}
	}
	phi := math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])
	// ∂φ/∂d_c = Σ_k (v·a_k / φ) · π sin(2π f_k) · (B⁻¹)_ck
	var grad [3]float64
	for k := 0; k < 3; k++ {
		va := (v[0]*m.Cell[k][0] + v[1]*m.Cell[k][1] + v[2]*m.Cell[k][2]) / phi
		ds := math.Pi * math.Sin(2*math.Pi*f[k])
		for c := 0; c < 3; c++ {
			grad[c] += va * ds * m.inv[c][k]
		}
	}
	return phi, grad
}

func (m *Matrix) compute(sys descriptors.System, withGrad bool) ([]float64, [][][]float64, error) {
	if err := sys.Validate(); err != nil {
		return nil, nil, fmt.Errorf("sine: %w", err)
	}
	n := len(sys.Numbers)
	if n > m.NAtomsMax {
		return nil, nil, fmt.Errorf("sine: the system has %d atoms, more than n_atoms_max=%d", n, m.NAtomsMax)
	}
	nf := m.NumFeatures()
	out := make([]float64, nf)
	var dout [][][]float64
	if withGrad {
		dout = make([][][]float64, n)
		for a := range dout {
			dout[a] = make([][]float64, 3)
			for k := range dout[a] {
				dout[a][k] = make([]float64, nf)
			}
		}
	}
	for i := 0; i < n; i++ {
		zi := float64(sys.Numbers[i])
		out[i*m.NAtomsMax+i] = 0.5 * math.Pow(zi, 2.4)
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			zj := float64(sys.Numbers[j])
			var d [3]float64
			for c := 0; c < 3; c++ {
				d[c] = sys.Positions[j][c] - sys.Positions[i][c]
			}
			phi, g := m.phi(d)
			if phi < 1e-12 {
				return nil, nil, fmt.Errorf("sine: atoms %d and %d sit on equivalent lattice sites (φ=%.3g): the Sine matrix is infinite", i, j, phi)
			}
			f := i*m.NAtomsMax + j
			out[f] = zi * zj / phi
			if withGrad {
				// ∂M_ij/∂d = −Z_i Z_j/φ² ∂φ/∂d, with ∂d/∂r_j = +1 and ∂d/∂r_i = −1.
				for c := 0; c < 3; c++ {
					dm := -zi * zj / (phi * phi) * g[c]
					dout[j][c][f] += dm
					dout[i][c][f] -= dm
				}
			}
		}
	}
	return out, dout, nil
}

// inverse3 returns the inverse and determinant of a 3×3 matrix (adjugate formula).
func inverse3(a [3][3]float64) ([3][3]float64, float64) {
	det := a[0][0]*(a[1][1]*a[2][2]-a[1][2]*a[2][1]) -
		a[0][1]*(a[1][0]*a[2][2]-a[1][2]*a[2][0]) +
		a[0][2]*(a[1][0]*a[2][1]-a[1][1]*a[2][0])
	var inv [3][3]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			// cofactor C_ji / det
			r0, r1 := (j+1)%3, (j+2)%3
			c0, c1 := (i+1)%3, (i+2)%3
			inv[i][j] = (a[r0][c0]*a[r1][c1] - a[r0][c1]*a[r1][c0]) / det
		}
	}
	return inv, det
}
