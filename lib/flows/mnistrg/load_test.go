package mnistrg

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeIDX writes n images of rows x cols (and their labels) as the idx
// files of one split.
func writeIDX(t *testing.T, dir, split string, n, rows, cols int) {
	t.Helper()
	img := binary.BigEndian.AppendUint32(nil, 0x00000803)
	for _, d := range []int{n, rows, cols} {
		img = binary.BigEndian.AppendUint32(img, uint32(d))
	}
	img = append(img, make([]byte, n*rows*cols)...)
	lab := binary.BigEndian.AppendUint32(nil, 0x00000801)
	lab = binary.BigEndian.AppendUint32(lab, uint32(n))
	lab = append(lab, make([]byte, n)...)
	if err := os.WriteFile(filepath.Join(dir, split+"-images-idx3-ubyte"), img, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, split+"-labels-idx1-ubyte"), lab, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Training and test images of different sizes are two data sets: refused.
func TestLoadRefusesMixedSizes(t *testing.T) {
	dir := t.TempDir()
	writeIDX(t, dir, "train", 3, 28, 28)
	writeIDX(t, dir, "t10k", 2, 28, 28)
	if _, _, err := Load(dir); err != nil {
		t.Fatalf("same sizes: %v", err)
	}
	writeIDX(t, dir, "t10k", 2, 20, 20)
	_, _, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "training images are 28x28x1, test images 20x20x1") {
		t.Errorf("28x28 training and 20x20 test images: %v", err)
	}
}
