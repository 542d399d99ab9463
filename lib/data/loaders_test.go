package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// idxBytes builds an idx file of unsigned bytes by the format's definition.
func idxBytes(dims []int, data []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

func mustNotPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s panicked: %v", what, r)
		}
	}()
	f()
}

func TestReadCSV(t *testing.T) {
	dir := t.TempDir()
	good := "type,a,b\nwhite,1,2.5\nred,-3,4e2\n"
	for _, name := range []string{"t.csv", "t.csv.gz"} {
		b := []byte(good)
		if strings.HasSuffix(name, ".gz") {
			b = gz(b)
		}
		c, err := ReadCSV(write(t, dir, name, b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		x, err := c.Floats("a", "b")
		if err != nil {
			t.Fatal(err)
		}
		if len(x) != 2 || x[0][0] != 1 || x[0][1] != 2.5 || x[1][0] != -3 || x[1][1] != 400 {
			t.Errorf("%s: floats %v, want [[1 2.5] [-3 400]]", name, x)
		}
		f32, _ := c.Float32s(c.Without("type")...)
		if len(f32) != 4 || f32[3] != 400 {
			t.Errorf("Float32s %v", f32)
		}
		codes, levels, _ := c.Categories("type")
		if len(levels) != 2 || codes[0] != 0 || codes[1] != 1 || levels[1] != "red" {
			t.Errorf("categories %v %v", codes, levels)
		}
	}
	bom, err := ReadCSV(write(t, dir, "bom.csv", []byte("\ufeffx,y\n1,2\n")))
	if err != nil || bom.Header[0] != "x" {
		t.Errorf("byte-order mark: header %q, %v", bom.Header, err)
	}
	semi, err := ReadCSV(write(t, dir, "s.csv", []byte("\"x\";\"y\"\n1;2\n")), Separator(';'))
	if err != nil || semi.Header[1] != "y" || semi.Rows[0][1] != "2" {
		t.Errorf("';' separated: %v %v", semi, err)
	}

	bad := []struct {
		name, content, want string
		floats              bool
	}{
		{"empty.csv", "", "empty", false},
		{"ragged.csv", "a,b\n1,2\n3\n", "line 3", false},
		{"quote.csv", "a,b\n1,\"2\n", "line", false},
		{"text.csv", "a,b\n1,2\n3,abc\n", `line 3, column "b": "abc"`, true},
		{"nan.csv", "a,b\n1,NaN\n", `"NaN" is not a finite number`, true},
		{"inf.csv", "a\n+Inf\n", "not a finite number", true},
		{"blank.csv", "a,b\n1,\n", `line 2, column "b"`, true},
		{"dup.csv", "a,b,a\n1,2,3\n", `columns 1 and 3 are both named "a"`, false},
		{"dupbom.csv", "\ufeffa,a\n1,2\n", `columns 1 and 2 are both named "a"`, false},
		// 1e39 is a finite float64 but beyond float32: the float32 readers refuse it.
		{"big.csv", "a,b\n1,1e39\n", `line 2, column "b": 1e39 is beyond float32's range`, true},
	}
	for _, c := range bad {
		p := write(t, dir, c.name, []byte(c.content))
		mustNotPanic(t, c.name, func() {
			tab, err := ReadCSV(p)
			if err == nil && c.floats {
				_, err = tab.Floats()
				if err == nil {
					_, err = tab.Float32s()
				}
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name) {
				t.Errorf("%s: error %v, want one naming the file and %q", c.name, err, c.want)
			}
		})
	}
	c, _ := ReadCSV(write(t, dir, "ok.csv", []byte(good)))
	if _, err := c.Floats("nope"); err == nil || !strings.Contains(err.Error(), `no column "nope"`) {
		t.Errorf("unknown column: %v", err)
	}
	// A gzip header followed by garbage, and a gzip stream cut short.
	z := gz([]byte(good))
	for name, b := range map[string][]byte{"badgz.csv.gz": append([]byte{0x1f, 0x8b}, "garbage!garbage!"...), "cut.csv.gz": z[:len(z)-10]} {
		p := write(t, dir, name, b)
		mustNotPanic(t, name, func() {
			if _, err := ReadCSV(p); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s: error %v, want one naming the file", name, err)
			}
		})
	}
	if _, err := ReadCSV(filepath.Join(dir, "absent.csv")); err == nil || !strings.Contains(err.Error(), "absent.csv") {
		t.Errorf("absent file: %v", err)
	}
}

func TestReadIDX(t *testing.T) {
	dir := t.TempDir()
	pix := make([]byte, 4*3*2)
	for i := range pix {
		pix[i] = byte(7 * i)
	}
	valid := idxBytes([]int{4, 3, 2}, pix)
	labels := idxBytes([]int{4}, []byte{0, 9, 3, 3})
	for _, v := range []struct {
		name string
		b    []byte
	}{{"x.idx3", valid}, {"x.idx3.gz", gz(valid)}} {
		x, err := ReadIDX(write(t, dir, v.name, v.b))
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if len(x.Dims) != 3 || x.Dims[0] != 4 || x.Dims[1] != 3 || x.Dims[2] != 2 || !bytes.Equal(x.Data, pix) {
			t.Errorf("%s: dims %v data %v", v.name, x.Dims, x.Data)
		}
	}
	im, err := ReadIDXImages(write(t, dir, "i.gz", gz(valid)), write(t, dir, "l", labels), DigitClasses)
	if err != nil || im.N != 4 || im.Height != 3 || im.Width != 2 || im.Class(1) != "9" || im.Image(2)[0] != pix[12] {
		t.Errorf("ReadIDXImages: %+v %v", im, err)
	}
	if _, err := ReadIDXImages(write(t, dir, "i2", valid), write(t, dir, "l2", idxBytes([]int{3}, []byte{1, 2, 3})), nil); err == nil ||
		!strings.Contains(err.Error(), "want 4 labels") {
		t.Errorf("label count mismatch: %v", err)
	}
	if _, err := ReadIDXImages(write(t, dir, "i3", valid), write(t, dir, "l3", idxBytes([]int{4}, []byte{1, 2, 3, 10})), DigitClasses); err == nil ||
		!strings.Contains(err.Error(), "label 10") {
		t.Errorf("label out of range: %v", err)
	}

	zv := gz(valid)
	crc := append([]byte{}, zv...)
	crc[len(crc)-6] ^= 0xff // CRC-32 field of the gzip trailer
	bad := []struct {
		name string
		b    []byte
		want string
	}{
		{"magic", append([]byte{1, 2}, valid[2:]...), "bad magic"},
		{"type", append([]byte{0, 0, 0x0D}, valid[3:]...), "0x0d not supported"},
		{"nodims", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"zerodim", idxBytes([]int{4, 0, 2}, nil), "dimension 1 is 0"},
		{"huge", idxBytes([]int{1 << 30, 1 << 30}, nil), "promise more than"},
		{"wrongdims", idxBytes([]int{5, 3, 2}, pix), "promise 30 bytes of data, found 24"},
		{"trailing", append(append([]byte{}, valid...), 1, 2), "2 bytes after"},
		{"shortheader", valid[:9], "truncated header"},
		{"badgzip", append([]byte{0x1f, 0x8b, 8}, "not deflate at all"...), ""},
		{"crc", crc, "checksum"},
		{"empty", nil, "truncated header"},
	}
	for _, c := range bad {
		p := write(t, dir, c.name, c.b)
		mustNotPanic(t, c.name, func() {
			_, err := ReadIDX(p)
			if err == nil || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want one naming the file and %q", c.name, err, c.want)
			}
		})
	}

	// Every truncation of a valid file, raw and compressed, is an error.
	for _, v := range [][]byte{valid, zv} {
		for n := 0; n < len(v); n++ {
			mustNotPanic(t, "truncation", func() {
				if _, err := readIDX(bytes.NewReader(v[:n])); err == nil {
					t.Errorf("truncated to %d of %d bytes: no error", n, len(v))
				}
			})
		}
	}
	// Random corruption may or may not be detected (a changed pixel is still
	// a valid file) but must never panic.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := append([]byte{}, valid...)
		if i%2 == 1 {
			b = append([]byte{}, zv...)
		}
		for k := 0; k < 1+rng.IntN(3); k++ {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
		mustNotPanic(t, "corruption", func() { readIDX(bytes.NewReader(b)) })
	}
}

