// Package ode integrates systems of ordinary differential equations
// dy/dt = f(t, y) with fixed steps, in two forms that share one algorithm:
// as GoMLX graph layers (differentiable, so the right-hand side may contain
// trainable variables) and on the host in float64 (for data generation and
// reference solutions).
//
// Each step of a fixed-step integrator is one "layer" of a network: this is
// the observation behind the AdS/CFT deep-learning network of Hashimoto et al.
// (arXiv:1802.08313), where the bulk radial direction is the depth of the net.
//
// The classical fourth-order Runge-Kutta step (Kutta 1901; Hairer, Nørsett,
// Wanner, "Solving ODEs I", table II.1.1) is
//
//	k1 = f(t, y)
//	k2 = f(t + h/2, y + h/2 k1)
//	k3 = f(t + h/2, y + h/2 k2)
//	k4 = f(t + h,   y + h k3)
//	y(t+h) = y + h/6 (k1 + 2k2 + 2k3 + k4),
//
// with global error O(h⁴); the explicit Euler step y + h f(t, y) has O(h).
// The state y is a list of components (for a scalar field: φ and Π), each a
// node (or float64) of the same shape, so a batch of trajectories is one state.
//
// Example (graph):
//
//	field := func(t float64, y []*graph.Node) []*graph.Node {
//		phi, pi := y[0], y[1]
//		return []*graph.Node{pi, graph.Neg(phi)} // harmonic oscillator
//	}
//	y := ode.Integrate(ode.RK4, field, 0, 0.1, 10, []*graph.Node{phi0, pi0})
package ode

import (
	. "github.com/gomlx/gomlx/core/graph"
)

// Field is the right-hand side f(t, y) of dy/dt = f(t, y) on graph nodes.
// It returns one derivative per component of y, with the same shapes.
type Field func(t float64, y []*Node) []*Node

// Step advances y from t to t+h for the field f.
type Step func(f Field, t, h float64, y []*Node) []*Node

// axpy returns y + a·k component-wise (a is a host constant).
func axpy(y []*Node, a float64, k []*Node) []*Node {
	out := make([]*Node, len(y))
	for i := range y {
		out[i] = Add(y[i], MulScalar(k[i], a))
	}
	return out
}

// RK4 is one classical fourth-order Runge-Kutta step (see the package doc).
func RK4(f Field, t, h float64, y []*Node) []*Node {
	k1 := f(t, y)
	k2 := f(t+h/2, axpy(y, h/2, k1))
	k3 := f(t+h/2, axpy(y, h/2, k2))
	k4 := f(t+h, axpy(y, h, k3))
	out := make([]*Node, len(y))
	for i := range y {
		incr := Add(Add(k1[i], k4[i]), MulScalar(Add(k2[i], k3[i]), 2))
		out[i] = Add(y[i], MulScalar(incr, h/6))
	}
	return out
}

// Euler is one explicit Euler step y + h f(t, y), the discretisation of the
// original paper (arXiv:1802.08313, eq. 7).
func Euler(f Field, t, h float64, y []*Node) []*Node {
	return axpy(y, h, f(t, y))
}

// Integrate applies n steps of size h starting at t0 and returns the final state.
func Integrate(step Step, f Field, t0, h float64, n int, y []*Node) []*Node {
	for i := 0; i < n; i++ {
		y = step(f, t0+float64(i)*h, h, y)
	}
	return y
}

// IntegrateLayers is Integrate with a different field in each layer i (for
// parameters that are constant within a layer, like the per-layer metric of
// arXiv:1802.08313).
func IntegrateLayers(step Step, fieldOf func(layer int) Field, t0, h float64, n int, y []*Node) []*Node {
	for i := 0; i < n; i++ {
		y = step(fieldOf(i), t0+float64(i)*h, h, y)
	}
	return y
}
