package ode

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/physnb/physnb/lib/backend"
)

// Test problem: the scalar-field equation of arXiv:1802.08313 with constant
// H = 3, m² = -1 and no potential, φ” = -3φ' - φ, φ(0) = 1, φ'(0) = 0.
// Exact solution: φ = A e^{r1 t} + B e^{r2 t}, r1,2 = (-3 ± √5)/2,
// A = -r2/(r1-r2), B = r1/(r1-r2).
func exactPhi(t float64) (phi, pi float64) {
	r1, r2 := (-3+math.Sqrt(5))/2, (-3-math.Sqrt(5))/2
	a, b := -r2/(r1-r2), r1/(r1-r2)
	return a*math.Exp(r1*t) + b*math.Exp(r2*t), a*r1*math.Exp(r1*t) + b*r2*math.Exp(r2*t)
}

func hostField(t float64, y []float64) []float64 { return []float64{y[1], -3*y[1] - y[0]} }

func graphField(t float64, y []*Node) []*Node {
	return []*Node{y[1], Sub(MulScalar(y[1], -3), y[0])}
}

// order estimates the convergence order from the errors at n and 2n steps.
func orderOf(errAt func(n int) float64) (float64, float64) {
	e1, e2 := errAt(20), errAt(40)
	return math.Log2(e1 / e2), e2
}

func hostErr(step HostStep) func(n int) float64 {
	return func(n int) float64 {
		y := IntegrateHost(step, hostField, 0, 1/float64(n), n, []float64{1, 0})
		phi, pi := exactPhi(1)
		return math.Hypot(y[0]-phi, y[1]-pi)
	}
}

func TestHostOrders(t *testing.T) {
	if p, e := orderOf(hostErr(RK4Host)); p < 3.8 || p > 4.3 {
		t.Errorf("RK4 host order %.3f (error %.2e at n=40), want 4", p, e)
	}
	if p, _ := orderOf(hostErr(EulerHost)); p < 0.9 || p > 1.2 {
		t.Errorf("Euler host order %.3f, want 1", p)
	}
	nystrom := func(typo bool) func(n int) float64 {
		return func(n int) float64 {
			h := 1 / float64(n)
			phi, pi := 1.0, 0.0
			for i := 0; i < n; i++ {
				phi, pi = NystromHost(func(t, phi, dphi float64) float64 { return -3*dphi - phi }, float64(i)*h, h, phi, pi, typo)
			}
			ephi, epi := exactPhi(1)
			return math.Hypot(phi-ephi, pi-epi)
		}
	}
	if p, _ := orderOf(nystrom(false)); p < 3.8 || p > 4.3 {
		t.Errorf("Runge-Kutta-Nyström order %.3f, want 4", p)
	}
	if p, _ := orderOf(nystrom(true)); p < 0.8 || p > 1.3 {
		t.Errorf("seed's Nyström with the K4 typo: order %.3f, expected to drop to 1", p)
	}
}

// The graph RK4 must agree with the host RK4 to rounding (float64) and so
// inherit its fourth order.
func TestGraphRK4MatchesHostAndOrder(t *testing.T) {
	b := backend.Must()
	errAt := func(n int) float64 {
		exec := MustNewExec(b, func(phi, pi *Node) (*Node, *Node) {
			y := Integrate(RK4, graphField, 0, 1/float64(n), n, []*Node{phi, pi})
			return y[0], y[1]
		})
		out := exec.MustExec(1.0, 0.0)
		gphi, gpi := out[0].Value().(float64), out[1].Value().(float64)
		host := IntegrateHost(RK4Host, hostField, 0, 1/float64(n), n, []float64{1, 0})
		if math.Abs(gphi-host[0]) > 1e-14 || math.Abs(gpi-host[1]) > 1e-14 {
			t.Errorf("n=%d: graph (%.17g, %.17g) vs host (%.17g, %.17g)", n, gphi, gpi, host[0], host[1])
		}
		phi, pi := exactPhi(1)
		return math.Hypot(gphi-phi, gpi-pi)
	}
	if p, e := orderOf(errAt); p < 3.8 || p > 4.3 {
		t.Errorf("graph RK4 order %.3f (error %.2e), want 4", p, e)
	}
	exec := MustNewExec(b, func(phi, pi *Node) (*Node, *Node) {
		y := Integrate(Euler, graphField, 0, 0.1, 10, []*Node{phi, pi})
		return y[0], y[1]
	})
	out := exec.MustExec(1.0, 0.0)
	host := IntegrateHost(EulerHost, hostField, 0, 0.1, 10, []float64{1, 0})
	if math.Abs(out[0].Value().(float64)-host[0]) > 1e-14 {
		t.Errorf("graph Euler %v vs host %v", out[0].Value(), host[0])
	}
}
