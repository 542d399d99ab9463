package num

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestLinspace(t *testing.T) {
	x := Linspace(1, 0.1, 10)
	if len(x) != 10 || x[0] != 1 || x[9] != 0.1 || math.Abs(x[1]-0.9) > 1e-15 {
		t.Fatalf("Linspace(1, 0.1, 10) = %v", x)
	}
	if len(Linspace(0, 1, 0)) != 0 || Linspace(3, 4, 1)[0] != 3 {
		t.Fatal("n < 2")
	}
}

func TestMeanStd(t *testing.T) {
	// Sample standard deviation of 2, 4, 4, 4, 5, 5, 7, 9: Σ(x-5)² = 32, 32/7.
	m, s := MeanStd([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if m != 5 || math.Abs(s-math.Sqrt(32.0/7)) > 1e-15 {
		t.Fatalf("got %v %v", m, s)
	}
	if _, se := MeanStdErr([]float64{2, 4, 4, 4, 5, 5, 7, 9}); math.Abs(se-math.Sqrt(32.0/7/8)) > 1e-15 {
		t.Fatalf("standard error %v", se)
	}
	if m, s := MeanStd([]float64{3}); m != 3 || s != 0 {
		t.Fatal("one value")
	}
	if m, s := MeanStd(nil); !math.IsNaN(m) || !math.IsNaN(s) {
		t.Fatal("no values")
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 kB", 170 << 20: "170.0 MB", 2 << 30: "2.0 GB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func ExampleMeanStd() {
	m, s := MeanStd([]float64{1, 2, 3, 4})
	fmt.Printf("%.3f %.3f\n", m, s)
	// Output: 2.500 1.291
}

func ExampleLinspace() {
	fmt.Println(Linspace(1, 0.1, 4))
	// Output: [1 0.7 0.4 0.1]
}

func ExampleBytes() {
	fmt.Println(Bytes(512), Bytes(1536), Bytes(170<<20))
	// Output: 512 B 1.5 kB 170.0 MB
}

func TestNormals(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	if n := len(Normals(rng, 2, 3, 4)); n != 24 {
		t.Fatalf("2x3x4 gives %d numbers, want 24", n)
	}
	if n := len(Normals(rng)); n != 1 {
		t.Fatalf("no dimension (a scalar) gives %d numbers, want 1", n)
	}
	if n := len(Normals(rng, 5, 0)); n != 0 {
		t.Fatalf("a zero dimension gives %d numbers, want 0", n)
	}
	// N(0, 1): over 10^5 draws the mean is within 5 standard errors of 0 and
	// the variance within 2% of 1.
	v := Normals(rng, 100000)
	x := make([]float64, len(v))
	for i, f := range v {
		x[i] = float64(f)
	}
	m, s := MeanStd(x)
	if math.Abs(m) > 5/math.Sqrt(float64(len(x))) || math.Abs(s*s-1) > 0.02 {
		t.Fatalf("mean %.4f, variance %.4f: not N(0, 1)", m, s*s)
	}
	// The same seed gives the same numbers.
	a, b := Normals(rand.New(rand.NewPCG(1, 2)), 8), Normals(rand.New(rand.NewPCG(1, 2)), 8)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different numbers at %d: %v vs %v", i, a[i], b[i])
		}
	}
}

func ExampleNormals() {
	rng := rand.New(rand.NewPCG(7, 7))
	v := Normals(rng, 2, 3) // for tensors.FromFlatDataAndDimensions(v, 2, 3)
	fmt.Println(len(v))
	// Output: 6
}
