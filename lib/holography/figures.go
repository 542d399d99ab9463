package holography

import (
	"fmt"
	"maps"
	"slices"

	"github.com/physnb/physnb/lib/holography/blackhole"
	"github.com/physnb/physnb/lib/num"
	"github.com/physnb/physnb/lib/plots"
)

// FinalLayerFigure plots the hard final layer t(F) (threshold ε) and the smooth
// trainable one 1 - exp(-|F|^2.5/w).
func FinalLayerFigure(eps, w float64) *plots.Figure {
	fs := num.Linspace(-0.6, 0.6, 1201)
	hard, smooth := make([]float64, len(fs)), make([]float64, len(fs))
	for i, f := range fs {
		hard[i], smooth[i] = HardT(f, eps), SmoothT(f, w)
	}
	return plots.New("Final layer t(F)", "F (dimensionless)", "t(F)").
		Line(fmt.Sprintf("hard: |F| ≥ ε = %g", eps), fs, hard).
		Line(fmt.Sprintf("smooth: 1 - exp(-|F|^2.5/%g)", w), fs, smooth)
}

// BackgroundFigure plots H(η) of the given black holes (numerical: quadrature
// and root finder) against the closed form 3 coth 3η of Schwarzschild.
func BackgroundFigure(etaMin, etaMax float64, bhs ...*blackhole.Background) *plots.Figure {
	etas := num.Linspace(etaMin, etaMax, 181)
	exact := make([]float64, len(etas))
	for i, e := range etas {
		exact[i] = blackhole.SchwarzschildH(e)
	}
	f := plots.New("Metric function of the AdS black hole", "η (units of the horizon radius z_h = 1)", "H(η)")
	for _, bh := range bhs {
		f.Line(fmt.Sprintf("numerical H, Q = %g", bh.Q), etas, bh.H(etas))
	}
	return f.Dashed("exact 3 coth 3η (Q = 0)", etas, exact)
}

// DataFigure is the scatter plot of boundary data, positives and negatives.
func DataFigure(title string, d *Dataset) *plots.Figure {
	return classScatter(plots.New(title, "φ at η_UV (dimensionless)", "Π = ∂ηφ at η_UV"), d)
}

// classScatter adds the negative and the positive samples of d to f.
func classScatter(f *plots.Figure, d *Dataset) *plots.Figure {
	var px, py, nx, ny []float64
	for i := range d.Phi {
		if d.Label[i] == 0 {
			px, py = append(px, d.Phi[i]), append(py, d.Pi[i])
		} else {
			nx, ny = append(nx, d.Phi[i]), append(ny, d.Pi[i])
		}
	}
	return f.Scatter("negative (|F| ≥ ε)", nx, ny).Scatter("positive (|F| < ε)", px, py)
}

// LossFigure plots the mean training loss per epoch of one or more runs,
// in the order of their names (so a run has the same colour every time).
func LossFigure(title string, runs map[string]*Result) *plots.Figure {
	f := plots.New(title, "epoch", "mean loss (MSE of t(F) + regulariser)").LogY()
	for _, name := range slices.Sorted(maps.Keys(runs)) {
		r := runs[name]
		ep := make([]float64, len(r.EpochLoss))
		for i := range ep {
			ep[i] = float64(i + 1)
		}
		f.Line(name, ep, r.EpochLoss)
	}
	return f
}

// LearnedFigure plots the learned H(η) of a run against the truth and,
// optionally, other reference metrics (for example Schwarzschild when learning RN).
func LearnedFigure(title string, r *Result, cfg Config, refs ...*blackhole.Background) *plots.Figure {
	f := plots.New(title, "η (units of z_h)", "H(η)")
	f.Line("learned: "+r.Metric, r.Etas, r.H)
	if r.HTrue != nil {
		f.Scatter("truth at the same points", r.Etas, r.HTrue)
	}
	etas := num.Linspace(cfg.EtaIR, cfg.EtaUV, 91)
	for _, bh := range refs {
		f.Dashed(fmt.Sprintf("exact H, Q = %g", bh.Q), etas, bh.H(etas))
	}
	return f
}

