// Package forcefield learns a potential-energy surface from energies and forces
// through a descriptor: a small network f maps the descriptor D of a structure to
// its energy, E = f(D), and forces follow by the chain rule
//
//	F_i = −∂E/∂r_i = −Σ_f (∂f/∂D_f) (∂D_f/∂r_i),
//
// where ∂f/∂D comes from automatic differentiation inside the training graph and
// ∂D/∂r from the descriptor's analytic derivatives. The loss weighs both terms
// by the training variances,
//
//	L = MSE(E, Ê)/Var(E) + MSE(F, F̂)/Var(F),
//
// so training differentiates through a gradient (second-order autodiff). This is
// DScribe's "forces and energies" example (Himanen et al., arXiv:1904.08875,
// examples/forces_and_energies) reproduced on GoMLX: standardised descriptors
// (derivatives divided by the same scales), 30 evenly spaced training
// structures with 20% held out for validation, a 1-hidden-layer sigmoid network,
// Adam, mini-batches of 2, early stopping with the best model kept ([Lesson]).
// [Robust] departs from that recipe where it fails for some seeds: the end
// structures stay in training, the initial sigmoids are spread over the data,
// several initialisations are trained and the one with the lowest validation
// loss kept, the step decays on a plateau, and early stopping counts epochs
// since the best validation loss (docs/forces.md has the measurements).
//
// The lesson's run is an [Experiment] (what `physnb forces train` and the
// notebook run), a study over seeds a [SeedStudy]:
//
//	e := forcefield.Default() // SOAP, robust recipe, seed 7, 5000 epochs
//	e.OnStep = progress.New("training", 0).LogY().OnStep
//	rep, err := e.Run(ctx, backend.Must())
//	fmt.Println(rep.EnergyMAE, rep.ForceMAE) // eV, eV/Å on the 200 structures
//
// Underneath, any data set and recipe:
//
//	calc := lj.MustNew(lj.New(1, 2.9))
//	desc := forcefield.SOAPAt(soap.MustNew(soap.New("H")), [3]float64{})
//	ds := nb.Must(forcefield.Dimers(num.Linspace(2.5, 5, 200), calc, desc))
//	res := nb.Must(forcefield.Train(backend.Must(), ds, forcefield.Robust()))
//	fmt.Println(res.Metrics.EnergyMAE, res.Metrics.ForceMAE)
package forcefield

import (
	"fmt"
	"math"

	"github.com/physnb/physnb/lib/descriptors"
	"github.com/physnb/physnb/lib/descriptors/sine"
	"github.com/physnb/physnb/lib/descriptors/soap"
	"github.com/physnb/physnb/lib/num"
	"github.com/physnb/physnb/lib/potentials/lj"
)

// Descriptor maps a structure to its features D and their derivatives
// ∂D/∂r as [atom][xyz][feature].
type Descriptor func(sys descriptors.System) (d []float64, dd [][][]float64, err error)

// SOAPAt is a SOAP descriptor seen from one fixed point (the lesson uses the
// dimer's midpoint, the origin).
func SOAPAt(s *soap.SOAP, center [3]float64) Descriptor {
	return func(sys descriptors.System) ([]float64, [][][]float64, error) {
		d, dd, err := s.Derivatives(sys, [][3]float64{center})
		if err != nil {
			return nil, nil, err
		}
		return d[0], dd[0], nil
	}
}

// SineMatrix is the Sine matrix descriptor.
func SineMatrix(m *sine.Matrix) Descriptor { return m.Derivatives }

// Dataset holds structures with reference energies and forces and their descriptors.
type Dataset struct {
	R  []float64       // a label per structure (the dimer distance, Å), for plots
	D  [][]float64     // descriptors [sample][feature]
	DD [][][][]float64 // derivatives [sample][atom][xyz][feature]
	E  []float64       // energies (eV)
	F  [][][3]float64  // forces [sample][atom][xyz] (eV/Å)
}

// Len is the number of structures.
func (ds *Dataset) Len() int { return len(ds.E) }

// NumFeatures is the descriptor length.
func (ds *Dataset) NumFeatures() int { return len(ds.D[0]) }

