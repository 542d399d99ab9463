package data

// Fuzz targets for every reader of this package. `go test` runs each on its
// seed corpus (inputs built here, the first bytes of the real files when the
// shared data folder is present, and the regression inputs under
// testdata/fuzz/FuzzX/). To fuzz one longer, one at a time:
//
//	GOEXPERIMENT=simd go test -run='^$' -fuzz='^FuzzReadIDX$' -fuzztime=5m -parallel=1 ./lib/data/
//
// A failing input is written to testdata/fuzz/FuzzX/; keep it there as a
// regression case once the reader is fixed.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/internal/alloccheck"
)

// sharedBytes returns up to max bytes of a file of the shared data folder
// ($PHYSNB_DATA, else ../shared/data from the repository root), or nil when
// there is none: the fuzz targets then run on their built inputs only.
func sharedBytes(name string, max int) []byte {
	dirs := filepath.SplitList(os.Getenv(EnvVar))
	dirs = append(dirs, filepath.Join("..", "..", "..", "shared", "data"))
	for _, d := range dirs {
		f, err := os.Open(filepath.Join(d, filepath.FromSlash(name)))
		if err != nil {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(f, int64(max)))
		f.Close()
		if err == nil {
			return b
		}
	}
	return nil
}

// gunzipped returns the bytes a reader sees after maybeGunzip (capped at
// 256 MiB): what an input can justify allocating.
func gunzipped(b []byte) int {
	r, err := maybeGunzip(bytes.NewReader(b))
	if err != nil {
		return len(b)
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(r, 256<<20))
	return max(int(n), len(b))
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("type,a,b\nwhite,1,2.5\nred,-3,4e2\n"), false)
	f.Add([]byte("\ufeffx,y\n1,2\n"), false)
	f.Add([]byte("1,2\n3,4\n"), true)
	f.Add(gz([]byte("type,a\nred,1\nwhite,NaN\n")), false)
	f.Add([]byte("a,a\n1,2\n"), false)
	f.Add([]byte("a,\"b\nc\"\n1,\"2\"\"\"\n"), false)
	f.Add([]byte{0x1f, 0x8b, 8, 0}, false)
	if b := sharedBytes(WineQuality, 2048); b != nil {
		f.Add(b[:bytes.LastIndexByte(b, '\n')+1], false)
	}
	if b := sharedBytes(QCDCondensate, 1<<10); b != nil {
		f.Add(b, true)
	}
	if b := sharedBytes(Digits, 1<<20); b != nil {
		f.Add(b, true) // the whole gzip file: the reader must reach its checksum
	}
	f.Fuzz(func(t *testing.T, in []byte, noHeader bool) {
		var opts []CSVOption
		if noHeader {
			opts = append(opts, NoHeader())
		}
		alloccheck.Bounded(t, gunzipped(in), func() {
			c, err := ParseCSV(bytes.NewReader(in), "fuzz.csv", opts...)
			if err != nil {
				if !strings.Contains(err.Error(), "fuzz.csv") {
					t.Fatalf("error %q does not name the table", err)
				}
				return
			}
			checkCSV(t, c, noHeader)
		})
	})
}

// checkCSV asserts what a successfully read table promises, and that every
// accessor gives a result of consistent size or an error.
func checkCSV(t *testing.T, c *CSV, noHeader bool) {
	t.Helper()
	if len(c.Header) == 0 {
		t.Fatal("no columns and no error")
	}
	seen := map[string]bool{}
	for _, h := range c.Header {
		if seen[h] {
			t.Fatalf("header %q names a column twice", c.Header)
		}
		seen[h] = true
	}
	if noHeader && len(c.Rows) == 0 {
		t.Fatal("a file without a header read with no rows")
	}
	for i, r := range c.Rows {
		if len(r) != len(c.Header) {
			t.Fatalf("row %d has %d fields, header %d", i, len(r), len(c.Header))
		}
	}
	if x, err := c.Floats(); err == nil {
		if len(x) != c.Len() {
			t.Fatalf("Floats: %d rows of %d", len(x), c.Len())
		}
		for _, r := range x {
			if len(r) != len(c.Header) {
				t.Fatalf("Floats: a row of %d values, %d columns", len(r), len(c.Header))
			}
			for _, v := range r {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("Floats returned %v", v)
				}
			}
		}
	}
	cols := c.Without(c.Header[0])
	if v, err := c.Float32s(cols...); err == nil {
		if len(cols) > 0 && len(v) != c.Len()*len(cols) {
			t.Fatalf("Float32s: %d values for %d rows x %d columns", len(v), c.Len(), len(cols))
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("Float32s returned %v", x)
			}
		}
	}
	if x, err := c.Tensor(c.Header...); err == nil {
		if d := x.Shape().Dimensions; len(d) != 2 || d[0] != c.Len() || d[1] != len(c.Header) {
			t.Fatalf("Tensor shape %v for %d x %d", d, c.Len(), len(c.Header))
		}
	}
	codes, levels, err := c.Categories(c.Header[0])
	if err != nil {
		t.Fatalf("Categories of an existing column: %v", err)
	}
	if len(codes) != c.Len() {
		t.Fatalf("Categories: %d codes for %d rows", len(codes), c.Len())
	}
	for _, k := range codes {
		if k < 0 || k >= len(levels) {
			t.Fatalf("code %d of %d levels", k, len(levels))
		}
	}
	if _, err := c.Column("no such column \x00"); err == nil {
		t.Fatal("a missing column was found")
	}
}

