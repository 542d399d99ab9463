// Package descriptors turns atomic structures into fixed-length feature vectors
// that a neural network can take as input, together with the derivatives of the
// features with respect to the atom positions, which is what lets a model trained
// on energies E(D) also predict forces
//
//	F_i = −∂E/∂r_i = −Σ_f ∂E/∂D_f · ∂D_f/∂r_i.
//
// The descriptors themselves live in sub-packages named after them:
//
//   - soap: the Smooth Overlap of Atomic Positions power spectrum, exactly as
//     DScribe computes it (GTO radial basis), with analytic derivatives.
//   - sine: the Sine matrix of Faber et al., with analytic derivatives.
//
// This package holds what they share: the [System] (species and positions),
// its validation, and the table of chemical symbols.
//
// Derivative arrays follow DScribe's layout: [center][atom][xyz][feature] for
// local descriptors and [atom][xyz][feature] for global ones, the feature index
// last so that the chain rule above is a contraction over the fastest axis.
package descriptors

import (
	"fmt"
	"math"
	"strings"
)

// MinDistance is the closest two atoms of a [System] may be (in Å).
const MinDistance = 1e-6

// System is an isolated atomic structure: atomic numbers and Cartesian positions (Å).
type System struct {
	Numbers   []int
	Positions [][3]float64
}

// NewSystem builds a System from chemical symbols ("H", "O", ...) and positions.
func NewSystem(symbols []string, positions [][3]float64) (System, error) {
	if len(symbols) != len(positions) {
		return System{}, fmt.Errorf("descriptors: %d symbols for %d positions", len(symbols), len(positions))
	}
	numbers := make([]int, len(symbols))
	for i, s := range symbols {
		z, err := AtomicNumber(s)
		if err != nil {
			return System{}, err
		}
		numbers[i] = z
	}
	sys := System{Numbers: numbers, Positions: positions}
	return sys, sys.Validate()
}

// Validate checks the system: as many numbers as positions, finite coordinates,
// known atomic numbers, and no two atoms closer than [MinDistance].
func (s System) Validate() error {
	if len(s.Numbers) != len(s.Positions) {
		return fmt.Errorf("descriptors: %d atomic numbers for %d positions", len(s.Numbers), len(s.Positions))
	}
	for i, z := range s.Numbers {
		if z < 1 || z > len(symbols) {
			return fmt.Errorf("descriptors: atom %d has atomic number %d, outside 1..%d", i, z, len(symbols))
		}
		for k := 0; k < 3; k++ {
			if v := s.Positions[i][k]; math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("descriptors: atom %d has a non-finite coordinate %v", i, s.Positions[i])
			}
		}
	}
	for i := range s.Positions {
		for j := i + 1; j < len(s.Positions); j++ {
			if d := Distance(s.Positions[i], s.Positions[j]); d < MinDistance {
				return fmt.Errorf("descriptors: atoms %d and %d are %.3g Å apart, closer than %g Å", i, j, d, MinDistance)
			}
		}
	}
	return nil
}

// Distance is the Euclidean distance between two points.
func Distance(a, b [3]float64) float64 {
	dx, dy, dz := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return math.Sqrt(dx*dx + dy*dy + dz*dz)
}

// symbols[z-1] is the chemical symbol of atomic number z.
var symbols = strings.Fields(`H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni
Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm
Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm
Bk Cf Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og`)

// AtomicNumber returns the atomic number of a chemical symbol ("H" -> 1), or
// accepts the number itself written as text ("1").
func AtomicNumber(symbol string) (int, error) {
	s := strings.TrimSpace(symbol)
	for i, sym := range symbols {
		if sym == s {
			return i + 1, nil
		}
	}
	var z int
	if _, err := fmt.Sscan(s, &z); err == nil && z >= 1 && z <= len(symbols) {
		return z, nil
	}
	return 0, fmt.Errorf("descriptors: unknown chemical species %q (use a symbol such as H, C, O or an atomic number 1..%d)", symbol, len(symbols))
}

// Symbol returns the chemical symbol of atomic number z, or "" if z is out of range.
func Symbol(z int) string {
	if z < 1 || z > len(symbols) {
		return ""
	}
	return symbols[z-1]
}

// ParseSpecies turns a list of symbols or atomic numbers into sorted, de-duplicated
// atomic numbers, the order in which DScribe lays out species blocks.
func ParseSpecies(species []string) ([]int, error) {
	if len(species) == 0 {
		return nil, fmt.Errorf("descriptors: no species given")
	}
	seen := map[int]bool{}
	var out []int
	for _, s := range species {
		z, err := AtomicNumber(s)
		if err != nil {
			return nil, err
		}
		if !seen[z] {
			seen[z] = true
			out = append(out, z)
		}
	}
	for i := 1; i < len(out); i++ { // insertion sort: a handful of species
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}
