package dscribe

import (
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	dimer := [][3]float64{{-1.5, 0, 0}, {1.5, 0, 0}}
	cell := &[3][3]float64{{20, 0, 0}, {0, 20, 0}, {0, 0, 20}}
	for _, tc := range []struct {
		mod  func(*Request)
		want string // the parameter and its valid range
	}{
		{func(r *Request) { r.Descriptor = "mbtr" }, `descriptor "mbtr": want soap or sine`},
		{func(r *Request) { r.Positions = nil }, "positions: want at least one atom"},
		{func(r *Request) { r.Species = []string{"H"} }, "--species: 1 species for 2 atoms, want one per atom"},
		{func(r *Request) { r.Descriptor = "sine" }, "needs a cell"},
		{func(r *Request) { r.Descriptor, r.Cell, r.NAtomsMax = "sine", cell, -1 }, "--n-atoms-max -1: want at least"},
		{func(r *Request) { r.NMax = 0 }, "--n-max 0: want 1 to 16"},
		{func(r *Request) { r.NMax = 100000 }, "--n-max 100000: want 1 to 16"},
		{func(r *Request) { r.RCut = 1e9 }, "--r-cut 1e+09: want 1 Å < r_cut ≤ 100 Å"},
	} {
		r := Default()
		r.Positions = dimer
		tc.mod(&r)
		if _, err := r.Compute(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one with %q", err, tc.want)
		}
	}
}

func TestSineOfADimer(t *testing.T) {
	// M_01 = Z²/(L sin²(π d/L)) for H₂ along x in a cubic cell of side L
	// (Faber et al. 2015, the definition), M_00 = ½ Z^2.4 = ½.
	r := Default()
	r.Descriptor, r.Positions = "sine", [][3]float64{{-1.5, 0, 0}, {1.5, 0, 0}}
	r.Cell = &[3][3]float64{{20, 0, 0}, {0, 20, 0}, {0, 0, 20}}
	res, err := r.Compute()
	if err != nil {
		t.Fatal(err)
	}
	f := res.Features.([]float64)
	want := 1 / (20 * math.Pow(math.Sin(math.Pi*3/20), 2))
	if res.NFeatures != 4 || f[0] != 0.5 || math.Abs(f[1]-want) > 1e-12 || res.Derivatives != nil {
		t.Errorf("result %+v, want M_01 = %g", res, want)
	}
}
