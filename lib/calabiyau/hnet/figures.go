package hnet

import "github.com/physnb/physnb/lib/plots"

// SigmaFigure plots σ against |ψ| from a σ grid (radius x phase, as from
// [Model.SigmaGrid]): the mean over the phases with the min-max band.
func SigmaFigure(title string, radii []float64, grid [][]float64) *plots.Figure {
	mean, lo, hi := GridStats(grid)
	return plots.New(title, "|ψ|", "σ accuracy").Band("min-max over phases", radii, lo, hi).Line("mean over phases", radii, mean)
}
