// Package num holds the few numeric helpers that walkthroughs, notebooks and
// the command line share: evenly spaced grids, sample statistics and byte
// sizes for people.
//
//	etas := num.Linspace(1, 0.1, 10)   // 1, 0.9, ..., 0.1
//	m, s := num.MeanStd(errs)          // sample mean and standard deviation
//	fmt.Println(num.Bytes(170 << 20))  // 170.0 MB
//	x := num.Normals(rng, 2, 3)        // 6 float32 N(0, 1) numbers, for a 2x3 tensor
package num

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Linspace returns n evenly spaced values from a to b, both included
// (a alone when n is 1, nothing when n < 1).
func Linspace(a, b float64, n int) []float64 {
	switch {
	case n < 1:
		return nil
	case n == 1:
		return []float64{a}
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	x[n-1] = b
	return x
}

// Mean is the arithmetic mean of x (NaN when x is empty).
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// MeanStd returns the mean of x and its sample standard deviation
// s = √(Σ(xᵢ − x̄)² / (n − 1)); s is 0 for one value and NaN for none.
func MeanStd(x []float64) (mean, std float64) {
	mean = Mean(x)
	if len(x) < 2 {
		if len(x) == 1 {
			return mean, 0
		}
		return mean, math.NaN()
	}
	var v float64
	for _, e := range x {
		v += (e - mean) * (e - mean)
	}
	return mean, math.Sqrt(v / float64(len(x)-1))
}

// MeanStdErr returns the mean of x and its standard error s/√n.
func MeanStdErr(x []float64) (mean, stdErr float64) {
	mean, s := MeanStd(x)
	return mean, s / math.Sqrt(float64(len(x)))
}

// Bytes writes a byte count for people, with one decimal: 512 B, 1.5 kB,
// 170.0 MB, 2.0 GB (powers of 1024, as the data layer's manifest and
// progress lines print them).
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Normals returns as many float32 numbers drawn from the standard normal
// distribution N(0, 1) as a tensor of the given dimensions holds (their
// product; one number when no dimension is given), in row-major order:
// torch.randn's values for tensors.FromFlatDataAndDimensions(v, dims...),
// reproducible from rng's seed.
func Normals(rng *rand.Rand, dims ...int) []float32 {
	n := 1
	for _, d := range dims {
		n *= max(d, 0)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}
