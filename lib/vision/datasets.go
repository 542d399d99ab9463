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
