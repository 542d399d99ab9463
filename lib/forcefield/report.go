package forcefield

import (
	"fmt"
	"strings"

	"github.com/physnb/physnb/lib/num"
	"github.com/physnb/physnb/lib/plots"
)

// Figure is the lesson's evaluation figure: the energy and the force F_x on
// atom 0 along the 200 structures, reference and model, with dots at the 30
// structures used for training and validation (everything in between is
// interpolation).
func (r *Report) Figure(title string) plots.Row {
	var rTrain, eTrain, fTrain []float64
	for _, i := range append(append([]int(nil), r.TrainIdx...), r.ValidIdx...) {
		rTrain, eTrain, fTrain = append(rTrain, r.Distance[i]), append(eTrain, r.Energy[i]), append(fTrain, r.Force[i])
	}
	return plots.Row{
		plots.New(fmt.Sprintf("%s: energy (MAE %.4f eV)", title, r.EnergyMAE), "distance d (Å)", "energy (eV)").
			Line("true", r.Distance, r.Energy).Dashed("predicted", r.Distance, r.PredictedEnergy).Scatter("training points", rTrain, eTrain),
		plots.New(fmt.Sprintf("%s: force (MAE %.3f eV/Å)", title, r.ForceMAE), "distance d (Å)", "F_x on atom 0 (eV/Å)").
			Line("true", r.Distance, r.Force).Dashed("predicted", r.Distance, r.PredictedForce).Scatter("training points", rTrain, fTrain),
	}
}

// Errors says the model's errors and, for scale, the constant guess's.
func (r *Report) Errors(title string) string {
	return fmt.Sprintf("%s: energy MAE %.4f eV, force MAE %.4f eV/Å (x on atom 0; %.4f over all components)\n", title, r.EnergyMAE, r.ForceMAE, r.ForceMAEAll) +
		fmt.Sprintf("  for scale: a constant guess has energy MAE %.3f eV and force MAE %.3f eV/Å\n", r.BaselineEnergyMAE, r.BaselineForceMAE)
}

// EpochAxis is 1, 2, ..., Epochs: the x values of the per-epoch histories.
func (r *Report) EpochAxis() []float64 { return num.Linspace(1, float64(r.Epochs), r.Epochs) }

// HistoryFigure plots the kept initialisation's epoch-mean training and
// validation losses, with the epochs after which the step was halved and the
// one where training stopped, next to the learning rate.
func (r *Report) HistoryFigure(title string) plots.Row {
	epochs := r.EpochAxis()
	var dx, dy []float64
	for _, e := range r.DecayEpochs {
		dx, dy = append(dx, float64(e+1)), append(dy, r.ValidLoss[e])
	}
	return plots.Row{
		plots.New(title+": losses", "epoch", "loss L").Line("epoch-mean training", epochs, r.EpochLoss).
			Line("validation", epochs, r.ValidLoss).Scatter("step halved", dx, dy).
			Scatter("stopped", []float64{float64(r.Epochs)}, []float64{r.ValidLoss[r.Epochs-1]}).LogY(),
		plots.New(title+": learning rate", "epoch", "Adam step").Line("step", epochs, r.LearningRate).LogY(),
	}
}

// History says which initialisation was kept and how its training went.
func (r *Report) History(title string) string {
	return fmt.Sprintf("%s: kept initialisation %d of %d (best validation losses %.2g), %d epochs: %s; best at epoch %d, %d decays, %.1f s\n",
		title, r.Restart+1, len(r.RunLoss), r.RunLoss, r.Epochs, r.StopReason, r.BestEpoch+1, r.Decays, r.Seconds)
}

// Table is the study as a table: a row per seed (errors, epochs, time,
// whether the split held out an end structure), then the spread and how many
// seeds meet both targets.
func (s *SeedReport) Table(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s recipe\n%5s %14s %16s %8s %8s  %s\n", title, s.Recipe, "seed", "energy MAE/eV", "force MAE/(eV/Å)", "epochs", "time/s", "end held out")
	for _, r := range s.Runs {
		fmt.Fprintf(&b, "%5d %14.4f %16.4f %8d %8.1f  %v\n", r.Seed, r.EnergyMAE, r.ForceMAE, r.Epochs, r.Seconds, r.EndHeldOut)
	}
	e, f := s.EnergyMAE, s.ForceMAE
	fmt.Fprintf(&b, "energy MAE %.4f ± %.4f eV [%.4f, %.4f]; force MAE %.4f ± %.4f eV/Å [%.4f, %.4f]\n", e.Mean, e.Std, e.Min, e.Max, f.Mean, f.Std, f.Min, f.Max)
	fmt.Fprintf(&b, "%d of %d seeds meet both targets (≤ %.3f eV, ≤ %.2f eV/Å) within %d epochs\n", s.Meeting, len(s.Runs), TargetEnergyMAE, TargetForceMAE, s.Epochs)
	return b.String()
}
