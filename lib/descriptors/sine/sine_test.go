package sine

import (
	"math"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/descriptors"
)

func TestDimerAgainstDefinition(t *testing.T) {
	// H2 along x in a cubic box L: f = (d/L, 0, 0), so φ = L sin²(π d/L) and
	// M = [[0.5, 1/φ], [1/φ, 0.5]] (definition of Faber et al. by hand).
	const L = 20.0
	sm := MustNew(New(3).CubicCell(L))
	for _, d := range []float64{2.5, 3.3, 5.0} {
		sys := descriptors.System{Numbers: []int{1, 1}, Positions: [][3]float64{{-d / 2, 0, 0}, {d / 2, 0, 0}}}
		got, err := sm.Create(sys)
		if err != nil {
			t.Fatal(err)
		}
		s := math.Sin(math.Pi * d / L)
		off := 1 / (L * s * s)
		want := []float64{0.5, off, 0, off, 0.5, 0, 0, 0, 0} // padded to 3×3
		for f := range want {
			if math.Abs(got[f]-want[f]) > 1e-14 {
				t.Errorf("d=%g feature %d: %.15g, want %.15g", d, f, got[f], want[f])
			}
		}
	}
}

func TestGeneralCellAgainstDefinition(t *testing.T) {
	// O-H in a triclinic cell, computed term by term from the definition.
	cell := [3][3]float64{{5, 0.3, 0}, {0.7, 6, 0.2}, {0.1, -0.4, 7}}
	sm := MustNew(New(2).Cell(cell))
	ri, rj := [3]float64{0.2, 0.1, 0.3}, [3]float64{1.1, -0.6, 2.0}
	got, err := sm.Create(descriptors.System{Numbers: []int{8, 1}, Positions: [][3]float64{ri, rj}})
	if err != nil {
		t.Fatal(err)
	}
	// Solve f B = d for f by Cramer's rule (independent of inverse3).
	d := [3]float64{rj[0] - ri[0], rj[1] - ri[1], rj[2] - ri[2]}
	det := func(m [3][3]float64) float64 {
		return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	}
	// f B = d  <=>  Bᵀ fᵀ = dᵀ.
	var bt [3][3]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			bt[i][j] = cell[j][i]
		}
	}
	var f [3]float64
	for k := 0; k < 3; k++ {
		m := bt
		for r := 0; r < 3; r++ {
			m[r][k] = d[r]
		}
		f[k] = det(m) / det(bt)
	}
	var v [3]float64
	for k := 0; k < 3; k++ {
		s := math.Sin(math.Pi * f[k])
		for c := 0; c < 3; c++ {
			v[c] += s * s * cell[k][c]
		}
	}
	want := 8.0 / math.Sqrt(v[0]*v[0]+v[1]*v[1]+v[2]*v[2])
	if math.Abs(got[1]-want) > 1e-12 || math.Abs(got[2]-want) > 1e-12 {
		t.Errorf("off-diagonal %g %g, want %g", got[1], got[2], want)
	}
	if math.Abs(got[0]-0.5*math.Pow(8, 2.4)) > 1e-12 || got[3] != 0.5 {
		t.Errorf("diagonal %g %g", got[0], got[3])
	}
}

func TestDerivativesAgainstFiniteDifferences(t *testing.T) {
	sm := MustNew(New(4).Cell([3][3]float64{{5, 0.3, 0}, {0.7, 6, 0.2}, {0.1, -0.4, 7}}))
	sys := descriptors.System{Numbers: []int{8, 1, 1}, Positions: [][3]float64{{0.2, 0.1, 0.3}, {1.1, -0.6, 2.0}, {-0.8, 0.9, 0.4}}}
	_, dd, err := sm.Derivatives(sys)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-6
	for a := range sys.Positions {
		for k := 0; k < 3; k++ {
			p := descriptors.System{Numbers: sys.Numbers, Positions: append([][3]float64(nil), sys.Positions...)}
			p.Positions[a][k] += h
			dp, _ := sm.Create(p)
			p.Positions[a][k] -= 2 * h
			dm, _ := sm.Create(p)
			for f := range dp {
				fd := (dp[f] - dm[f]) / (2 * h)
				if math.Abs(fd-dd[a][k][f]) > 1e-6*math.Max(1, math.Abs(fd)) {
					t.Errorf("atom %d xyz %d feature %d: analytic %g, finite difference %g", a, k, f, dd[a][k][f], fd)
				}
			}
		}
	}
}

func TestInvariantUnderTranslation(t *testing.T) {
	sm := MustNew(New(3).CubicCell(12))
	a := descriptors.System{Numbers: []int{8, 1, 1}, Positions: [][3]float64{{0, 0, 0}, {0.96, 0, 0}, {-0.24, 0.93, 0}}}
	b := descriptors.System{Numbers: a.Numbers}
	for _, p := range a.Positions {
		b.Positions = append(b.Positions, [3]float64{p[0] + 3.1, p[1] - 7.2, p[2] + 0.4})
	}
	da, _ := sm.Create(a)
	db, _ := sm.Create(b)
	for f := range da {
		if math.Abs(da[f]-db[f]) > 1e-12 {
			t.Errorf("feature %d: %g vs %g after translation", f, da[f], db[f])
		}
	}
}

func TestBadInput(t *testing.T) {
	if _, err := New(2).Done(); err == nil || !strings.Contains(err.Error(), "no cell") {
		t.Errorf("missing cell: %v", err)
	}
	if _, err := New(2).Cell([3][3]float64{{1, 0, 0}, {2, 0, 0}, {0, 0, 1}}).Done(); err == nil || !strings.Contains(err.Error(), "not invertible") {
		t.Errorf("singular cell: %v", err)
	}
	if _, err := New(0).CubicCell(10).Done(); err == nil {
		t.Error("n_atoms_max=0 accepted")
	}
	sm := MustNew(New(1).CubicCell(10))
	if _, err := sm.Create(descriptors.System{Numbers: []int{1, 1}, Positions: [][3]float64{{0, 0, 0}, {1, 0, 0}}}); err == nil || !strings.Contains(err.Error(), "n_atoms_max") {
		t.Errorf("too many atoms: %v", err)
	}
	sm = MustNew(New(2).CubicCell(10))
	if _, err := sm.Create(descriptors.System{Numbers: []int{1, 1}, Positions: [][3]float64{{0, 0, 0}, {10, 0, 0}}}); err == nil || !strings.Contains(err.Error(), "equivalent lattice") {
		t.Errorf("periodic images: %v", err)
	}
}