func cifarRecords(labels ...byte) []byte {
	var b []byte
	for i, l := range labels {
		rec := make([]byte, CIFAR10RecordSize)
		rec[0] = l
		for k := 1; k < len(rec); k++ {
			rec[k] = byte(i + k)
		}
		b = append(b, rec...)
	}
	return b
}

func TestReadCIFAR10(t *testing.T) {
	dir := t.TempDir()
	valid := cifarRecords(3, 0, 9)
	im, err := ReadCIFAR10(write(t, dir, "b.bin", valid))
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 3 || im.Labels[2] != 9 || im.Class(0) != "cat" || im.Image(1)[0] != valid[CIFAR10RecordSize+1] {
		t.Errorf("got %d images, labels %v, first pixel of image 1 %d", im.N, im.Labels, im.Image(1)[0])
	}
	// NHWC moves channel c of pixel k from c*1024+k to k*3+c.
	nhwc := im.Float32(NHWC, true)
	if got, want := nhwc[(2*1024+5)*3+1], float32(valid[2*CIFAR10RecordSize+1+1024+5])/255; got != want {
		t.Errorf("NHWC pixel = %v, want %v", got, want)
	}
	s, err := im.Slice(1, 3)
	if err != nil || s.N != 2 || s.Labels[0] != 0 || s.Image(0)[0] != im.Image(1)[0] {
		t.Errorf("Slice(1,3): %+v %v", s, err)
	}
	if _, err := im.Slice(2, 4); err == nil {
		t.Error("Slice(2,4) of 3 images: no error")
	}
	if lt := im.LabelsTensor(); lt.Shape().Dimensions[0] != 3 {
		t.Errorf("labels tensor %v", lt.Shape())
	}

	for n := 0; n < len(valid); n += 97 {
		if n%CIFAR10RecordSize == 0 && n > 0 {
			continue
		}
		p := write(t, dir, "cut.bin", valid[:n])
		mustNotPanic(t, "cifar truncation", func() {
			if _, err := ReadCIFAR10(p); err == nil || !strings.Contains(err.Error(), "cut.bin") {
				t.Errorf("truncated to %d bytes: error %v", n, err)
			}
		})
	}
	p := write(t, dir, "label.bin", cifarRecords(1, 10))
	if _, err := ReadCIFAR10(p); err == nil || !strings.Contains(err.Error(), "record 1") || !strings.Contains(err.Error(), "label 10") {
		t.Errorf("label 10: %v", err)
	}
	// A meta file beside the batch must list ten names.
	sub := filepath.Join(dir, "withmeta")
	os.Mkdir(sub, 0o755)
	write(t, sub, "batches.meta.txt", []byte("a\nb\n\n"))
	if _, err := ReadCIFAR10(write(t, sub, "b.bin", valid)); err == nil || !strings.Contains(err.Error(), "2 class names, want 10") {
		t.Errorf("short meta: %v", err)
	}
}

