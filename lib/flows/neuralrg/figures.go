package neuralrg

import (
	"image"

	"github.com/physnb/physnb/lib/plots"
)

// LevelGrid draws readouts of [Model.Levels] as a grid of images, one row
// per generated configuration and one column per stage, each as its mean
// spins tanh x (black -1, white +1).
func LevelGrid(title string, levels [][]Level) (*plots.ImageGridFigure, error) {
	var imgs []image.Image
	var labels []string
	for _, sample := range levels {
		for _, st := range sample {
			img, err := plots.GrayImage(st.MeanSpins(), st.Size, st.Size, -1, 1)
			if err != nil {
				return nil, err
			}
			imgs, labels = append(imgs, img), append(labels, st.Name)
		}
	}
	cols := 0
	if len(levels) > 0 {
		cols = len(levels[0])
	}
	return plots.ImageGrid(title, imgs, labels, cols), nil
}
