package vision

import (
	"fmt"
	"os"

	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"
)

// FromImages converts 8-bit images to classifier data: channels last
// [H, W, C], pixels scaled to [0, 1] (torchvision's ToTensor). Standardising
// (the lesson's Normalize) is left to [classify.Classifier.Standardize].
func FromImages(im *data.Images, name string) (*classify.Data, error) {
	if im == nil || im.N == 0 {
		return nil, fmt.Errorf("vision: no images in %s", name)
	}
	if len(im.Labels) != im.N || len(im.Pixels) != im.N*im.Size() {
		return nil, fmt.Errorf("vision: %s has %d images but %d labels and %d bytes (want %d)",
			name, im.N, len(im.Labels), len(im.Pixels), im.N*im.Size())
	}
	classes := im.Classes
	if len(classes) == 0 {
		classes = make([]string, 10)
		for i := range classes {
			classes[i] = fmt.Sprint(i)
		}
	}
	d := &classify.Data{X: im.Float32(data.NHWC, true), Shape: []int{im.Height, im.Width, im.Channels},
		Y: make([]int, im.N), Classes: classes, Name: name}
	for i, l := range im.Labels {
		d.Y[i] = int(l)
	}
	return d, d.Validate()
}

// Dataset names accepted by [LoadImages].
const (
	CIFAR10      = "cifar10"
	FashionMNIST = "fashion"
)

// LoadImages returns the training and test sets of "cifar10" or "fashion"
// (Fashion-MNIST) through the data layer, the training set cut to trainLimit
// images and the test set to testLimit (0: all).
func LoadImages(name string, trainLimit, testLimit int) (train, test *classify.Data, err error) {
	var tr, te *data.Images
	switch name {
	case CIFAR10:
		if tr, err = data.CIFAR10("train"); err != nil {
			return nil, nil, err
		}
		if te, err = data.CIFAR10("test"); err != nil {
			return nil, nil, err
		}
	case FashionMNIST:
		if tr, te, err = data.FashionMNIST(""); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("vision: unknown dataset %q, want %q or %q", name, CIFAR10, FashionMNIST)
	}
	if train, err = FromImages(tr, name+" train"); err != nil {
		return nil, nil, err
	}
	if test, err = FromImages(te, name+" test"); err != nil {
		return nil, nil, err
	}
	return train.Head(trainLimit), test.Head(testLimit), nil
}

// CIFAR10Available reports whether the full CIFAR-10 archive is present
// locally (so that choosing it will not start a 170 MB download).
func CIFAR10Available() bool {
	r := data.Verify(mustLookup(data.CIFAR10Archive))
	return r.OK()
}

func mustLookup(name string) data.Entry {
	e, err := data.Lookup(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return e
}

// LoadDigits returns scikit-learn's 1797 8x8 handwritten digits (values
// 0..16) as 28x28 images laid out like MNIST: each digit is resized
// bilinearly to 20x20 and centred in a 28x28 frame (MNIST's digits are
// size-normalised to 20x20 and centred; LeCun et al. 1998), pixels in [0, 1].
// This lets a network pretrained on MNIST read them.
func LoadDigits() (*classify.Data, error) {
	p, err := data.Path(data.Digits)
	if err != nil {
		return nil, err
	}
	t, err := data.ReadCSV(p, data.NoHeader())
	if err != nil {
		return nil, err
	}
	if len(t.Header) != 65 {
		return nil, fmt.Errorf("vision: %s has %d columns, want 64 pixels and a label", p, len(t.Header))
	}
	rows, err := t.Floats()
	if err != nil {
		return nil, err
	}
	const S, box, off = 28, 20, 4
	d := &classify.Data{Shape: []int{S, S, 1}, Classes: data.DigitClasses, Name: "scikit-learn digits (8x8 -> 28x28)",
		X: make([]float32, len(rows)*S*S), Y: make([]int, len(rows))}
	for r, row := range rows {
		lab := int(row[64])
		if lab < 0 || lab > 9 || float64(lab) != row[64] {
			return nil, fmt.Errorf("vision: %s line %d: label %g is not a digit", p, r+1, row[64])
		}
		d.Y[r] = lab
		img := d.X[r*S*S : (r+1)*S*S]
		for i := 0; i < box; i++ {
			for j := 0; j < box; j++ {
				img[(i+off)*S+j+off] = float32(bilinear(row[:64], 8, (float64(i)+0.5)*8/box-0.5, (float64(j)+0.5)*8/box-0.5) / 16)
			}
		}
	}
	return d, d.Validate()
}

// bilinear samples an n x n image at (y, x), clamping at the border.
func bilinear(img []float64, n int, y, x float64) float64 {
	clamp := func(v float64) float64 { return min(max(v, 0), float64(n-1)) }
	y, x = clamp(y), clamp(x)
	y0, x0 := int(y), int(x)
	y1, x1 := min(y0+1, n-1), min(x0+1, n-1)
	fy, fx := y-float64(y0), x-float64(x0)
	return (1-fy)*((1-fx)*img[y0*n+x0]+fx*img[y0*n+x1]) + fy*((1-fx)*img[y1*n+x0]+fx*img[y1*n+x1])
}
