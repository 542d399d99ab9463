package ising

import (
	"math"
	"math/rand/v2"
	"testing"
)

// A chain of Gibbs moves alone, from an arbitrary start, must sample the
// relaxation: its spin estimators must reproduce the brute-force Ising
// averages (3x3 at T_c, and 4x4 where the neighbour sums wrap differently),
// in the original and in the whitened variables.
func TestGibbsMoveSamplesIsing(t *testing.T) {
	for _, c := range []struct {
		L        int
		whitened bool
	}{{3, false}, {3, true}, {4, false}, {4, true}} {
		r, err := NewRelaxation(c.L, CriticalT, DefaultShift)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := BruteForce(c.L, CriticalT)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(uint64(c.L), 9))
		v := make([]float64, r.N)
		for i := range v {
			v[i] = 3 // far from typical
		}
		const burn, n = 500, 60000
		e := make([]float64, 0, n)
		m2 := make([]float64, 0, n)
		for k := 0; k < burn+n; k++ {
			if err := r.GibbsMove(v, c.whitened, rng); err != nil {
				t.Fatal(err)
			}
			if k < burn {
				continue
			}
			x := v
			if c.whitened {
				x = r.Unwhiten(v)
			}
			o := SpinEstimates(c.L, x, rng)
			e = append(e, o.EnergyPerSite)
			m2 = append(m2, o.StructureFactor)
		}
		mE, seE := binnedMean(e)
		mS, seS := binnedMean(m2)
		if math.Abs(mE-ex.EnergyPerSite) > 5*seE || math.Abs(mS-ex.StructureFactor) > 5*seS || seE > 0.01 {
			t.Errorf("L=%d whitened=%v: E/N %.4f ± %.4f (exact %.4f), S %.3f ± %.3f (exact %.3f)",
				c.L, c.whitened, mE, seE, ex.EnergyPerSite, mS, seS, ex.StructureFactor)
		}
	}
	r, _ := NewRelaxation(3, CriticalT, DefaultShift)
	if err := r.GibbsMove(make([]float64, 4), false, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("a configuration of the wrong size must be an error")
	}
}
