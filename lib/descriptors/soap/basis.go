package soap

import (
	"fmt"
	"math"
)

// gtoThreshold is the value DScribe's GTO primitives decay to at their
// "reach" a_k, and the Gaussian density at the neighbour-search padding.
const gtoThreshold = 1e-3

// GTOBasis is DScribe's orthonormalised Gaussian-type-orbital radial basis
//
//	g_nl(r) = Σ_k β_lnk r^l exp(−α_lk r²),   k = 0..n_max−1.
//
// The primitive exponents are chosen so that the k-th primitive r^l e^{−α r²}
// has decayed to 10⁻³ at a_k, with the a_k evenly spaced between 1 Å and r_cut:
//
//	a_k = 1 + k (r_cut − 1)/(n_max − 1),   α_lk = (ln 1000 + l ln a_k) / a_k²,
//
// and β_l = S_l^{-1/2} (Löwdin orthonormalisation) with the primitive overlaps
//
//	S_l,kk' = ∫₀^∞ r² r^{2l} e^{−(α_lk+α_lk')r²} dr = ½ Γ(l+3/2) (α_lk+α_lk')^{−(l+3/2)},
//
// so that ∫₀^∞ r² g_nl g_n'l dr = δ_nn'. (DScribe 2.x, SOAP.get_basis_gto.)
type GTOBasis struct {
	NMax, LMax int
	Alpha      [][]float64   // Alpha[l][k]
	Beta       [][][]float64 // Beta[l][n][k]
}

// NewGTOBasis computes the basis. It fails when the overlap matrix is too
// ill-conditioned for a real inverse square root (too many functions for the
// cut-off), as DScribe does.
func NewGTOBasis(rCut float64, nMax, lMax int) (*GTOBasis, error) {
	b := &GTOBasis{NMax: nMax, LMax: lMax, Alpha: make([][]float64, lMax+1), Beta: make([][][]float64, lMax+1)}
	a := make([]float64, nMax)
	for k := range a {
		if nMax == 1 {
			a[k] = 1 // numpy.linspace(1, r_cut, 1) == [1]
		} else {
			a[k] = 1 + float64(k)*(rCut-1)/float64(nMax-1)
		}
	}
	for l := 0; l <= lMax; l++ {
		alpha := make([]float64, nMax)
		for k, ak := range a {
			alpha[k] = -math.Log(gtoThreshold/math.Pow(ak, float64(l))) / (ak * ak)
		}
		s := make([][]float64, nMax)
		g := 0.5 * math.Gamma(float64(l)+1.5)
		for i := range s {
			s[i] = make([]float64, nMax)
			for j := range s[i] {
				s[i][j] = g * math.Pow(alpha[i]+alpha[j], -(float64(l)+1.5))
			}
		}
		beta, err := inverseSqrtSPD(s)
		if err != nil {
			return nil, fmt.Errorf("soap: GTO basis for l=%d, n_max=%d, r_cut=%g: %w; lower n_max", l, nMax, rCut, err)
		}
		b.Alpha[l] = alpha
		b.Beta[l] = beta
	}
	return b, nil
}

// Eval returns g_nl(r).
func (b *GTOBasis) Eval(n, l int, r float64) float64 {
	var v float64
	rl := math.Pow(r, float64(l))
	for k, a := range b.Alpha[l] {
		v += b.Beta[l][n][k] * rl * math.Exp(-a*r*r)
	}
	return v
}

// inverseSqrtSPD returns S^{-1/2} for a symmetric positive-definite S, from its
// eigen-decomposition S = V diag(λ) Vᵀ: S^{-1/2} = V diag(λ^{-1/2}) Vᵀ.
// (scipy.linalg.sqrtm(inv(S)) gives the same principal root.)
func inverseSqrtSPD(s [][]float64) ([][]float64, error) {
	n := len(s)
	lambda, v := jacobiEigen(s)
	maxL := 0.0
	for _, l := range lambda {
		maxL = math.Max(maxL, math.Abs(l))
	}
	for _, l := range lambda {
		if l <= 1e-14*maxL {
			return nil, fmt.Errorf("overlap matrix is numerically singular (eigenvalue %.3g of %.3g)", l, maxL)
		}
	}
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, n)
		for j := range out[i] {
			var sum float64
			for k := 0; k < n; k++ {
				sum += v[i][k] * v[j][k] / math.Sqrt(lambda[k])
			}
			out[i][j] = sum
		}
	}
	return out, nil
}

// jacobiEigen diagonalises a small symmetric matrix with cyclic Jacobi
// rotations: it returns the eigenvalues and the eigenvectors as columns of v.
func jacobiEigen(s [][]float64) ([]float64, [][]float64) {
	n := len(s)
	a := make([][]float64, n)
	v := make([][]float64, n)
	for i := range a {
		a[i] = append([]float64(nil), s[i]...)
		v[i] = make([]float64, n)
		v[i][i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		off := 0.0
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				off += a[i][j] * a[i][j]
			}
		}
		if off < 1e-300 {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				if a[p][q] == 0 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				sn := t * c
				for k := 0; k < n; k++ { // A <- A J
					akp, akq := a[k][p], a[k][q]
					a[k][p] = c*akp - sn*akq
					a[k][q] = sn*akp + c*akq
				}
				for k := 0; k < n; k++ { // A <- Jᵀ A
					apk, aqk := a[p][k], a[q][k]
					a[p][k] = c*apk - sn*aqk
					a[q][k] = sn*apk + c*aqk
				}
				for k := 0; k < n; k++ {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p] = c*vkp - sn*vkq
					v[k][q] = sn*vkp + c*vkq
				}
			}
		}
	}
	lambda := make([]float64, n)
	for i := range lambda {
		lambda[i] = a[i][i]
	}
	return lambda, v
}
