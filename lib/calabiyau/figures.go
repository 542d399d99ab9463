package calabiyau

import (
	"fmt"

	"github.com/physnb/physnb/lib/plots"
)

// CyjaxSigmaK4 is σ of the balanced metric after 15 iterations at k = 4 on
// the Dwork quintic ψ = 10+3i in cyjax's Donaldson walkthrough (from 0.725 at H = 1).
const CyjaxSigmaK4 = 0.156

// SigmaFigure plots σ against the iteration (0: H = 1) with its ±1
// standard-error band, and cyjax's final value when k = 4.
func (r *DonaldsonReport) SigmaFigure() *plots.Figure {
	its, sigs := []float64{0}, []float64{r.SigmaInitial}
	lo, hi := []float64{r.SigmaInitial - r.SigmaInitialStderr}, []float64{r.SigmaInitial + r.SigmaInitialStderr}
	for i, s := range r.SigmaPerIteration {
		se := r.SigmaStderrPerIteration[i]
		its, sigs, lo, hi = append(its, float64(i+1)), append(sigs, s), append(lo, s-se), append(hi, s+se)
	}
	f := plots.New(fmt.Sprintf("Donaldson's algorithm, Dwork ψ = %s, k = %d", r.Psi, r.K), "T-operator iteration", "σ accuracy")
	f.Band("±1 standard error", its, lo, hi).Line("σ (Monte Carlo)", its, sigs)
	if r.K == 4 {
		f.HLine(fmt.Sprintf("cyjax after 15 iterations: %g", CyjaxSigmaK4), CyjaxSigmaK4)
	}
	return f
}

// EtaFigure is the histogram of the normalised η at H = 1 and after the
// iterations (values below cut; the long tail is left out). The report must
// have been made with KeepEta.
func (r *DonaldsonReport) EtaFigure(cut float64) *plots.Figure {
	return etaFigure(fmt.Sprintf("η/⟨η⟩ before and after Donaldson, k = %d, ψ = %s (values < %g)", r.K, r.Psi, cut)).
		Histogram("H = 1", below(r.EtaInitial, cut), 60, true).
		Histogram(fmt.Sprintf("after %d iterations", r.Iterations), below(r.EtaFinal, cut), 60, true)
}

// EtaFigure is the histogram of the normalised η of the measured metric
// (values below cut). The report must have been made with KeepEta.
func (r *SigmaReport) EtaFigure(cut float64) *plots.Figure {
	name := "H = 1"
	if r.BalancedIterations > 0 {
		name = fmt.Sprintf("after %d Donaldson iterations", r.BalancedIterations)
	}
	return etaFigure(fmt.Sprintf("η/⟨η⟩ at %s, k = %d, ψ = %s (values < %g)", name, r.K, r.Psi, cut)).
		Histogram(name, below(r.Eta, cut), 60, true)
}

func etaFigure(title string) *plots.Figure {
	return plots.New(title, "normalised η = det g / |Ω|² (dimensionless)", "density of sample points")
}

// below returns the values of x under cut.
func below(x []float64, cut float64) []float64 {
	var out []float64
	for _, v := range x {
		if v < cut {
			out = append(out, v)
		}
	}
	return out
}
