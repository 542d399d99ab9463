package hnet

import (
	"math"
	"math/cmplx"

	"github.com/physnb/physnb/lib/plots"
)

// SigmaFigure plots σ against |ψ| from a σ grid (radius x phase, as from
// [Model.SigmaGrid]): the mean over the phases with the min-max band.
func SigmaFigure(title string, radii []float64, grid [][]float64) *plots.Figure {
	mean, lo, hi := GridStats(grid)
	return plots.New(title, "|ψ|", "σ accuracy").Band("min-max over phases", radii, lo, hi).Line("mean over phases", radii, mean)
}

// AbsMatrix returns |H_ij| of a row-major n x n matrix as rows (for a
// heatmap), and how far H is from the identity: the largest ||H_ii| - 1|
// and the largest |H_ij| with i ≠ j.
func AbsMatrix(h []complex128, n int) (abs [][]float64, maxDiag, maxOff float64) {
	abs = make([][]float64, n)
	for i := range abs {
		abs[i] = make([]float64, n)
		for j := range abs[i] {
			abs[i][j] = cmplx.Abs(h[i*n+j])
			if i == j {
				maxDiag = math.Max(maxDiag, math.Abs(abs[i][j]-1))
			} else {
				maxOff = math.Max(maxOff, abs[i][j])
			}
		}
	}
	return abs, maxDiag, maxOff
}
