package compgraph

import (
	"encoding/xml"
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
)

func TestLessonGraph(t *testing.T) {
	// The lesson's example d = exp(sin(x·y)) / (x + y) at x = 2, y = 3, with
	// d = 0.1512451320886612 printed by PyTorch in the lesson.
	var forward, backward string
	var ops []string
	exec := MustNewExec(backend.Must(), func(x, y *Node) (*Node, *Node, *Node) {
		a := Mul(x, y)
		d := Div(Exp(Sin(a)), Add(x, y))
		forward = New(d).Name(x, "x").Name(y, "y").Name(d, "d").Title("forward").SVG()
		for _, n := range New(d).Nodes() {
			ops = append(ops, n.Type().String())
		}
		g := Gradient(d, x, y)
		backward = New(d, g[0], g[1]).Name(x, "x").Name(y, "y").SVG()
		return d, g[0], g[1]
	})
	out := exec.MustExec(float64(2), float64(3))
	d, gx, gy := tensors.ToScalar[float64](out[0]), tensors.ToScalar[float64](out[1]), tensors.ToScalar[float64](out[2])
	// The closed form in float64, and the lesson's float32 number to float32 precision.
	if exact := math.Exp(math.Sin(6)) / 5; math.Abs(d-exact) > 1e-16 || math.Abs(d-0.1512451320886612) > 1e-8 {
		t.Errorf("d = %.16g, closed form %.16g, lesson (float32) 0.1512451320886612", d, exact)
	}
	// Closed-form partials: ∂d/∂x = e^{sin xy} (y cos xy (x+y) − 1)/(x+y)².
	want := func(x, y float64) float64 {
		return math.Exp(math.Sin(x*y)) * (y*math.Cos(x*y)*(x+y) - 1) / ((x + y) * (x + y))
	}
	if math.Abs(gx-want(2, 3)) > 1e-14 || math.Abs(gy-want(3, 2)) > 1e-14 {
		t.Errorf("gradients %g %g, closed form %g %g", gx, gy, want(2, 3), want(3, 2))
	}
	if got := strings.Join(ops, ","); got != "Parameter,Parameter,Mul,Sin,Exp,Add,Div" {
		t.Errorf("forward operations %s", got)
	}
	for _, svg := range []string{forward, backward} {
		if err := xml.Unmarshal([]byte(svg), new(struct{ XMLName xml.Name })); err != nil {
			t.Fatalf("not well-formed SVG: %v", err)
		}
	}
	// One box per operation, one arrow per operand edge (Mul, Add, Div take 2; Sin, Exp 1).
	if n := strings.Count(forward, "<rect x="); n != 7 {
		t.Errorf("%d boxes, want 7", n)
	}
	if n := strings.Count(forward, "marker-end"); n != 8 {
		t.Errorf("%d arrows, want 8", n)
	}
	for _, s := range []string{">x<", ">y<", ">d<", "Sin", "Exp", "forward"} {
		if !strings.Contains(forward, s) {
			t.Errorf("forward picture lacks %q", s)
		}
	}
	if strings.Count(backward, "<rect x=") <= 7 {
		t.Error("the gradient picture should add backward operations")
	}
}