// NumAtoms is the number of atoms per structure.
func (ds *Dataset) NumAtoms() int { return len(ds.F[0]) }

// Subset returns the structures at the given indices (sharing memory).
func (ds *Dataset) Subset(idx []int) *Dataset {
	out := &Dataset{}
	for _, i := range idx {
		out.R = append(out.R, ds.R[i])
		out.D = append(out.D, ds.D[i])
		out.DD = append(out.DD, ds.DD[i])
		out.E = append(out.E, ds.E[i])
		out.F = append(out.F, ds.F[i])
	}
	return out
}

// Dimers builds the lesson's data set: two H atoms at (∓d/2, 0, 0) for each
// distance d, with Lennard-Jones energies and forces and the descriptor.
func Dimers(distances []float64, calc *lj.Calculator, desc Descriptor) (*Dataset, error) {
	if len(distances) == 0 {
		return nil, fmt.Errorf("forcefield: no distances")
	}
	ds := &Dataset{}
	for _, d := range distances {
		pos := lj.Dimer(d)
		res, err := calc.Compute(pos)
		if err != nil {
			return nil, fmt.Errorf("forcefield: dimer at d=%g: %w", d, err)
		}
		dv, ddv, err := desc(descriptors.System{Numbers: []int{1, 1}, Positions: pos})
		if err != nil {
			return nil, fmt.Errorf("forcefield: descriptor at d=%g: %w", d, err)
		}
		ds.R = append(ds.R, d)
		ds.E = append(ds.E, res.Energy)
		ds.F = append(ds.F, res.Forces)
		ds.D = append(ds.D, dv)
		ds.DD = append(ds.DD, ddv)
	}
	return ds, nil
}

// EvenlySpaced is numpy.linspace(0, n−1, k).astype(int): k indices spread over
// 0..n−1, rounded down, as the lesson picks its 30 training structures.
func EvenlySpaced(n, k int) []int {
	out := make([]int, k)
	for i, v := range num.Linspace(0, float64(n-1), k) {
		out[i] = int(math.Floor(v + 1e-9))
	}
	return out
}

// Scaler is scikit-learn's StandardScaler: per-feature mean and population
// standard deviation, with a zero deviation replaced by 1 (a constant feature is
// only centred, as in scikit-learn).
type Scaler struct {
	Mean  []float64 `json:"mean"`
	Scale []float64 `json:"scale"`
}

// FitScaler fits the scaler on descriptors [sample][feature].
func FitScaler(d [][]float64) Scaler {
	nf := len(d[0])
	s := Scaler{Mean: make([]float64, nf), Scale: make([]float64, nf)}
	for f := 0; f < nf; f++ {
		var m float64
		for _, row := range d {
			m += row[f]
		}
		m /= float64(len(d))
		var v float64
		for _, row := range d {
			v += (row[f] - m) * (row[f] - m)
		}
		v /= float64(len(d))
		s.Mean[f] = m
		s.Scale[f] = math.Sqrt(v)
		if s.Scale[f] == 0 {
			s.Scale[f] = 1
		}
	}
	return s
}

// Transform returns a copy of ds with D standardised, (D − mean)/scale, and the
// derivatives divided by the same scales (the chain rule through the affine map).
func (s Scaler) Transform(ds *Dataset) *Dataset {
	out := &Dataset{R: ds.R, E: ds.E, F: ds.F}
	for i := range ds.D {
		row := make([]float64, len(ds.D[i]))
		for f := range row {
			row[f] = (ds.D[i][f] - s.Mean[f]) / s.Scale[f]
		}
		out.D = append(out.D, row)
		dd := make([][][]float64, len(ds.DD[i]))
		for a := range dd {
			dd[a] = make([][]float64, 3)
			for k := 0; k < 3; k++ {
				dd[a][k] = make([]float64, len(row))
				for f := range row {
					dd[a][k][f] = ds.DD[i][a][k][f] / s.Scale[f]
				}
			}
		}
		out.DD = append(out.DD, dd)
	}
	return out
}

// variance is numpy.var: the population variance of all values.
func variance(xs []float64) float64 {
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return v / float64(len(xs))
}
