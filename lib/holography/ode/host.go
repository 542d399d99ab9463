package ode

// HostField is the right-hand side f(t, y) on the host, in float64.
type HostField func(t float64, y []float64) []float64

// HostStep advances y from t to t+h on the host.
type HostStep func(f HostField, t, h float64, y []float64) []float64

func axpyHost(y []float64, a float64, k []float64) []float64 {
	out := make([]float64, len(y))
	for i := range y {
		out[i] = y[i] + a*k[i]
	}
	return out
}

// RK4Host is the classical RK4 step of [RK4] on float64 values.
func RK4Host(f HostField, t, h float64, y []float64) []float64 {
	k1 := f(t, y)
	k2 := f(t+h/2, axpyHost(y, h/2, k1))
	k3 := f(t+h/2, axpyHost(y, h/2, k2))
	k4 := f(t+h, axpyHost(y, h, k3))
	out := make([]float64, len(y))
	for i := range y {
		out[i] = y[i] + h/6*(k1[i]+2*k2[i]+2*k3[i]+k4[i])
	}
	return out
}

// EulerHost is the explicit Euler step on float64 values.
func EulerHost(f HostField, t, h float64, y []float64) []float64 {
	return axpyHost(y, h, f(t, y))
}

// IntegrateHost applies n host steps of size h from t0.
func IntegrateHost(step HostStep, f HostField, t0, h float64, n int, y []float64) []float64 {
	for i := 0; i < n; i++ {
		y = step(f, t0+float64(i)*h, h, y)
	}
	return y
}

// Accel is the right-hand side of a second-order equation φ” = a(t, φ, φ').
type Accel func(t, phi, dphi float64) float64

// NystromHost is one step of the Runge-Kutta-Nyström method for φ” = a(t, φ, φ')
// in the form given by Kreyszig, "Advanced Engineering Mathematics", §21.3
// (fourth order):
//
//	K1 = h/2 a(t, φ, Π)
//	K  = h/2 (Π + K1/2)
//	K2 = h/2 a(t+h/2, φ+K, Π+K1)
//	K3 = h/2 a(t+h/2, φ+K, Π+K2)
//	L  = h (Π + K3)
//	K4 = h/2 a(t+h, φ+L, Π+2K3)
//	φ ← φ + h (Π + (K1+K2+K3)/3),   Π ← Π + (K1 + 2K2 + 2K3 + K4)/3.
//
// If seedTypo is true the fourth stage uses φ+K in place of φ+L, as the
// PyTorch walkthrough this project reproduces does; that single slip makes
// the local error O(h²) whenever a depends on φ, so the method drops to
// first order. It exists only to measure that effect.
func NystromHost(a Accel, t, h, phi, pi float64, seedTypo bool) (float64, float64) {
	k1 := h / 2 * a(t, phi, pi)
	k := h / 2 * (pi + k1/2)
	k2 := h / 2 * a(t+h/2, phi+k, pi+k1)
	k3 := h / 2 * a(t+h/2, phi+k, pi+k2)
	l := h * (pi + k3)
	if seedTypo {
		l = k
	}
	k4 := h / 2 * a(t+h, phi+l, pi+2*k3)
	return phi + h*(pi+(k1+k2+k3)/3), pi + (k1+2*k2+2*k3+k4)/3
}