// ChargeEffectFigure plots the relative difference H_Q/H_Schwarzschild - 1 for
// the given charged backgrounds: the size of the signal a learned metric must resolve.
func ChargeEffectFigure(etaMin, etaMax float64, bhs ...*blackhole.Background) *plots.Figure {
	etas := num.Linspace(etaMin, etaMax, 181)
	s := blackhole.Schwarzschild().H(etas)
	f := plots.New("Effect of the charge on the metric", "η (units of z_h)", "H_Q(η) / H_Schwarzschild(η) - 1 (%)")
	for _, bh := range bhs {
		h := bh.H(etas)
		rel := make([]float64, len(etas))
		for i := range rel {
			rel[i] = 100 * (h[i]/s[i] - 1)
		}
		f.Line(fmt.Sprintf("Q = %g", bh.Q), etas, rel)
	}
	return f
}

// RelativeFigure plots learned metrics as H/H_Schwarzschild - 1 in per cent,
// with the same quantity for reference backgrounds dashed: on this scale the
// 0.3-2.3% effect of the charge is visible, which it is not on a plot of H.
// labels[i] names runs[i]; runs with equal labels are drawn as one family.
func RelativeFigure(title string, labels []string, runs []*Result, refs ...*blackhole.Background) *plots.Figure {
	f := plots.New(title, "η (units of z_h)", "H / H_Schwarzschild - 1 (%)")
	rel := func(etas, h []float64) []float64 {
		s := blackhole.Schwarzschild().H(etas)
		out := make([]float64, len(h))
		for i := range h {
			out[i] = 100 * (h[i]/s[i] - 1)
		}
		return out
	}
	// Runs that share a label (repeats on other data sets) form one family:
	// one colour, one legend entry, in order of first appearance.
	var order []string
	family := map[string][][]float64{}
	for i, r := range runs {
		if _, seen := family[labels[i]]; !seen {
			order = append(order, labels[i])
		}
		family[labels[i]] = append(family[labels[i]], rel(r.Etas, r.H))
	}
	if len(runs) == 0 {
		return f
	}
	etas := runs[0].Etas
	for _, name := range order {
		f.Lines(name, etas, family[name])
	}
	for _, bh := range refs {
		f.Dashed(fmt.Sprintf("exact, Q = %g", bh.Q), etas, rel(etas, bh.H(etas)))
	}
	return f
}

// ChargeStudyFigure plots the learned metrics of a [ChargeStudy] as
// [RelativeFigure] does, one family per background that labelled the data,
// with the backgrounds themselves dashed.
func ChargeStudyFigure(title string, r *ChargeStudyReport) *plots.Figure {
	var labels []string
	var runs []*Result
	for _, run := range r.Runs {
		labels = append(labels, fmt.Sprintf("learned from Q=%g data (%d data sets)", run.Charge, r.DataSets))
		runs = append(runs, run.Report.Result())
	}
	var refs []*blackhole.Background
	for _, q := range r.Charges {
		if bh, err := background(q); err == nil {
			refs = append(refs, bh)
		}
	}
	return RelativeFigure(title, labels, runs, refs...)
}

// QCDDataFigure shows the lattice chiral condensate against the quark mass,
// the fitted curve, and the positive and negative training points around it.
func QCDDataFigure(lat *QCDLattice, curve func(float64) float64, d *Dataset) *plots.Figure {
	f := classScatter(plots.New("Lattice chiral condensate and the training data", "quark mass m_q (GeV)", "condensate ⟨q̄q⟩ (GeV³)"), d)
	ms := num.Linspace(0, lat.Mass[len(lat.Mass)-1], 101)
	fit := make([]float64, len(ms))
	for i, m := range ms {
		fit[i] = curve(m)
	}
	return f.Line("cubic fit", ms, fit).Scatter("lattice", lat.Mass, lat.Cond)
}

// QCDMetricFigure plots learned QCD metrics H(η) per layer (labels[i] names
// runs[i]) against the AdS₅ value H = 4.
func QCDMetricFigure(labels []string, runs []*QCDResult) *plots.Figure {
	f := plots.New("Emergent metric from the lattice condensate", "η (units of the AdS radius)", "H(η) per layer")
	for i, r := range runs {
		f.Line(labels[i], r.Etas, r.H)
	}
	if len(runs) > 0 {
		ads := make([]float64, len(runs[0].Etas))
		for i := range ads {
			ads[i] = QCDDim
		}
		f.Dashed("pure AdS₅, H = 4", runs[0].Etas, ads)
	}
	return f
}
