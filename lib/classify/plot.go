package classify

import (
	"github.com/physnb/physnb/lib/metrics"
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

// PlotConfusion draws a confusion matrix as a heat map of row fractions
// (each row divided by its class size, so the diagonal holds each class's
// recall), with the class names on both axes and the fractions in the cells.
func PlotConfusion(title string, cm *metrics.Confusion, classes []string) *plots.HeatmapFigure {
	z := make([][]float64, len(cm.Counts))
	for i, row := range cm.Counts {
		n := 0
		for _, c := range row {
			n += c
		}
		z[i] = make([]float64, len(row))
		for j, c := range row {
			if n > 0 {
				z[i][j] = float64(c) / float64(n)
			}
		}
	}
	format := "%.2f"
	if len(z) <= 3 {
		format = "%.3f"
	}
	return plots.Heatmap(title, "predicted class", "true class", z).Names(classes, classes).Values(format).ColorLabel("fraction of the true class")
}