// realIDX returns the first n items of a real idx file (the shared folder
// or Debian's Fashion-MNIST), decompressed and re-headed as n items, or nil.
func realIDX(name string, n, itemSize int) []byte {
	var b []byte
	for _, p := range []string{"", fashionDeb} {
		var raw []byte
		if p == "" {
			raw = sharedBytes(name, 64<<20)
		} else if r, err := os.ReadFile(p + filepath.Base(name)); err == nil {
			raw = r
		}
		if raw == nil {
			continue
		}
		r, err := maybeGunzip(bytes.NewReader(raw))
		if err != nil {
			continue
		}
		hdr := 8
		if itemSize > 1 {
			hdr = 16
		}
		b, _ = io.ReadAll(io.LimitReader(r, int64(hdr+n*itemSize)))
		if len(b) == hdr+n*itemSize {
			b[4], b[5], b[6], b[7] = 0, 0, 0, byte(n) // n < 256
			return b
		}
	}
	return nil
}

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes([]int{3}, []byte{7, 8, 9}))
	f.Add(idxBytes([]int{2, 2, 3}, make([]byte, 12)))
	f.Add(gz(idxBytes([]int{2, 2}, []byte{1, 2, 3, 4})))
	f.Add(idxBytes([]int{1 << 30, 1 << 30}, nil))
	f.Add([]byte{0, 0, 8, 9})
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1})
	if b := realIDX("fashion-mnist/t10k-labels-idx1-ubyte.gz", 20, 1); b != nil {
		f.Add(b)
		f.Add(gz(b))
	}
	if b := realIDX("fashion-mnist/t10k-images-idx3-ubyte.gz", 2, 28*28); b != nil {
		f.Add(gz(b))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		alloccheck.Bounded(t, gunzipped(in), func() {
			x, err := readIDX(bytes.NewReader(in))
			if err != nil {
				return
			}
			checkIDX(t, x)
		})
	})
}

func checkIDX(t *testing.T, x *IDX) {
	t.Helper()
	if len(x.Dims) < 1 || len(x.Dims) > 8 {
		t.Fatalf("%d dimensions", len(x.Dims))
	}
	n := 1
	for _, d := range x.Dims {
		if d < 1 {
			t.Fatalf("dimensions %v", x.Dims)
		}
		n *= d
	}
	if n != len(x.Data) {
		t.Fatalf("dimensions %v but %d bytes", x.Dims, len(x.Data))
	}
}

func FuzzReadIDXImages(f *testing.F) {
	f.Add(idxBytes([]int{2, 2, 2}, make([]byte, 8)), idxBytes([]int{2}, []byte{3, 9}))
	f.Add(idxBytes([]int{1, 1, 1}, []byte{255}), idxBytes([]int{1}, []byte{10}))
	f.Add(idxBytes([]int{2, 1}, []byte{0, 0}), idxBytes([]int{2}, []byte{0, 0}))
	if x, y := realIDX("fashion-mnist/t10k-images-idx3-ubyte.gz", 3, 28*28), realIDX("fashion-mnist/t10k-labels-idx1-ubyte.gz", 3, 1); x != nil && y != nil {
		f.Add(x, y)
	}
	f.Fuzz(func(t *testing.T, xb, yb []byte) {
		alloccheck.Bounded(t, gunzipped(xb)+gunzipped(yb), func() {
			x, err := readIDX(bytes.NewReader(xb))
			if err != nil {
				return
			}
			y, err := readIDX(bytes.NewReader(yb))
			if err != nil {
				return
			}
			im, err := pairIDX(x, y, "x.idx", "y.idx", FashionMNISTClasses)
			if err != nil {
				return
			}
			checkImages(t, im)
		})
	})
}

