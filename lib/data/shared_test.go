package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedData points PHYSNB_DATA at the project's shared data folder
// (../shared/data from the repository root, or $PHYSNB_DATA when it already
// holds the files) and skips the test when neither is there.
func sharedData(t *testing.T) string {
	t.Helper()
	var dirs []string
	if env := os.Getenv(EnvVar); env != "" {
		dirs = append(dirs, filepath.SplitList(env)...)
	}
	dirs = append(dirs, filepath.Join("..", "..", "..", "shared", "data"))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, filepath.FromSlash(WineQuality))); err == nil {
			abs, err := filepath.Abs(d)
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv(EnvVar, abs)
			return abs
		}
	}
	t.Skipf("no shared data folder (looked in %v for %s): set %s to it to run this test", dirs, WineQuality, EnvVar)
	return ""
}

// TestSharedManifest checks every file of the shared folder against the
// manifest; the reference is the folder's own SHA256SUMS, parsed here
// independently of the manifest literal.
func TestSharedManifest(t *testing.T) {
	dir := sharedData(t)
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Fatalf("SHA256SUMS line %q: want checksum and name", line)
		}
		sum, name := f[0], f[1]
		e, err := Lookup(name)
		if err != nil {
			t.Errorf("SHA256SUMS lists %s, the manifest does not: %v", name, err)
			continue
		}
		if e.SHA256 != sum {
			t.Errorf("%s: manifest SHA-256 %s, SHA256SUMS %s", name, e.SHA256, sum)
		}
		if r := Verify(e); !r.OK() {
			t.Errorf("%s: %s: %s", name, r.Status, r.Message)
		}
		if e.URL == "" || e.License == "" || e.Citation == "" {
			t.Errorf("%s: URL, license and citation are all required", name)
		}
		n++
	}
	if n != 19 {
		t.Errorf("SHA256SUMS has %d files, want the 19 of the shared README", n)
	}
}

// TestWine: UCI Wine Quality (Cortez et al. 2009, Table 1: 4898 white and
// 1599 red samples, 11 physicochemical inputs and a quality score 0..10).
func TestWine(t *testing.T) {
	sharedData(t)
	wine, err := ReadCSV(MustPath(WineQuality))
	if err != nil {
		t.Fatal(err)
	}
	if wine.Len() != 6497 || len(wine.Header) != 13 {
		t.Fatalf("wine: %d rows x %d columns, want 6497 x 13", wine.Len(), len(wine.Header))
	}
	codes, levels, err := wine.Categories("type")
	if err != nil {
		t.Fatal(err)
	}
	if len(levels) != 2 || levels[0] != "white" || levels[1] != "red" {
		t.Fatalf("type levels %v, want [white red]", levels)
	}
	for i, c := range codes {
		want := 0
		if i >= 4898 {
			want = 1
		}
		if c != want {
			t.Fatalf("row %d has type %s, want white for rows 0..4897 and red after", i, levels[c])
		}
	}
	x, err := wine.Floats(wine.Without("type", "quality")...)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != 6497 || len(x[0]) != 11 {
		t.Fatalf("features %dx%d, want 6497x11", len(x), len(x[0]))
	}
	// First white sample of winequality-white.csv: 7;0.27;0.36;20.7;...;8.8;6.
	if x[0][0] != 7 || x[0][3] != 20.7 || x[0][10] != 8.8 {
		t.Errorf("first row %v, want fixed acidity 7, residual sugar 20.7, alcohol 8.8", x[0])
	}
	q, err := wine.Floats("quality")
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := 10.0, 0.0
	for _, r := range q {
		lo, hi = min(lo, r[0]), max(hi, r[0])
	}
	// Cortez et al. report grades 3..9 in the data.
	if lo != 3 || hi != 9 {
		t.Errorf("quality range %v..%v, want 3..9", lo, hi)
	}
	tt, err := wine.Tensor(wine.Without("type")...)
	if err != nil {
		t.Fatal(err)
	}
	if d := tt.Shape().Dimensions; len(d) != 2 || d[0] != 6497 || d[1] != 12 {
		t.Errorf("tensor shape %v, want [6497 12]", d)
	}
}

// TestDigits: scikit-learn's load_digits, 1797 8x8 images with values
// 0..16; np.bincount(load_digits().target) =
// [178 182 177 183 181 182 181 179 174 180].
func TestDigits(t *testing.T) {
	sharedData(t)
	d, err := ReadCSV(MustPath(Digits), NoHeader())
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 1797 || len(d.Header) != 65 {
		t.Fatalf("digits: %d x %d, want 1797 x 65", d.Len(), len(d.Header))
	}
	rows, err := d.Floats()
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 10)
	for i, r := range rows {
		for j, v := range r[:64] {
			if v < 0 || v > 16 || v != float64(int(v)) {
				t.Fatalf("row %d pixel %d = %v, want an integer 0..16", i, j, v)
			}
		}
		counts[int(r[64])]++
	}
	want := []int{178, 182, 177, 183, 181, 182, 181, 179, 174, 180}
	for k := range want {
		if counts[k] != want[k] {
			t.Errorf("digit %d: %d samples, want %d", k, counts[k], want[k])
		}
	}
}

