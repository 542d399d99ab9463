package data

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"
)

// Images is a labelled batch of 8-bit images, stored as the files store
// them: image after image, each channel after channel (N, C, H, W).
type Images struct {
	N, Channels, Height, Width int
	Pixels                     []uint8 // N*C*H*W bytes, layout NCHW
	Labels                     []uint8 // N class indices
	Classes                    []string
}

// Layout orders the axes of an image tensor.
type Layout int

const (
	NCHW Layout = iota // channels first: [N, C, H, W] (the CIFAR-10 file layout)
	NHWC               // channels last: [N, H, W, C] (GoMLX's default for convolutions)
)

func (l Layout) String() string {
	if l == NHWC {
		return "NHWC"
	}
	return "NCHW"
}

// Size returns the number of bytes of one image.
func (im *Images) Size() int { return im.Channels * im.Height * im.Width }

// Image returns the pixels of image i (CHW), sharing memory with im.
func (im *Images) Image(i int) []uint8 {
	s := im.Size()
	return im.Pixels[i*s : (i+1)*s]
}

// Class returns the name of image i's class, or its number when the class
// names are unknown.
func (im *Images) Class(i int) string {
	l := int(im.Labels[i])
	if l < len(im.Classes) {
		return im.Classes[l]
	}
	return fmt.Sprint(l)
}

// Slice returns images [from, to), sharing memory with im: a quick way to
// take a small training set in quick mode.
func (im *Images) Slice(from, to int) (*Images, error) {
	if from < 0 || to > im.N || from > to {
		return nil, fmt.Errorf("images: slice [%d, %d) out of range: have %d images", from, to, im.N)
	}
	out := *im
	out.N = to - from
	out.Pixels = im.Pixels[from*im.Size() : to*im.Size()]
	out.Labels = im.Labels[from:to]
	return &out, nil
}

// Float32 converts the pixels to float32 in the given layout; normalise
// maps 0..255 to 0..1, otherwise the values stay 0..255 (what the ONNX
// mnist-8 model expects).
func (im *Images) Float32(layout Layout, normalise bool) []float32 {
	scale := float32(1)
	if normalise {
		scale = 1.0 / 255
	}
	out := make([]float32, len(im.Pixels))
	if layout == NCHW || im.Channels == 1 {
		for i, p := range im.Pixels {
			out[i] = float32(p) * scale
		}
		return out
	}
	hw := im.Height * im.Width
	c := im.Channels
	for n := 0; n < im.N; n++ {
		src := im.Image(n)
		dst := out[n*im.Size() : (n+1)*im.Size()]
		for ch := 0; ch < c; ch++ {
			for k := 0; k < hw; k++ {
				dst[k*c+ch] = float32(src[ch*hw+k]) * scale
			}
		}
	}
	return out
}

// Tensor returns the images as a float32 tensor, [N, C, H, W] or [N, H, W, C].
func (im *Images) Tensor(layout Layout, normalise bool) *tensors.Tensor {
	flat := im.Float32(layout, normalise)
	if layout == NHWC {
		return tensors.FromFlatDataAndDimensions(flat, im.N, im.Height, im.Width, im.Channels)
	}
	return tensors.FromFlatDataAndDimensions(flat, im.N, im.Channels, im.Height, im.Width)
}

// LabelsInt32 returns the labels widened to int32.
func (im *Images) LabelsInt32() []int32 {
	out := make([]int32, len(im.Labels))
	for i, l := range im.Labels {
		out[i] = int32(l)
	}
	return out
}

// LabelsTensor returns the labels as an int32 tensor of shape [N].
func (im *Images) LabelsTensor() *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(im.LabelsInt32(), im.N)
}

// checkLabels verifies every label indexes a class name.
func (im *Images) checkLabels(source string) error {
	if len(im.Classes) == 0 {
		return nil
	}
	for i, l := range im.Labels {
		if int(l) >= len(im.Classes) {
			return fmt.Errorf("%s: record %d has label %d, want 0..%d", source, i, l, len(im.Classes)-1)
		}
	}
	return nil
}