func TestReadCIFAR10Archive(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, b []byte) {
		tw.WriteHeader(&tar.Header{Name: "cifar-10-batches-bin/" + name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	names := "A\nB\nC\nD\nE\nF\nG\nH\nI\nJ\n"
	add("batches.meta.txt", []byte(names+"\n"))
	add("data_batch_2.bin", cifarRecords(2, 2))
	add("data_batch_1.bin", cifarRecords(1))
	add("test_batch.bin", cifarRecords(7))
	tw.Close()
	zw.Close()
	p := write(t, t.TempDir(), "c.tar.gz", buf.Bytes())
	im, err := ReadCIFAR10Archive(p, "data_batch_1.bin", "data_batch_2.bin")
	if err != nil {
		t.Fatal(err)
	}
	// Members come in the order asked for, not the archive's order.
	if im.N != 3 || im.Labels[0] != 1 || im.Labels[2] != 2 || im.Class(0) != "B" || len(im.Pixels) != 3*3072 {
		t.Errorf("got %d images, labels %v, class %q", im.N, im.Labels, im.Class(0))
	}
	if _, err := ReadCIFAR10Archive(p, "data_batch_5.bin"); err == nil || !strings.Contains(err.Error(), "no member data_batch_5.bin") {
		t.Errorf("absent batch: %v", err)
	}
	cut := write(t, t.TempDir(), "cut.tar.gz", buf.Bytes()[:buf.Len()/2])
	mustNotPanic(t, "cut archive", func() {
		if _, err := ReadCIFAR10Archive(cut, "test_batch.bin"); err == nil || !strings.Contains(err.Error(), "cut.tar.gz") {
			t.Errorf("truncated archive: %v", err)
		}
	})
}
