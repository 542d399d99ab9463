package holography

import (
	"fmt"
	"math/rand/v2"

	"github.com/physnb/physnb/lib/holography/blackhole"
)

// Dataset is a set of boundary configurations (φ, Π) at η_UV with labels
// y = 0 for positive (|F| < ε at the horizon cut-off: the field is regular
// there) and y = 1 for negative, the convention of the smooth final layer t(F).
type Dataset struct {
	Phi, Pi, Label []float64
}

// Len returns the number of samples.
func (d *Dataset) Len() int { return len(d.Phi) }

// Positives returns how many samples have label 0.
func (d *Dataset) Positives() int {
	n := 0
	for _, y := range d.Label {
		if y == 0 {
			n++
		}
	}
	return n
}

// Generate draws boundary data uniformly from cfg's box, propagates each point
// through the true metric of bh (the same RK4 layers the network uses), labels
// it by |F| < ε, and keeps exactly perClass positives and perClass negatives
// (rejection sampling: positives are a thin band of the box). Samples are
// returned in random order. The same seed gives the same data.
func Generate(cfg Config, bh *blackhole.Background, perClass int, seed uint64) (*Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if perClass < 1 {
		return nil, fmt.Errorf("holography: %d samples per class: need at least 1", perClass)
	}
	prof := TrueProfile(cfg, bh)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	var pos, neg [][2]float64
	maxDraws := 100000 * perClass
	const chunk = 4096
	phis, pis := make([]float64, chunk), make([]float64, chunk)
	for draws := 0; len(pos) < perClass || len(neg) < perClass; draws += chunk {
		if draws > maxDraws {
			return nil, fmt.Errorf("holography: after %d draws only %d positives and %d negatives: the box φ∈[%g,%g], Π∈[%g,%g] misses the positive region", draws, len(pos), len(neg), cfg.PhiMin, cfg.PhiMax, cfg.PiMin, cfg.PiMax)
		}
		for k := range phis {
			phis[k] = cfg.PhiMin + (cfg.PhiMax-cfg.PhiMin)*rng.Float64()
			pis[k] = cfg.PiMin + (cfg.PiMax-cfg.PiMin)*rng.Float64()
		}
		pIR, piIR := PropagateBatch(cfg, prof, phis, pis)
		for k := range phis {
			if HardT(cfg.F(pIR[k], piIR[k]), cfg.Epsilon) == 0 {
				if len(pos) < perClass {
					pos = append(pos, [2]float64{phis[k], pis[k]})
				}
			} else if len(neg) < perClass {
				neg = append(neg, [2]float64{phis[k], pis[k]})
			}
		}
	}
	d := &Dataset{}
	for _, p := range pos {
		d.Phi, d.Pi, d.Label = append(d.Phi, p[0]), append(d.Pi, p[1]), append(d.Label, 0)
	}
	for _, p := range neg {
		d.Phi, d.Pi, d.Label = append(d.Phi, p[0]), append(d.Pi, p[1]), append(d.Label, 1)
	}
	d.shuffle(rng)
	return d, nil
}

// shuffle puts the samples in random order.
func (d *Dataset) shuffle(rng *rand.Rand) {
	rng.Shuffle(d.Len(), func(i, j int) {
		d.Phi[i], d.Phi[j] = d.Phi[j], d.Phi[i]
		d.Pi[i], d.Pi[j] = d.Pi[j], d.Pi[i]
		d.Label[i], d.Label[j] = d.Label[j], d.Label[i]
	})
}

// MustGenerate is Generate for notebook cells.
func MustGenerate(cfg Config, bh *blackhole.Background, perClass int, seed uint64) *Dataset {
	d, err := Generate(cfg, bh, perClass, seed)
	if err != nil {
		panic(err)
	}
	return d
}

// Split returns the first fraction of the (already shuffled) samples and the rest.
func (d *Dataset) Split(fraction float64) (*Dataset, *Dataset) {
	n := int(fraction * float64(d.Len()))
	return d.slice(0, n), d.slice(n, d.Len())
}

func (d *Dataset) slice(a, b int) *Dataset {
	return &Dataset{Phi: d.Phi[a:b], Pi: d.Pi[a:b], Label: d.Label[a:b]}
}

// Accuracy returns the fraction of samples whose label the hard final layer
// reproduces when propagated with the given profile.
func Accuracy(cfg Config, prof Profile, d *Dataset) float64 {
	if d.Len() == 0 {
		return 0
	}
	ok := 0
	p, q := PropagateBatch(cfg, prof, d.Phi, d.Pi)
	for i := range p {
		if HardT(cfg.F(p[i], q[i]), cfg.Epsilon) == d.Label[i] {
			ok++
		}
	}
	return float64(ok) / float64(d.Len())
}
