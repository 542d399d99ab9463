package classify

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Data is a labelled set of samples held in memory: sample i occupies
// X[i*SampleSize() : (i+1)*SampleSize()], laid out with the per-sample Shape
// (for images height, width, channels: channels last). Labels are class
// indices into Classes.
type Data struct {
	X       []float32
	Shape   []int
	Y       []int
	Classes []string
	Name    string // where the data came from, for printing
	// Features names the last axis's entries, when they have names (tables).
	Features []string
}

// SampleSize is the number of values per sample.
func (d *Data) SampleSize() int {
	n := 1
	for _, s := range d.Shape {
		n *= s
	}
	return n
}

// Len is the number of samples.
func (d *Data) Len() int { return len(d.Y) }

// Validate checks that the sizes agree and the labels are valid class indices.
func (d *Data) Validate() error {
	if d == nil {
		return fmt.Errorf("classify: nil data")
	}
	if len(d.Shape) == 0 || d.SampleSize() <= 0 {
		return fmt.Errorf("classify: data %q has sample shape %v", d.Name, d.Shape)
	}
	if len(d.X) != d.Len()*d.SampleSize() {
		return fmt.Errorf("classify: data %q has %d values for %d samples of shape %v (want %d)",
			d.Name, len(d.X), d.Len(), d.Shape, d.Len()*d.SampleSize())
	}
	if len(d.Classes) < 2 {
		return fmt.Errorf("classify: data %q has %d classes, need at least 2", d.Name, len(d.Classes))
	}
	for i, y := range d.Y {
		if y < 0 || y >= len(d.Classes) {
			return fmt.Errorf("classify: data %q sample %d has label %d, valid range [0, %d)", d.Name, i, y, len(d.Classes))
		}
	}
	for i, v := range d.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("classify: data %q sample %d has a non-finite value", d.Name, i/d.SampleSize())
		}
	}
	return nil
}

// Subset returns the samples at the given indices (copied).
func (d *Data) Subset(idx []int) *Data {
	n := d.SampleSize()
	out := &Data{Shape: append([]int(nil), d.Shape...), Classes: d.Classes, Name: d.Name,
		X: make([]float32, 0, len(idx)*n), Y: make([]int, 0, len(idx))}
	for _, i := range idx {
		out.X = append(out.X, d.X[i*n:(i+1)*n]...)
		out.Y = append(out.Y, d.Y[i])
	}
	return out
}

// Head returns the first n samples (all if n <= 0 or n > Len).
func (d *Data) Head(n int) *Data {
	if n <= 0 || n >= d.Len() {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return d.Subset(idx)
}

// Split shuffles the samples with the seed and returns (train, test) with a
// fraction testFraction in test, like scikit-learn's train_test_split.
func (d *Data) Split(testFraction float64, seed uint64) (train, test *Data, err error) {
	if !(testFraction > 0 && testFraction < 1) {
		return nil, nil, fmt.Errorf("classify: test fraction %g must be in (0, 1)", testFraction)
	}
	perm := rand.New(rand.NewPCG(seed, 0x5eed)).Perm(d.Len())
	nTest := int(math.Ceil(testFraction * float64(d.Len())))
	if nTest == 0 || nTest == d.Len() {
		return nil, nil, fmt.Errorf("classify: splitting %d samples with test fraction %g leaves an empty part", d.Len(), testFraction)
	}
	return d.Subset(perm[nTest:]), d.Subset(perm[:nTest]), nil
}

// Standardizer rescales each feature to zero mean and unit variance,
// z = (x - mean) / std, with mean and std taken from the training set only
// (scikit-learn's StandardScaler uses the population std, ddof = 0).
type Standardizer struct {
	Mean, Std []float32
}

// FitStandardizer computes per-feature mean and std of d (features = last
// axis of the sample shape). Constant features get std 1.
func FitStandardizer(d *Data) *Standardizer {
	f := d.Shape[len(d.Shape)-1]
	sum := make([]float64, f)
	sq := make([]float64, f)
	cnt := float64(len(d.X) / f)
	for i, v := range d.X {
		sum[i%f] += float64(v)
	}
	for i := range sum {
		sum[i] /= cnt
	}
	for i, v := range d.X {
		dv := float64(v) - sum[i%f]
		sq[i%f] += dv * dv
	}
	s := &Standardizer{Mean: make([]float32, f), Std: make([]float32, f)}
	for i := range sum {
		s.Mean[i] = float32(sum[i])
		s.Std[i] = float32(math.Sqrt(sq[i] / cnt))
		if s.Std[i] == 0 {
			s.Std[i] = 1
		}
	}
	return s
}

// Apply returns a standardised copy of d.
func (s *Standardizer) Apply(d *Data) *Data {
	out := *d
	out.X = make([]float32, len(d.X))
	f := len(s.Mean)
	for i, v := range d.X {
		out.X[i] = (v - s.Mean[i%f]) / s.Std[i%f]
	}
	return &out
}
