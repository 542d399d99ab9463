package calabiyau

import (
	"fmt"
	"math"
	"math/cmplx"
	"strconv"
	"strings"
)

// Quintic is a member of the Dwork family Q = Σ z_i^5 - 5ψ Π z_i in CP^4.
type Quintic struct {
	// Psi is the complex structure modulus ψ (0 for the Fermat quintic).
	Psi complex128
}

// NewDwork returns the Dwork quintic at modulus psi. The variety is singular
// where ψ^5 = 1 (the conifold points, where Q and dQ vanish together), and
// the ansatz needs finite ψ.
func NewDwork(psi complex128) (*Quintic, error) {
	if cmplx.IsNaN(psi) || cmplx.IsInf(psi) {
		return nil, fmt.Errorf("calabiyau: psi = %v is not a finite complex number", psi)
	}
	if cmplx.Abs(cmplx.Pow(psi, 5)-1) < 1e-8 {
		return nil, fmt.Errorf("calabiyau: the Dwork quintic is singular at psi = %v (psi^5 = 1, a conifold point); choose psi with psi^5 != 1", psi)
	}
	return &Quintic{Psi: psi}, nil
}

// NewFermat returns the Fermat quintic Σ z_i^5 = 0 (ψ = 0).
func NewFermat() *Quintic { return &Quintic{} }

// NewQuintic returns the variety by family name ("fermat" or "dwork").
func NewQuintic(family string, psi complex128) (*Quintic, error) {
	switch strings.ToLower(family) {
	case "fermat":
		if psi != 0 {
			return nil, fmt.Errorf("calabiyau: the Fermat quintic has no modulus (got psi = %v); use family dwork", psi)
		}
		return NewFermat(), nil
	case "dwork":
		return NewDwork(psi)
	default:
		return nil, fmt.Errorf("calabiyau: unknown family %q (want fermat or dwork)", family)
	}
}

// ParsePsi parses a complex modulus written like "10+3i", "-2.5i", "1" or "(10+3i)".
func ParsePsi(s string) (complex128, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("calabiyau: empty psi")
	}
	if !strings.HasPrefix(s, "(") {
		s = "(" + s + ")"
	}
	z, err := strconv.ParseComplex(s, 128)
	if err != nil {
		return 0, fmt.Errorf("calabiyau: psi %q is not a complex number like 10+3i: %w", s, err)
	}
	return z, nil
}

// String names the variety.
func (q *Quintic) String() string {
	if q.Psi == 0 {
		return "Fermat quintic"
	}
	return fmt.Sprintf("Dwork quintic psi=%v", q.Psi)
}

// Eval is Q(z) = Σ z_i^5 - 5ψ Π z_i.
func (q *Quintic) Eval(z [5]complex128) complex128 {
	var s complex128
	prod := complex(1, 0)
	for _, zi := range z {
		z2 := zi * zi
		s += z2 * z2 * zi
		prod *= zi
	}
	return s - 5*q.Psi*prod
}

// Grad is ∂Q/∂z_i = 5 z_i^4 - 5ψ Π_{j≠i} z_j.
func (q *Quintic) Grad(z [5]complex128) [5]complex128 {
	var g [5]complex128
	for i := range z {
		others := complex(1, 0)
		for j := range z {
			if j != i {
				others *= z[j]
			}
		}
		z2 := z[i] * z[i]
		g[i] = 5*z2*z2 - 5*q.Psi*others
	}
	return g
}

// Scale is a size for relative residuals: Σ |z_i|^5, the magnitude of the terms of Q.
func Scale(z [5]complex128) float64 {
	var s float64
	for _, zi := range z {
		s += math.Pow(cmplx.Abs(zi), 5)
	}
	return s
}

// LineCoefficients returns c with Q(p + t v) = Σ_k c[k] t^k (k = 0..5).
func (q *Quintic) LineCoefficients(p, v [5]complex128) [6]complex128 {
	var c [6]complex128
	binom := [6]complex128{1, 5, 10, 10, 5, 1}
	// Σ_i (p_i + t v_i)^5 = Σ_i Σ_k C(5,k) p_i^(5-k) v_i^k t^k.
	for i := 0; i < 5; i++ {
		var pp, vv [6]complex128
		pp[0], vv[0] = 1, 1
		for k := 1; k <= 5; k++ {
			pp[k] = pp[k-1] * p[i]
			vv[k] = vv[k-1] * v[i]
		}
		for k := 0; k <= 5; k++ {
			c[k] += binom[k] * pp[5-k] * vv[k]
		}
	}
	// Π_i (p_i + t v_i), multiplied out one linear factor at a time.
	var prod [6]complex128
	prod[0] = 1
	for i := 0; i < 5; i++ {
		for k := i + 1; k >= 1; k-- {
			prod[k] = prod[k]*p[i] + prod[k-1]*v[i]
		}
		prod[0] *= p[i]
	}
	for k := range c {
		c[k] -= 5 * q.Psi * prod[k]
	}
	return c
}
