package vision

import (
	"os"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"
)

func fashion(t *testing.T, nTrain, nTest int) (*classify.Data, *classify.Data) {
	t.Helper()
	if os.Getenv(data.EnvVar) == "" {
		t.Setenv(data.EnvVar, "../../../shared/data")
	}
	tr, te, err := LoadImages(FashionMNIST, nTrain, nTest)
	if err != nil {
		t.Skipf("Fashion-MNIST not available: %v", err)
	}
	return tr, te
}

// A small ConvNet trained for two epochs on 1000 Fashion-MNIST images must
// beat chance (10%) by far on unseen images; the test accuracy reference is
// chance, and the training loss must fall below ln 10 = 2.30 (the loss of a
// uniform guess).
func TestSmallConvNetLearnsFashionMNIST(t *testing.T) {
	tr, te := fashion(t, 1000, 500)
	if tr.Len() != 1000 || te.Len() != 500 || tr.Shape[0] != 28 || tr.Shape[2] != 1 {
		t.Fatalf("got %d train, %d test images of shape %v", tr.Len(), te.Len(), tr.Shape)
	}
	cfg := ConvNetConfig{Conv1: 8, Conv2: 16, Kernel: 3, Padding: 2, Hidden: 64, Classes: 10, Dropout1: 0.25}
	c := classify.New(backend.Must(), cfg.Model(), 10).Seed(1).Standardize(tr)
	h, err := c.Fit(tr, te, classify.Config{Epochs: 2, BatchSize: 32, LearningRate: 1e-3, Seed: 1,
		Augment: FlipCrop(2, true)})
	if err != nil {
		t.Fatal(err)
	}
	last := h.Last()
	t.Logf("train loss %.3f acc %.3f, test loss %.3f acc %.3f, %.0f images/s", last.TrainLoss, last.TrainAcc, last.TestLoss, last.TestAcc, last.ImagesPerSecond)
	if last.TestAcc < 0.5 || last.TrainLoss > 2.0 {
		t.Fatalf("test accuracy %.3f (want >= 0.5, chance 0.1), train loss %.3f (want < 2.0 < ln 10)", last.TestAcc, last.TrainLoss)
	}
}

func TestFromImagesErrors(t *testing.T) {
	if _, err := FromImages(&data.Images{N: 2, Channels: 1, Height: 2, Width: 2, Pixels: make([]uint8, 7), Labels: []uint8{0, 1}}, "bad"); err == nil {
		t.Error("wrong pixel count accepted")
	}
	if _, _, err := LoadImages("mnist-ish", 0, 0); err == nil {
		t.Error("unknown dataset accepted")
	}
}

// scikit-learn's digits: 1797 images (digits.rst), the first is a 0. Bilinear
// resizing keeps each pixel within [0, 1] and puts nothing outside the 20x20
// box at offset 4.
func TestLoadDigits(t *testing.T) {
	if os.Getenv(data.EnvVar) == "" {
		t.Setenv(data.EnvVar, "../../../shared/data")
	}
	d, err := LoadDigits()
	if err != nil {
		t.Skipf("digits not available: %v", err)
	}
	if d.Len() != 1797 || d.Y[0] != 0 || d.Y[1] != 1 {
		t.Fatalf("%d digits, first labels %v", d.Len(), d.Y[:2])
	}
	for i := 0; i < d.Len(); i++ {
		img := d.X[i*784 : (i+1)*784]
		for p, v := range img {
			r, c := p/28, p%28
			inside := r >= 4 && r < 24 && c >= 4 && c < 24
			if v < 0 || v > 1 || (!inside && v != 0) {
				t.Fatalf("digit %d pixel (%d,%d) = %g", i, r, c, v)
			}
		}
	}
	// Bilinear sampling of a constant image is that constant; at a pixel centre it is the pixel.
	img := []float64{1, 2, 3, 4}
	if v := bilinear(img, 2, 0, 1); v != 2 {
		t.Errorf("bilinear at a pixel centre: %g, want 2", v)
	}
	if v := bilinear(img, 2, 0.5, 0.5); v != 2.5 {
		t.Errorf("bilinear at the middle: %g, want 2.5", v)
	}
}

// The CIFAR-10 sample (200 records of <label><1024 R><1024 G><1024 B>):
// FromImages must put pixel (row, col) channel c at [row, col, c], scaled by 1/255.
func TestFromImagesCIFARLayout(t *testing.T) {
	if os.Getenv(data.EnvVar) == "" {
		t.Setenv(data.EnvVar, "../../../shared/data")
	}
	im, err := data.CIFAR10Sample()
	if err != nil {
		t.Skipf("CIFAR-10 sample not available: %v", err)
	}
	p, err := data.Path(data.CIFAR10SampleBatch)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	d, err := FromImages(im, "cifar sample")
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 200 || d.Shape[0] != 32 || d.Shape[1] != 32 || d.Shape[2] != 3 || len(d.Classes) != 10 {
		t.Fatalf("got %d images of shape %v, classes %v", d.Len(), d.Shape, d.Classes)
	}
	for _, i := range []int{0, 1, 199} {
		rec := raw[i*3073 : (i+1)*3073]
		if d.Y[i] != int(rec[0]) {
			t.Fatalf("image %d: label %d, file says %d", i, d.Y[i], rec[0])
		}
		for _, px := range [][2]int{{0, 0}, {5, 17}, {31, 31}} {
			for c := 0; c < 3; c++ {
				want := float32(rec[1+c*1024+px[0]*32+px[1]]) / 255
				got := d.X[i*3072+(px[0]*32+px[1])*3+c]
				if diff := got - want; diff > 1e-6 || diff < -1e-6 {
					t.Fatalf("image %d pixel %v channel %d: %g, file says %g", i, px, c, got, want)
				}
			}
		}
	}
	if _, err := Image(d, 0); err != nil {
		t.Error(err)
	}
}
