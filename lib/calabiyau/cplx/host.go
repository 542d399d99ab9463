package cplx

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/gomlx/gomlx/core/tensors"
)

// ToTensors splits host complex data into float64 real and imaginary tensors
// with the given dimensions (row-major, like the data).
func ToTensors(z []complex128, dims ...int) (re, im *tensors.Tensor, err error) {
	n := 1
	for _, d := range dims {
		n *= d
	}
	if n != len(z) {
		return nil, nil, fmt.Errorf("cplx.ToTensors: %d values do not fill dimensions %v (%d)", len(z), dims, n)
	}
	r := make([]float64, n)
	i := make([]float64, n)
	for k, v := range z {
		r[k], i[k] = real(v), imag(v)
	}
	return tensors.FromFlatDataAndDimensions(r, dims...), tensors.FromFlatDataAndDimensions(i, dims...), nil
}

// MustToTensors is [ToTensors] that panics on error.
func MustToTensors(z []complex128, dims ...int) (re, im *tensors.Tensor) {
	re, im, err := ToTensors(z, dims...)
	if err != nil {
		panic(err)
	}
	return re, im
}

// FromTensors joins float64 real and imaginary tensors into host complex data.
func FromTensors(re, im *tensors.Tensor) ([]complex128, error) {
	if !re.Shape().Equal(im.Shape()) {
		return nil, fmt.Errorf("cplx.FromTensors: shapes differ: %s vs %s", re.Shape(), im.Shape())
	}
	r, err := tensors.CopyFlatData[float64](re)
	if err != nil {
		return nil, fmt.Errorf("cplx.FromTensors real part: %w", err)
	}
	i, err := tensors.CopyFlatData[float64](im)
	if err != nil {
		return nil, fmt.Errorf("cplx.FromTensors imaginary part: %w", err)
	}
	z := make([]complex128, len(r))
	for k := range r {
		z[k] = complex(r[k], i[k])
	}
	return z, nil
}

// Det3Host is the determinant of a row-major 3x3 complex matrix (cofactor expansion).
func Det3Host(m [9]complex128) complex128 {
	return m[0]*(m[4]*m[8]-m[5]*m[7]) - m[1]*(m[3]*m[8]-m[5]*m[6]) + m[2]*(m[3]*m[7]-m[4]*m[6])
}

// DetLU is the determinant of a row-major n x n complex matrix by Gaussian
// elimination with partial pivoting. It is the independent reference for [Det3] and [Det3Host].
func DetLU(a []complex128, n int) complex128 {
	m := append([]complex128(nil), a...)
	det := complex(1, 0)
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if cmplx.Abs(m[r*n+c]) > cmplx.Abs(m[p*n+c]) {
				p = r
			}
		}
		if m[p*n+c] == 0 {
			return 0
		}
		if p != c {
			for k := 0; k < n; k++ {
				m[p*n+k], m[c*n+k] = m[c*n+k], m[p*n+k]
			}
			det = -det
		}
		det *= m[c*n+c]
		for r := c + 1; r < n; r++ {
			f := m[r*n+c] / m[c*n+c]
			for k := c; k < n; k++ {
				m[r*n+k] -= f * m[c*n+k]
			}
		}
	}
	return det
}

// HermitianError measures how far a is from Hermitian: max |a_ij - conj(a_ji)| / max |a_ij|.
func HermitianError(a []complex128, n int) float64 {
	var d, s float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			d = math.Max(d, cmplx.Abs(a[i*n+j]-cmplx.Conj(a[j*n+i])))
			s = math.Max(s, cmplx.Abs(a[i*n+j]))
		}
	}
	if s == 0 {
		return 0
	}
	return d / s
}

// Cholesky factors a Hermitian positive-definite matrix, a = L L^†, returning
// the lower-triangular L (row-major). It fails, naming the pivot, when a is not
// positive definite; only the lower triangle of a is read.
func Cholesky(a []complex128, n int) ([]complex128, error) {
	if len(a) != n*n {
		return nil, fmt.Errorf("cplx.Cholesky: %d entries for a %dx%d matrix", len(a), n, n)
	}
	l := make([]complex128, n*n)
	for j := 0; j < n; j++ {
		d := real(a[j*n+j])
		for k := 0; k < j; k++ {
			v := l[j*n+k]
			d -= real(v)*real(v) + imag(v)*imag(v)
		}
		if !(d > 0) || math.IsNaN(d) {
			return nil, fmt.Errorf("cplx.Cholesky: matrix is not positive definite (pivot %d is %g)", j, d)
		}
		ljj := math.Sqrt(d)
		l[j*n+j] = complex(ljj, 0)
		for i := j + 1; i < n; i++ {
			s := a[i*n+j]
			for k := 0; k < j; k++ {
				s -= l[i*n+k] * cmplx.Conj(l[j*n+k])
			}
			l[i*n+j] = s / complex(ljj, 0)
		}
	}
	return l, nil
}

// HermitianInverse inverts a Hermitian positive-definite matrix through its
// Cholesky factor (a^{-1} = L^{-†} L^{-1}); the result is exactly Hermitian.
func HermitianInverse(a []complex128, n int) ([]complex128, error) {
	l, err := Cholesky(a, n)
	if err != nil {
		return nil, err
	}
	// linv = L^{-1}, lower triangular, by forward substitution column by column.
	linv := make([]complex128, n*n)
	for c := 0; c < n; c++ {
		for i := c; i < n; i++ {
			var s complex128
			if i == c {
				s = 1
			}
			for k := c; k < i; k++ {
				s -= l[i*n+k] * linv[k*n+c]
			}
			linv[i*n+c] = s / l[i*n+i]
		}
	}
	// inv_ij = Σ_k conj(linv_ki) linv_kj, k >= max(i,j).
	inv := make([]complex128, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			var s complex128
			for k := i; k < n; k++ {
				s += cmplx.Conj(linv[k*n+i]) * linv[k*n+j]
			}
			inv[i*n+j] = s
			inv[j*n+i] = cmplx.Conj(s)
		}
		inv[i*n+i] = complex(real(inv[i*n+i]), 0)
	}
	return inv, nil
}

// MatMul returns the row-major product of an (n x m) and an (m x p) complex matrix.
func MatMul(a, b []complex128, n, m, p int) []complex128 {
	c := make([]complex128, n*p)
	for i := 0; i < n; i++ {
		for k := 0; k < m; k++ {
			aik := a[i*m+k]
			if aik == 0 {
				continue
			}
			for j := 0; j < p; j++ {
				c[i*p+j] += aik * b[k*p+j]
			}
		}
	}
	return c
}
