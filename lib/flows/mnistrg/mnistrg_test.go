package mnistrg

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/data"
)

// synthetic returns n one-channel h x w images with pixel (i, j) of image k = (7k + 3i + 5j) mod 256.
func synthetic(n, h, w int) *data.Images {
	img := &data.Images{N: n, Channels: 1, Height: h, Width: w, Pixels: make([]uint8, n*h*w), Labels: make([]uint8, n)}
	for k := 0; k < n; k++ {
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				img.Pixels[(k*h+i)*w+j] = uint8((7*k + 3*i + 5*j) % 256)
			}
		}
	}
	return img
}

func newModel(t *testing.T, cfg Config) *Model {
	t.Helper()
	b, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The transform pads centred, dequantises within the pixel's bin, and its
// log-Jacobian matches a numerical derivative; a density that is uniform in u
// (ln q(y) = -Σ ln|dy/du|) costs exactly 8 bits per pixel.
func TestTransform(t *testing.T) {
	m := newModel(t, DefaultConfig())
	img := synthetic(2, 28, 28)
	y, logJac := m.transform(img, []int{1}, rand.New(rand.NewPCG(1, 2)))
	a := m.Config.Alpha
	sum := 0.0
	for i := 0; i < Size; i++ {
		for j := 0; j < Size; j++ {
			p := 1 / (1 + math.Exp(-y[i*Size+j]))
			v := (p - a) / (1 - 2*a) * 256 // = pixel + U(0,1)
			want := 0.0
			if i >= 2 && i < 30 && j >= 2 && j < 30 {
				want = float64((7 + 3*(i-2) + 5*(j-2)) % 256)
			}
			if v < want-1e-9 || v > want+1+1e-9 {
				t.Fatalf("pixel (%d,%d): dequantised %.4f, not in [%v, %v+1)", i, j, v, want, want)
			}
			// dy/du numerically at u = v/256.
			f := func(u float64) float64 { q := a + (1-2*a)*u; return math.Log(q / (1 - q)) }
			u, h := v/256, 1e-7
			sum += math.Log((f(u+h) - f(u-h)) / (2 * h))
		}
	}
	if math.Abs(sum-logJac[0]) > 1e-4*math.Abs(logJac[0]) {
		t.Errorf("Σ ln|dy/du| = %.6f, numerical %.6f", logJac[0], sum)
	}
	if got := bitsPerDim(-logJac[0], logJac[0]); math.Abs(got-8) > 1e-12 {
		t.Errorf("uniform density in u: %.12f bits/dim, want 8", got)
	}
}

// A short maximum-likelihood run on MNIST must take the test bits/dim well
// below the untrained flow's, and generation must give one image per level.
func TestTrainOnMNIST(t *testing.T) {
	train, test, err := Load("")
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	train, _ = train.Slice(0, 1000)
	cfg := DefaultConfig()
	cfg.Batch, cfg.Steps, cfg.LearningRate = 16, 20, 2e-3
	m := newModel(t, cfg)
	before, _, err := m.BitsPerDim(test, 64)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Train(train, cfg.Steps, nil); err != nil {
		t.Fatal(err)
	}
	after, se, err := m.BitsPerDim(test, 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test bits/dim %.3f -> %.3f ± %.3f", before, after, se)
	if !(after < before-2) {
		t.Errorf("test bits/dim only went from %.3f to %.3f", before, after)
	}
	g, err := m.Generate(2, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	if len(g) != 2 || len(g[0]) != cfg.Depth || g[0][cfg.Depth-1].Size != Size || len(g[0][cfg.Depth-1].Pixels) != Size*Size {
		t.Errorf("generated %d samples with %d levels", len(g), len(g[0]))
	}
}

func TestBadArguments(t *testing.T) {
	b, _ := backend.Default()
	cfg := DefaultConfig()
	cfg.Depth = 6
	if _, err := New(b, cfg); err == nil {
		t.Error("depth 6 on 32x32 must be an error")
	}
	cfg = DefaultConfig()
	cfg.Alpha = 0.5
	if _, err := New(b, cfg); err == nil {
		t.Error("alpha 0.5 must be an error")
	}
	m := newModel(t, DefaultConfig())
	if err := m.Train(synthetic(1, 40, 40), 1, nil); err == nil {
		t.Error("images larger than 32x32 must be an error")
	}
	if _, err := m.Generate(0, 1); err == nil {
		t.Error("zero samples must be an error")
	}
}
