// Package dscribe computes a descriptor of one structure, with its
// derivatives, in DScribe's feature order, normalisation and array layout
// (Himanen et al., arXiv:1904.08875), so its numbers compare with DScribe's
// directly: SOAP ([soap]) as [center][feature] with derivatives
// [center][atom][xyz][feature], the Sine matrix ([sine]) as [feature] with
// derivatives [atom][xyz][feature].
//
//	r := dscribe.Default() // SOAP, r_cut 5 Å, σ 0.5 Å, n_max 3, l_max 0
//	r.Positions = [][3]float64{{-1.5, 0, 0}, {1.5, 0, 0}}
//	r.Centers, r.Derivatives = [][3]float64{{}}, true
//	res, err := r.Compute()
//	fmt.Println(res.NFeatures, res.Features) // 6 [[...]]
package dscribe

import (
	"fmt"
	"math"

	"github.com/physnb/physnb/lib/descriptors"
	"github.com/physnb/physnb/lib/descriptors/sine"
	"github.com/physnb/physnb/lib/descriptors/soap"
)

// Request is one descriptor of one structure. The zero value is not useful:
// start from [Default].
type Request struct {
	Descriptor  string       `json:"descriptor"`  // "soap" or "sine"
	Positions   [][3]float64 `json:"positions"`   // atom positions (Å)
	Species     []string     `json:"species"`     // chemical symbols in the atoms' order; nil: all H
	Derivatives bool         `json:"derivatives"` // also compute ∂D/∂r
	// SOAP: the centres (nil: every atom), cut-off (Å), Gaussian width (Å),
	// radial functions and maximum degree.
	Centers [][3]float64 `json:"centers"`
	RCut    float64      `json:"r_cut"`
	Sigma   float64      `json:"sigma"`
	NMax    int          `json:"n_max"`
	LMax    int          `json:"l_max"`
	// Sine matrix: the lattice vectors (Å), required, and the matrix size
	// (0: the number of atoms).
	Cell      *[3][3]float64 `json:"cell"`
	NAtomsMax int            `json:"n_atoms_max"`
}

// Default is SOAP with the lesson's settings (DScribe's example): r_cut 5 Å,
// σ 0.5 Å, n_max 3, l_max 0; it still needs Positions.
func Default() Request {
	return Request{Descriptor: "soap", RCut: 5, Sigma: 0.5, NMax: 3, LMax: 0}
}

// MaxAtoms is the most atoms (and the largest Sine matrix) a request may
// have: the derivatives grow as atoms² x features.
const MaxAtoms = 1000

// Validate reports the first bad parameter the descriptors' own builders do
// not check, with its valid range.
func (r Request) Validate() error {
	switch {
	case r.Descriptor != "soap" && r.Descriptor != "sine":
		return fmt.Errorf("dscribe: descriptor %q: want soap or sine", r.Descriptor)
	case len(r.Positions) == 0:
		return fmt.Errorf("dscribe: --positions: want at least one atom")
	case r.Species != nil && len(r.Species) != len(r.Positions):
		return fmt.Errorf("dscribe: --species: %d species for %d atoms, want one per atom", len(r.Species), len(r.Positions))
	case r.Descriptor == "sine" && r.Cell == nil:
		return fmt.Errorf("dscribe: --cell: the Sine matrix needs a cell (three lattice vectors)")
	case r.NAtomsMax < 0 || (r.NAtomsMax > 0 && r.NAtomsMax < len(r.Positions)):
		return fmt.Errorf("dscribe: --n-atoms-max %d: want at least the number of atoms, %d (0: that number)", r.NAtomsMax, len(r.Positions))
	case r.NAtomsMax > MaxAtoms || len(r.Positions) > MaxAtoms:
		return fmt.Errorf("dscribe: --n-atoms-max %d with %d atoms: want at most %d", r.NAtomsMax, len(r.Positions), MaxAtoms)
	}
	for _, sym := range r.Species {
		if _, err := descriptors.AtomicNumber(sym); err != nil {
			return fmt.Errorf("dscribe: --species: %w", err)
		}
	}
	if r.Descriptor == "sine" {
		return nil
	}
	switch {
	case math.IsNaN(r.RCut) || r.RCut <= 1 || r.RCut > soap.MaxRCut:
		return fmt.Errorf("dscribe: --r-cut %g: want 1 Å < r_cut ≤ %g Å", r.RCut, float64(soap.MaxRCut))
	case !(r.Sigma > 0) || math.IsInf(r.Sigma, 0):
		return fmt.Errorf("dscribe: --sigma %g: want a positive, finite width (Å)", r.Sigma)
	case r.NMax < 1 || r.NMax > soap.MaxNMax:
		return fmt.Errorf("dscribe: --n-max %d: want 1 to %d radial functions", r.NMax, soap.MaxNMax)
	case r.LMax < 0 || r.LMax > 20:
		return fmt.Errorf("dscribe: --l-max %d: want 0 to 20", r.LMax)
	}
	return nil
}

// Result is a descriptor in DScribe's layout.
type Result struct {
	Descriptor string `json:"descriptor"`
	// Features is [center][feature] for SOAP, [feature] for the Sine matrix.
	Features any `json:"features"`
	// Derivatives (when asked for) is [center][atom][xyz][feature] for SOAP,
	// [atom][xyz][feature] for the Sine matrix.
	Derivatives any `json:"derivatives,omitempty"`
	NFeatures   int `json:"n_features"`
}

// Compute validates the request and computes the descriptor.
func (r Request) Compute() (*Result, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	syms := r.Species
	if syms == nil {
		syms = make([]string, len(r.Positions))
		for i := range syms {
			syms[i] = "H"
		}
	}
	sys, err := descriptors.NewSystem(syms, r.Positions)
	if err != nil {
		return nil, err
	}
	out := &Result{Descriptor: r.Descriptor}
	var dd any
	if r.Descriptor == "soap" {
		out.Features, dd, out.NFeatures, err = r.soap(syms, sys)
	} else {
		out.Features, dd, out.NFeatures, err = r.sine(sys)
	}
	if err != nil {
		return nil, err
	}
	if r.Derivatives {
		out.Derivatives = dd
	}
	return out, nil
}

// soap is SOAP at the centres (every atom by default).
func (r Request) soap(syms []string, sys descriptors.System) (d, dd any, n int, err error) {
	cs := r.Centers
	if cs == nil {
		cs = r.Positions
	}
	s, err := soap.New(syms...).RCut(r.RCut).Sigma(r.Sigma).NMax(r.NMax).LMax(r.LMax).Done()
	if err != nil {
		return nil, nil, 0, err
	}
	f, df, err := s.Derivatives(sys, cs)
	return f, df, s.NumFeatures(), err
}

// sine is the Sine matrix of size NAtomsMax (the number of atoms by default).
func (r Request) sine(sys descriptors.System) (d, dd any, n int, err error) {
	size := r.NAtomsMax
	if size == 0 {
		size = len(r.Positions)
	}
	m, err := sine.New(size).Cell(*r.Cell).Done()
	if err != nil {
		return nil, nil, 0, err
	}
	f, df, err := m.Derivatives(sys)
	return f, df, m.NumFeatures(), err
}
