package soap

import "math"

// solidHarmonics fills, for the vector (x, y, z), the real regular solid harmonics
//
//	S_lm(r) = r^l Y_lm(r̂),   l = 0..lMax, m = −l..l,
//
// with Y_lm the orthonormal real (tesseral) spherical harmonics, and their
// Cartesian gradients. S is indexed l² + (m + l); grad[idx] is ∇S_lm.
// Written as polynomials they stay smooth at r = 0, where an atom may sit
// exactly on a SOAP centre.
//
// Construction: r^l P_l^m(cos θ) = Q_lm(z, r²) (r sin θ)^m with Q_lm a polynomial
// obeying the associated-Legendre recurrence
//
//	Q_mm = (2m−1)!!,  (l−m) Q_lm = (2l−1) z Q_{l−1,m} − (l+m−1) r² Q_{l−2,m},
//
// and (r sin θ)^m e^{imφ} = (x + iy)^m = C_m + i S_m. Then
//
//	S_l0 = N_l0 Q_l0,  S_{l,+m} = √2 N_lm Q_lm C_m,  S_{l,−m} = √2 N_lm Q_lm S_m,
//	N_lm = √((2l+1)/(4π) · (l−m)!/(l+m)!).
//
// The Condon–Shortley sign is left out: SOAP sums squares over m, so the sign
// convention does not change any feature.
func solidHarmonics(lMax int, x, y, z float64, s []float64, grad [][3]float64) {
	rho := x*x + y*y + z*z
	// (x+iy)^m and its derivatives.
	cm := make([]float64, lMax+1)
	sm := make([]float64, lMax+1)
	cm[0] = 1
	for m := 1; m <= lMax; m++ {
		cm[m] = x*cm[m-1] - y*sm[m-1]
		sm[m] = x*sm[m-1] + y*cm[m-1]
	}
	q := make([]float64, lMax+1)  // Q_lm for the current m, indexed by l
	qz := make([]float64, lMax+1) // ∂Q/∂z
	qr := make([]float64, lMax+1) // ∂Q/∂(r²)
	dfact := 1.0                  // (2m−1)!!
	for m := 0; m <= lMax; m++ {
		if m > 0 {
			dfact *= float64(2*m - 1)
		}
		for l := m; l <= lMax; l++ {
			switch l {
			case m:
				q[l], qz[l], qr[l] = dfact, 0, 0
			default:
				fl, fm := float64(l), float64(m)
				var q2, qz2, qr2 float64
				if l-2 >= m {
					q2, qz2, qr2 = q[l-2], qz[l-2], qr[l-2]
				}
				a, b := 2*fl-1, fl+fm-1
				q[l] = (a*z*q[l-1] - b*rho*q2) / (fl - fm)
				qz[l] = (a*(q[l-1]+z*qz[l-1]) - b*rho*qz2) / (fl - fm)
				qr[l] = (a*z*qr[l-1] - b*(q2+rho*qr2)) / (fl - fm)
			}
			// ∇Q = (2x Q_ρ, 2y Q_ρ, Q_z + 2z Q_ρ)
			gq := [3]float64{2 * x * qr[l], 2 * y * qr[l], qz[l] + 2*z*qr[l]}
			norm := math.Sqrt((2*float64(l) + 1) / (4 * math.Pi) * factorialRatio(l-m, l+m))
			if m == 0 {
				idx := l*l + l
				s[idx] = norm * q[l]
				grad[idx] = [3]float64{norm * gq[0], norm * gq[1], norm * gq[2]}
				continue
			}
			norm *= math.Sqrt2
			fm := float64(m)
			// ∂/∂x (x+iy)^m = m (x+iy)^{m−1}; ∂/∂y (x+iy)^m = i m (x+iy)^{m−1}.
			dC := [3]float64{fm * cm[m-1], -fm * sm[m-1], 0}
			dS := [3]float64{fm * sm[m-1], fm * cm[m-1], 0}
			ip, in := l*l+l+m, l*l+l-m
			s[ip] = norm * q[l] * cm[m]
			s[in] = norm * q[l] * sm[m]
			for k := 0; k < 3; k++ {
				grad[ip][k] = norm * (gq[k]*cm[m] + q[l]*dC[k])
				grad[in][k] = norm * (gq[k]*sm[m] + q[l]*dS[k])
			}
		}
	}
}

// factorialRatio returns a!/b! for 0 <= a <= b.
func factorialRatio(a, b int) float64 {
	r := 1.0
	for k := a + 1; k <= b; k++ {
		r /= float64(k)
	}
	return r
}
