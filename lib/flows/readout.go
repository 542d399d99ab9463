package flows

import (
	"image"

	"github.com/physnb/physnb/lib/plots"
)

// ReadoutGrid draws what a hierarchical flow's readout gives (one generated
// sample per row, one stage of the hierarchy per column) as a grid of
// images: cell(r, c) is the stage's name, its side and its side² values
// (row-major), drawn from lo (black) to hi (white).
func ReadoutGrid(title string, rows, cols int, cell func(r, c int) (name string, size int, pixels []float64), lo, hi float64) (*plots.ImageGridFigure, error) {
	var imgs []image.Image
	var labels []string
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			name, size, px := cell(r, c)
			img, err := plots.GrayImage(px, size, size, lo, hi)
			if err != nil {
				return nil, err
			}
			imgs, labels = append(imgs, img), append(labels, name)
		}
	}
	return plots.ImageGrid(title, imgs, labels, cols), nil
}
