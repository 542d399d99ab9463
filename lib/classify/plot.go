package classify

import (
	"github.com/physnb/physnb/lib/plots"
)

// PlotHistory draws the lesson's two panels: train and test loss per epoch,
// and train and test accuracy per epoch.
func PlotHistory(title string, h *History) plots.Row {
	ep := h.Column(func(e EpochStats) float64 { return float64(e.Epoch) })
	loss := plots.New(title+": loss", "epoch", "cross-entropy (nats)").WithSize(12, 9).
		Line("train", ep, h.Column(func(e EpochStats) float64 { return e.TrainLoss })).
		Line("test", ep, h.Column(func(e EpochStats) float64 { return e.TestLoss }))
	acc := plots.New(title+": accuracy", "epoch", "accuracy (fraction correct)").WithSize(12, 9).
		Line("train", ep, h.Column(func(e EpochStats) float64 { return e.TrainAcc })).
		Line("test", ep, h.Column(func(e EpochStats) float64 { return e.TestAcc })).LegendBottom()
	return plots.Row{loss, acc}
}