// checkImages asserts the sizes an Images promises and that every image
// and label can be used.
func checkImages(t *testing.T, im *Images) {
	t.Helper()
	if im.N < 1 || im.Channels < 1 || im.Height < 1 || im.Width < 1 {
		t.Fatalf("%d images of %dx%dx%d", im.N, im.Channels, im.Height, im.Width)
	}
	if len(im.Pixels) != im.N*im.Size() || len(im.Labels) != im.N {
		t.Fatalf("%d images of %d pixels: %d pixels, %d labels", im.N, im.Size(), len(im.Pixels), len(im.Labels))
	}
	for i := range im.N {
		if len(im.Image(i)) != im.Size() {
			t.Fatalf("image %d has %d pixels", i, len(im.Image(i)))
		}
		if len(im.Classes) > 0 && int(im.Labels[i]) >= len(im.Classes) {
			t.Fatalf("label %d of %d classes", im.Labels[i], len(im.Classes))
		}
		_ = im.Class(i)
	}
}

// cifarRecords returns the first n records of the real CIFAR-10 sample, or
// n records built here when it is absent.
func realCIFAR(n int) []byte {
	if b := sharedBytes(CIFAR10SampleBatch, n*CIFAR10RecordSize); len(b) == n*CIFAR10RecordSize {
		return b
	}
	b := make([]byte, n*CIFAR10RecordSize)
	for i := range n {
		b[i*CIFAR10RecordSize] = byte(i % 10)
		for k := 1; k < CIFAR10RecordSize; k++ {
			b[i*CIFAR10RecordSize+k] = byte(i*31 + k)
		}
	}
	return b
}

func FuzzReadCIFAR10(f *testing.F) {
	f.Add(realCIFAR(2))
	f.Add(realCIFAR(1)[:CIFAR10RecordSize-1])
	bad := realCIFAR(1)
	bad[0] = 10
	f.Add(bad)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		alloccheck.Bounded(t, len(in), func() {
			im, err := readCIFAR(bytes.NewReader(in), "fuzz.bin", CIFAR10Classes)
			if err != nil {
				if !strings.Contains(err.Error(), "fuzz.bin") {
					t.Fatalf("error %q does not name the file", err)
				}
				return
			}
			checkImages(t, im)
			if im.N*CIFAR10RecordSize != len(in) || im.Channels != 3 || im.Height != 32 || im.Width != 32 {
				t.Fatalf("%d bytes read as %d images %dx%dx%d", len(in), im.N, im.Channels, im.Height, im.Width)
			}
			// The record layout: label byte, then the 3072 pixels in order.
			for i := range im.N {
				rec := in[i*CIFAR10RecordSize:]
				if im.Labels[i] != rec[0] || !bytes.Equal(im.Image(i), rec[1:CIFAR10RecordSize]) {
					t.Fatalf("record %d not copied as it is", i)
				}
			}
		})
	})
}

// tarGz builds a .tar.gz of the named members.
func tarGz(members ...string) func(contents ...[]byte) []byte {
	return func(contents ...[]byte) []byte {
		var buf bytes.Buffer
		gw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gw)
		for i, m := range members {
			tw.WriteHeader(&tar.Header{Name: m, Mode: 0o644, Size: int64(len(contents[i])), Typeflag: tar.TypeReg})
			tw.Write(contents[i])
		}
		tw.Close()
		gw.Close()
		return buf.Bytes()
	}
}

func FuzzReadCIFAR10Archive(f *testing.F) {
	meta := []byte(strings.Join(CIFAR10Classes, "\n") + "\n")
	if b := sharedBytes(CIFAR10SampleMeta, 4096); b != nil {
		meta = b
	}
	both := tarGz("cifar-10-batches-bin/batches.meta.txt", "cifar-10-batches-bin/data_batch_1.bin")
	f.Add(both(meta, realCIFAR(2)))
	f.Add(both([]byte("a\nb\n"), realCIFAR(1)))
	f.Add(tarGz("cifar-10-batches-bin/test_batch.bin")(realCIFAR(1)))
	f.Fuzz(func(t *testing.T, in []byte) {
		alloccheck.Bounded(t, gunzipped(in), func() {
			im, err := readCIFARArchive(bytes.NewReader(in), "fuzz.tar.gz", []string{"data_batch_1.bin"})
			if err != nil {
				if !strings.Contains(err.Error(), "fuzz.tar.gz") {
					t.Fatalf("error %q does not name the archive", err)
				}
				return
			}
			checkImages(t, im)
			if len(im.Classes) != 10 {
				t.Fatalf("%d class names", len(im.Classes))
			}
		})
	})
}

func FuzzReadClassNames(f *testing.F) {
	f.Add([]byte(strings.Join(CIFAR10Classes, "\n") + "\n"))
	f.Add([]byte("  a \r\n\n\tb\n"))
	if b := sharedBytes(ImageNetLabels, 1024); b != nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		names, err := readNames(bytes.NewReader(in))
		if err != nil {
			return
		}
		if len(names) > bytes.Count(in, []byte("\n"))+1 {
			t.Fatalf("%d names from %d lines", len(names), bytes.Count(in, []byte("\n"))+1)
		}
		for _, s := range names {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("name %q", s)
			}
		}
	})
}
