package vision

import (
	"fmt"
	"image"
	"image/color"

	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/plots"
)

// Image returns sample i of d (pixels in [0, 1], [H, W, C] with C = 1 or 3)
// as an image for display.
func Image(d *classify.Data, i int) (image.Image, error) {
	if len(d.Shape) != 3 || (d.Shape[2] != 1 && d.Shape[2] != 3) {
		return nil, fmt.Errorf("vision: samples of shape %v are not gray or RGB images", d.Shape)
	}
	if i < 0 || i >= d.Len() {
		return nil, fmt.Errorf("vision: image %d of %d", i, d.Len())
	}
	h, w, c := d.Shape[0], d.Shape[1], d.Shape[2]
	px := d.X[i*h*w*c : (i+1)*h*w*c]
	to8 := func(v float32) uint8 { return uint8(min(max(v, 0), 1)*255 + 0.5) }
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := px[(y*w+x)*c : (y*w+x+1)*c]
			if c == 1 {
				g := to8(p[0])
				img.Set(x, y, color.RGBA{g, g, g, 255})
			} else {
				img.Set(x, y, color.RGBA{to8(p[0]), to8(p[1]), to8(p[2]), 255})
			}
		}
	}
	return img, nil
}

// Grid shows the first n images of d with their class names; with pred
// (predicted classes) each caption reads "true / predicted".
func Grid(title string, d *classify.Data, n, cols int, pred []int) (*plots.ImageGridFigure, error) {
	n = min(n, d.Len())
	imgs := make([]image.Image, n)
	labels := make([]string, n)
	for i := 0; i < n; i++ {
		var err error
		if imgs[i], err = Image(d, i); err != nil {
			return nil, err
		}
		labels[i] = d.Classes[d.Y[i]]
		if pred != nil {
			mark := "✓"
			if pred[i] != d.Y[i] {
				mark = "✗"
			}
			labels[i] = fmt.Sprintf("%s %s", d.Classes[pred[i]], mark)
		}
	}
	return plots.ImageGrid(title, imgs, labels, cols), nil
}
