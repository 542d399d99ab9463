package num

import (
	"fmt"
	"math"
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
