package neuralrg

import (
	"github.com/physnb/physnb/lib/flows"
	"github.com/physnb/physnb/lib/plots"
)

// LevelGrid draws readouts of [Model.Levels] as a grid of images, one row
// per generated configuration and one column per stage, each as its mean
// spins tanh x (black -1, white +1).
func LevelGrid(title string, levels [][]Level) (*plots.ImageGridFigure, error) {
	cols := 0
	if len(levels) > 0 {
		cols = len(levels[0])
	}
	return flows.ReadoutGrid(title, len(levels), cols, func(r, c int) (string, int, []float64) {
		l := levels[r][c]
		return l.Name, l.Size, l.MeanSpins()
	}, -1, 1)
}
