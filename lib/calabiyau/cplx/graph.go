package cplx

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
)

// Node is a complex tensor in a GoMLX graph, Re + i Im, held as two real nodes
// of identical shape and dtype.
type Node struct {
	Re, Im *graph.Node
}

// New pairs a real and an imaginary part. It panics (inside graph building,
// the GoMLX convention) if the shapes differ.
func New(re, im *graph.Node) Node {
	if !re.Shape().Equal(im.Shape()) {
		panic(fmt.Sprintf("cplx.New: real part %s and imaginary part %s differ in shape", re.Shape(), im.Shape()))
	}
	return Node{Re: re, Im: im}
}

// FromReal embeds a real node as a complex one with zero imaginary part.
func FromReal(re *graph.Node) Node { return Node{Re: re, Im: graph.ZerosLike(re)} }

// Add returns a + b.
func Add(a, b Node) Node { return Node{graph.Add(a.Re, b.Re), graph.Add(a.Im, b.Im)} }

// Sub returns a - b.
func Sub(a, b Node) Node { return Node{graph.Sub(a.Re, b.Re), graph.Sub(a.Im, b.Im)} }

// Neg returns -a.
func Neg(a Node) Node { return Node{graph.Neg(a.Re), graph.Neg(a.Im)} }

// Conj returns the complex conjugate Re - i Im.
func Conj(a Node) Node { return Node{a.Re, graph.Neg(a.Im)} }

// Mul returns the elementwise product (ac - bd) + i(ad + bc), with GoMLX broadcasting rules.
func Mul(a, b Node) Node {
	return Node{
		graph.Sub(graph.Mul(a.Re, b.Re), graph.Mul(a.Im, b.Im)),
		graph.Add(graph.Mul(a.Re, b.Im), graph.Mul(a.Im, b.Re)),
	}
}

// MulReal multiplies by a real node r (broadcast like graph.Mul).
func MulReal(a Node, r *graph.Node) Node { return Node{graph.Mul(a.Re, r), graph.Mul(a.Im, r)} }

// DivReal divides by a real node r.
func DivReal(a Node, r *graph.Node) Node { return Node{graph.Div(a.Re, r), graph.Div(a.Im, r)} }

// Scale multiplies by a real constant.
func Scale(a Node, c float64) Node {
	return Node{graph.MulScalar(a.Re, c), graph.MulScalar(a.Im, c)}
}

// Abs2 returns |a|^2 = Re^2 + Im^2, a real node.
func Abs2(a Node) *graph.Node { return graph.Add(graph.Square(a.Re), graph.Square(a.Im)) }

// Einsum contracts two complex tensors with a two-operand Einstein equation
// (the same equations as graph.Einsum):
//
//	A·B = (Ar·Br - Ai·Bi) + i (Ar·Bi + Ai·Br).
//
// Conjugate an operand with [Conj] before the call where the math has a bar.
func Einsum(equation string, a, b Node) Node {
	rr := graph.Einsum(equation, a.Re, b.Re)
	ii := graph.Einsum(equation, a.Im, b.Im)
	ri := graph.Einsum(equation, a.Re, b.Im)
	ir := graph.Einsum(equation, a.Im, b.Re)
	return Node{graph.Sub(rr, ii), graph.Add(ri, ir)}
}

// EinsumReal contracts a complex tensor with a real one.
func EinsumReal(equation string, a Node, r *graph.Node) Node {
	return Node{graph.Einsum(equation, a.Re, r), graph.Einsum(equation, a.Im, r)}
}

// Reshape reshapes both parts.
func Reshape(a Node, dims ...int) Node {
	return Node{graph.Reshape(a.Re, dims...), graph.Reshape(a.Im, dims...)}
}

// StopGradient blocks gradients through both parts.
func StopGradient(a Node) Node { return Node{graph.StopGradient(a.Re), graph.StopGradient(a.Im)} }

// entry returns M[..., i, j] for a tensor whose last two axes are 3x3.
func entry(m Node, i, j int) Node {
	rank := m.Re.Rank()
	pick := func(x *graph.Node) *graph.Node {
		x = graph.SliceAxis(x, rank-2, graph.AxisElem(i))
		x = graph.SliceAxis(x, rank-1, graph.AxisElem(j))
		return graph.Reshape(x, x.Shape().Dimensions[:rank-2]...)
	}
	return Node{pick(m.Re), pick(m.Im)}
}

// Det3 is the determinant of the trailing 3x3 block of m (shape [..., 3, 3]),
// by cofactor expansion along the first row:
//
//	det M = M00 (M11 M22 - M12 M21) - M01 (M10 M22 - M12 M20) + M02 (M10 M21 - M11 M20).
//
// GoMLX has no determinant op; for 3x3 this closed form is exact, cheap and differentiable.
func Det3(m Node) Node {
	dims := m.Re.Shape().Dimensions
	if len(dims) < 2 || dims[len(dims)-1] != 3 || dims[len(dims)-2] != 3 {
		panic(fmt.Sprintf("cplx.Det3: want shape [..., 3, 3], got %s", m.Re.Shape()))
	}
	e := func(i, j int) Node { return entry(m, i, j) }
	minor := func(a, b, c, d Node) Node { return Sub(Mul(a, d), Mul(b, c)) }
	c0 := Mul(e(0, 0), minor(e(1, 1), e(1, 2), e(2, 1), e(2, 2)))
	c1 := Mul(e(0, 1), minor(e(1, 0), e(1, 2), e(2, 0), e(2, 2)))
	c2 := Mul(e(0, 2), minor(e(1, 0), e(1, 1), e(2, 0), e(2, 1)))
	return Add(Sub(c0, c1), c2)
}
