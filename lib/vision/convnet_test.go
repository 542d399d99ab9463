package vision

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The lesson prints Linear(in_features=10368) for 32x32 CIFAR images:
// 32 -conv(pad 2)-> 34 -pool-> 17 -conv-> 19 -pool-> 9, and 128*9*9 = 10368.
func TestLessonConvNetFeatureSize(t *testing.T) {
	c := LessonConvNet(10)
	if got := c.FeatureSize(32, 32); got != 10368 {
		t.Errorf("CIFAR feature size %d, want 10368", got)
	}
	// 28 -> 30 -> 15 -> 17 -> 8: 128*8*8.
	if got := c.FeatureSize(28, 28); got != 8192 {
		t.Errorf("Fashion-MNIST feature size %d, want 8192", got)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	bad := c
	bad.Dropout1 = 1
	if bad.Validate() == nil {
		t.Error("dropout 1 accepted")
	}
}

func TestFlipCrop(t *testing.T) {
	const h, w, c = 3, 4, 2
	img := make([]float32, h*w*c)
	for i := range img {
		img[i] = float32(i + 1)
	}
	at := func(x []float32, i, j, k int) float32 { return x[(i*w+j)*c+k] }
	rng := rand.New(rand.NewPCG(1, 1))
	// Flip only: each image is itself or its mirror image, and both occur.
	seen := map[bool]bool{}
	for trial := 0; trial < 20; trial++ {
		x := slices.Clone(img)
		FlipCrop(0, true)(rng, x, 1, []int{h, w, c})
		flipped := at(x, 0, 0, 0) != at(img, 0, 0, 0)
		seen[flipped] = true
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				for k := 0; k < c; k++ {
					want := at(img, i, j, k)
					if flipped {
						want = at(img, i, w-1-j, k)
					}
					if at(x, i, j, k) != want {
						t.Fatalf("flip: pixel (%d,%d,%d) = %g, want %g", i, j, k, at(x, i, j, k), want)
					}
				}
			}
		}
	}
	if !seen[true] || !seen[false] {
		t.Errorf("flip never/always happened in 20 trials: %v", seen)
	}
	// Crop only: the output is the image shifted by some (dy, dx) in [-1, 1]^2 with zeros outside.
	for trial := 0; trial < 20; trial++ {
		x := slices.Clone(img)
		FlipCrop(1, false)(rng, x, 1, []int{h, w, c})
		found := false
		for dy := -1; dy <= 1 && !found; dy++ {
			for dx := -1; dx <= 1 && !found; dx++ {
				ok := true
				for i := 0; i < h && ok; i++ {
					for j := 0; j < w && ok; j++ {
						for k := 0; k < c; k++ {
							var want float32
							if si, sj := i+dy, j+dx; si >= 0 && si < h && sj >= 0 && sj < w {
								want = at(img, si, sj, k)
							}
							if at(x, i, j, k) != want {
								ok = false
								break
							}
						}
					}
				}
				found = ok
			}
		}
		if !found {
			t.Fatalf("crop output is not a shifted copy: %v", x)
		}
	}
}
