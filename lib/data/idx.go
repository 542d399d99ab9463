package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// IDX is an array read from LeCun's idx format (MNIST, Fashion-MNIST):
// a 4-byte magic (0, 0, type, number of dimensions), the dimensions as
// big-endian uint32, then the values in row-major order.
type IDX struct {
	Dims []int
	Data []byte // unsigned bytes (type 0x08), len = product of Dims
}

// maxIDXBytes bounds what a header may promise, so that a corrupted header
// cannot make the loader reserve gigabytes.
const maxIDXBytes = 1 << 31

// ReadIDX reads an idx1/idx3 file of unsigned bytes, raw or gzip-compressed
// (recognised by content). Truncated files, trailing bytes, a bad magic or
// a gzip checksum failure are errors naming the file.
func ReadIDX(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading idx: %w", err)
	}
	defer f.Close()
	x, err := readIDX(f)
	if err != nil {
		return nil, fmt.Errorf("reading idx %s: %w", path, err)
	}
	return x, nil
}

func readIDX(f io.Reader) (*IDX, error) {
	r, err := maybeGunzip(f)
	if err != nil {
		return nil, err
	}
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, fmt.Errorf("truncated header: %w", err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("bad magic % x: an idx file starts with 00 00", magic)
	}
	if magic[2] != 0x08 {
		return nil, fmt.Errorf("value type 0x%02x not supported: only unsigned bytes (0x08), as in MNIST", magic[2])
	}
	nd := int(magic[3])
	if nd < 1 || nd > 8 {
		return nil, fmt.Errorf("bad header: %d dimensions, want 1..8", nd)
	}
	raw := make([]byte, 4*nd)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, fmt.Errorf("truncated header (%d dimensions): %w", nd, err)
	}
	dims := make([]int, nd)
	total := int64(1)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(raw[4*i:]))
		if d == 0 {
			return nil, fmt.Errorf("bad header: dimension %d is 0", i)
		}
		dims[i] = int(d)
		total *= d
		if total > maxIDXBytes {
			return nil, fmt.Errorf("bad header: dimensions %s... promise more than %d bytes", dimString(dims[:i+1]), int64(maxIDXBytes))
		}
	}
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, total)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if n < total {
		return nil, fmt.Errorf("truncated: dimensions %s promise %d bytes of data, found %d", dimString(dims), total, n)
	}
	// Read to the end: the gzip reader checks its CRC there, and a longer
	// file means the header does not describe it.
	extra, err := io.Copy(io.Discard, r)
	if err != nil {
		return nil, err
	}
	if extra > 0 {
		return nil, fmt.Errorf("%d bytes after the %d promised by dimensions %s", extra, total, dimString(dims))
	}
	return &IDX{Dims: dims, Data: buf.Bytes()}, nil
}

func dimString(d []int) string {
	s := make([]string, len(d))
	for i, v := range d {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, "x")
}

// ReadIDXImages pairs an idx3 image file [N, H, W] with an idx1 label
// file [N] into one-channel Images.
func ReadIDXImages(imagesPath, labelsPath string, classes []string) (*Images, error) {
	x, err := ReadIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	y, err := ReadIDX(labelsPath)
	if err != nil {
		return nil, err
	}
	return pairIDX(x, y, imagesPath, labelsPath, classes)
}

// pairIDX checks that x holds images [N, H, W] and y their N labels.
func pairIDX(x, y *IDX, imagesPath, labelsPath string, classes []string) (*Images, error) {
	if len(x.Dims) != 3 {
		return nil, fmt.Errorf("%s: dimensions %s, want 3 (images x height x width)", imagesPath, dimString(x.Dims))
	}
	if len(y.Dims) != 1 || y.Dims[0] != x.Dims[0] {
		return nil, fmt.Errorf("%s: dimensions %s, want %d labels for the images of %s", labelsPath, dimString(y.Dims), x.Dims[0], imagesPath)
	}
	im := &Images{N: x.Dims[0], Channels: 1, Height: x.Dims[1], Width: x.Dims[2],
		Pixels: x.Data, Labels: y.Data, Classes: classes}
	if err := im.checkLabels(labelsPath); err != nil {
		return nil, err
	}
	return im, nil
}

// FashionMNISTClasses are the ten Fashion-MNIST labels (Xiao et al. 2017).
var FashionMNISTClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// DigitClasses are MNIST's labels.
var DigitClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// FashionMNIST loads the Fashion-MNIST training (60000) and test (10000)
// images. With dir == "" the files come from Path: the data directories,
// then Debian's /usr/share/datasets/fashion-mnist (package
// dataset-fashion-mnist), then a download; otherwise they are read from
// dir (the four *-ubyte.gz files, or the same names without .gz).
func FashionMNIST(dir string) (train, test *Images, err error) {
	return idxPair(dir, "fashion-mnist/", FashionMNISTClasses)
}

// MustFashionMNIST is FashionMNIST for notebook cells: it panics on error.
func MustFashionMNIST(dir string) (train, test *Images) {
	train, test, err := FashionMNIST(dir)
	if err != nil {
		panic(err)
	}
	return train, test
}

// MNIST loads the MNIST training and test images, as FashionMNIST does.
func MNIST(dir string) (train, test *Images, err error) {
	return idxPair(dir, "mnist/", DigitClasses)
}

func idxPair(dir, prefix string, classes []string) (train, test *Images, err error) {
	find := func(file string) (string, error) {
		if dir == "" {
			return Path(prefix + file)
		}
		for _, p := range []string{filepath.Join(dir, file), filepath.Join(dir, strings.TrimSuffix(file, ".gz"))} {
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
		return "", fmt.Errorf("%s: no %s (or the same without .gz) in this folder", dir, file)
	}
	load := func(split string) (*Images, error) {
		x, err := find(split + "-images-idx3-ubyte.gz")
		if err != nil {
			return nil, err
		}
		y, err := find(split + "-labels-idx1-ubyte.gz")
		if err != nil {
			return nil, err
		}
		return ReadIDXImages(x, y, classes)
	}
	if train, err = load("train"); err != nil {
		return nil, nil, err
	}
	if test, err = load("t10k"); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}
