package descriptors

import (
	"strings"
	"testing"
)

func TestSpecies(t *testing.T) {
	got, err := ParseSpecies([]string{"O", "H", "8", "C"})
	if err != nil || len(got) != 3 || got[0] != 1 || got[1] != 6 || got[2] != 8 {
		t.Errorf("ParseSpecies = %v, %v; want [1 6 8] (sorted, de-duplicated)", got, err)
	}
	// Spot checks against the periodic table.
	for sym, z := range map[string]int{"H": 1, "Fe": 26, "Au": 79, "Og": 118} {
		if n, _ := AtomicNumber(sym); n != z || Symbol(z) != sym {
			t.Errorf("%s: %d", sym, n)
		}
	}
	if _, err := AtomicNumber("Hx"); err == nil || !strings.Contains(err.Error(), "unknown chemical species") {
		t.Errorf("Hx: %v", err)
	}
}

func TestValidate(t *testing.T) {
	if _, err := NewSystem([]string{"H", "H"}, [][3]float64{{0, 0, 0}, {0, 0, 1e-7}}); err == nil || !strings.Contains(err.Error(), "closer") {
		t.Errorf("coincident atoms: %v", err)
	}
	if _, err := NewSystem([]string{"H"}, [][3]float64{{0, 0, 0}, {1, 0, 0}}); err == nil {
		t.Error("mismatched lengths accepted")
	}
	if _, err := NewSystem([]string{"H", "O"}, [][3]float64{{0, 0, 0}, {1, 0, 0}}); err != nil {
		t.Error(err)
	}
}
