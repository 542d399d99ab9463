package vision

import (
	"math/rand/v2"
)

// FlipCrop returns the lesson's training augmentation for channels-last
// images: with probability 1/2 a horizontal flip (RandomHorizontalFlip), then
// a random crop of the original size from the image zero-padded by pad pixels
// on every side (RandomCrop(size, padding=pad)). It works in place on a batch
// x of n images of shape [H, W, C]; the signature is classify.Augmenter.
//
// The padding is zero: black for pixels scaled to [0, 1], as in torchvision,
// which pads the image before ToTensor and Normalize.
func FlipCrop(pad int, flip bool) func(rng *rand.Rand, x []float32, n int, shape []int) {
	return func(rng *rand.Rand, x []float32, n int, shape []int) {
		h, w, c := shape[0], shape[1], shape[2]
		size := h * w * c
		tmp := make([]float32, size)
		for b := 0; b < n; b++ {
			img := x[b*size : (b+1)*size]
			copy(tmp, img)
			doFlip := flip && rng.IntN(2) == 1
			dy, dx := 0, 0
			if pad > 0 {
				dy, dx = rng.IntN(2*pad+1)-pad, rng.IntN(2*pad+1)-pad
			}
			for i := 0; i < h; i++ {
				si := i + dy
				for j := 0; j < w; j++ {
					sj := j + dx
					if doFlip {
						sj = w - 1 - (j + dx)
					}
					dst := img[(i*w+j)*c : (i*w+j+1)*c]
					if si < 0 || si >= h || sj < 0 || sj >= w {
						for k := range dst {
							dst[k] = 0
						}
						continue
					}
					copy(dst, tmp[(si*w+sj)*c:(si*w+sj+1)*c])
				}
			}
		}
	}
}