// TestCIFAR10Sample: the first labels of data_batch_1 are
// 6 9 9 4 1 1 2 7 8 3 (frog truck truck deer automobile ...), as printed
// by every CIFAR-10 tutorial that unpickles the batch.
func TestCIFAR10Sample(t *testing.T) {
	sharedData(t)
	im, err := CIFAR10Sample()
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 200 || im.Channels != 3 || im.Height != 32 || im.Width != 32 {
		t.Fatalf("got %d images %dx%dx%d, want 200 of 3x32x32", im.N, im.Channels, im.Height, im.Width)
	}
	first := []uint8{6, 9, 9, 4, 1, 1, 2, 7, 8, 3}
	for i, l := range first {
		if im.Labels[i] != l {
			t.Errorf("label %d = %d, want %d", i, im.Labels[i], l)
		}
	}
	if im.Class(0) != "frog" || im.Class(1) != "truck" {
		t.Errorf("classes of the first images %q, %q, want frog, truck", im.Class(0), im.Class(1))
	}
	for i, l := range im.Labels {
		if l > 9 {
			t.Fatalf("label %d = %d", i, l)
		}
	}
	// Independent reading of the raw bytes: record i's red channel starts at
	// byte 3073*i+1, green at +1024, blue at +2048.
	raw, err := os.ReadFile(MustPath(CIFAR10SampleBatch))
	if err != nil {
		t.Fatal(err)
	}
	nhwc := im.Float32(NHWC, false)
	for _, probe := range []struct{ n, y, x, c int }{{0, 0, 0, 0}, {7, 31, 5, 2}, {199, 12, 30, 1}} {
		got := nhwc[((probe.n*32+probe.y)*32+probe.x)*3+probe.c]
		want := raw[probe.n*CIFAR10RecordSize+1+probe.c*1024+probe.y*32+probe.x]
		if got != float32(want) {
			t.Errorf("NHWC pixel %+v = %v, raw file byte %d", probe, got, want)
		}
	}
	tt := im.Tensor(NCHW, true)
	if d := tt.Shape().Dimensions; len(d) != 4 || d[0] != 200 || d[1] != 3 {
		t.Errorf("tensor shape %v, want [200 3 32 32]", d)
	}
}

// TestMNIST8: the ONNX model-zoo file, byte for byte.
func TestMNIST8(t *testing.T) {
	sharedData(t)
	e, _ := Lookup(MNIST8Model)
	r := Verify(e)
	if !r.OK() || r.SHA256 != "0d715376572e89832685c56a65ef1391f5f0b7dd31d61050c91ff3ecab16c032" {
		t.Fatalf("mnist-8.onnx: %+v", r)
	}
}

// TestQCDCondensate: two columns (quark mass, condensate), increasing.
func TestQCDCondensate(t *testing.T) {
	sharedData(t)
	c, err := ReadCSV(MustPath(QCDCondensate), NoHeader())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := c.Floats()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 || len(rows[0]) != 2 {
		t.Fatalf("%d rows x %d, want 7 x 2", len(rows), len(rows[0]))
	}
	for i := 1; i < len(rows); i++ {
		if rows[i][0] <= rows[i-1][0] || rows[i][1] <= rows[i-1][1] {
			t.Errorf("row %d %v does not increase over %v", i, rows[i], rows[i-1])
		}
	}
}

// TestFashionMNIST reads the Debian package's copy when it is installed:
// 60000 + 10000 images of 28x28, 6000 per class in training and 1000 per
// class in test (Xiao et al. 2017, arXiv:1708.07747, section 2).
func TestFashionMNIST(t *testing.T) {
	if _, err := os.Stat(fashionDeb + "train-images-idx3-ubyte.gz"); err != nil {
		t.Skip("Debian package dataset-fashion-mnist is not installed")
	}
	t.Setenv(EnvVar, t.TempDir()) // nothing there: the Debian copy must be found
	train, test, err := FashionMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		im       *Images
		n, class int
	}{{train, 60000, 6000}, {test, 10000, 1000}} {
		if c.im.N != c.n || c.im.Height != 28 || c.im.Width != 28 || c.im.Channels != 1 {
			t.Fatalf("got %d images of %dx%d, want %d of 28x28", c.im.N, c.im.Height, c.im.Width, c.n)
		}
		counts := make([]int, 10)
		for _, l := range c.im.Labels {
			counts[l]++
		}
		for k, n := range counts {
			if n != c.class {
				t.Errorf("class %d (%s): %d images, want %d", k, FashionMNISTClasses[k], n, c.class)
			}
		}
	}
	// The same files read from the folder directly.
	tr2, _, err := FashionMNIST(fashionDeb)
	if err != nil || tr2.N != 60000 || tr2.Labels[123] != train.Labels[123] {
		t.Errorf("FashionMNIST(%q): %v", fashionDeb, err)
	}
}
