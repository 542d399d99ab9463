// Package compgraph draws a GoMLX computation graph as an SVG picture, the
// counterpart of PyTorch's torchviz: every operation is a box, every arrow
// carries a tensor from the operation that makes it to the one that uses it.
// The layout is computed here in Go (no graphviz binary): operations are placed
// in layers by their longest distance from the inputs, so data flows downwards,
// as in a textbook drawing of the chain rule.
//
// GoMLX builds the whole graph before running it (a static graph, unlike
// PyTorch's tape), so the gradient nodes that graph.Gradient adds are ordinary
// boxes too: drawing the outputs together with their gradients shows backward
// propagation as extra operations.
//
// Example, inside a graph-building function:
//
//	d := Div(Exp(Sin(Mul(x, y))), Add(x, y))
//	svg := compgraph.New(d).Name(x, "x").Name(y, "y").Name(d, "d").SVG()
//	compgraph.Display(svg) // inline in GoNB
package compgraph

import (
	"fmt"
	"html"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/janpfeifer/gonb/gonbui"
)

// Picture collects the outputs to draw and optional names for nodes.
type Picture struct {
	outputs []*graph.Node
	names   map[*graph.Node]string
	title   string
}

// New starts a picture of everything the outputs depend on.
func New(outputs ...*graph.Node) *Picture {
	return &Picture{outputs: outputs, names: map[*graph.Node]string{}}
}

// Name labels a node with a symbol from the text (x, y, d, ∂d/∂x ...).
func (p *Picture) Name(n *graph.Node, name string) *Picture { p.names[n] = name; return p }

// Title sets a caption drawn above the graph.
func (p *Picture) Title(t string) *Picture { p.title = t; return p }

// box is one drawn operation, or a dummy waypoint of an arrow that skips layers.
type box struct {
	node   *graph.Node // nil for a waypoint
	layer  int
	x, y   float64
	w      float64
	label  []string
	output bool
	input  bool
	preds  []*box // boxes feeding this one (for waypoints: the previous point of the arrow)
}

const (
	boxH    = 44.0
	layerDY = 78.0
	gapX    = 22.0
	charW   = 7.2
	margin  = 24.0
	wayW    = 6.0 // width reserved for an arrow passing through a layer
)

// Nodes returns the operations drawn, sources first (exported for tests).
func (p *Picture) Nodes() []*graph.Node {
	return p.collect()
}

// collect walks the ancestors of the outputs and returns them in topological
// order (inputs before users), by node id, which GoMLX assigns in creation order.
func (p *Picture) collect() []*graph.Node {
	seen := map[*graph.Node]bool{}
	var stack []*graph.Node
	stack = append(stack, p.outputs...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, n.Inputs()...)
	}
	nodes := make([]*graph.Node, 0, len(seen))
	for n := range seen {
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Id() < nodes[j].Id() })
	return nodes
}

func (p *Picture) label(n *graph.Node) []string {
	op := n.Type().String()
	var lines []string
	if name, ok := p.names[n]; ok {
		lines = append(lines, name)
	}
	switch op {
	case "Parameter":
		if _, ok := p.names[n]; !ok {
			lines = append(lines, n.GetParameterName())
		}
		lines = append(lines, "input "+n.Shape().String())
		return lines
	case "Constant":
		if v := n.ConstantValue(); v != nil && n.Shape().Size() == 1 {
			lines = append(lines, fmt.Sprintf("const %v", v.Value()))
			return lines
		}
	}
	return append(lines, op+" "+n.Shape().String())
}

// arrow is one operand edge, drawn through its waypoints.
type arrow struct{ points []*box }

// SVG lays the graph out and returns the picture as an SVG document. The layout
// is the classic layered one (Sugiyama): layers by longest path from the inputs,
// a waypoint in every layer an arrow crosses, and each layer ordered by the mean
// position of what feeds it, so that arrows stay short and go around boxes.
func (p *Picture) SVG() string {
	nodes := p.collect()
	isOut := map[*graph.Node]bool{}
	for _, o := range p.outputs {
		isOut[o] = true
	}
	boxes := map[*graph.Node]*box{}
	layers := map[int][]*box{}
	maxLayer := 0
	var arrows []arrow
	for _, n := range nodes { // topological order: inputs already placed
		b := &box{node: n, label: p.label(n), output: isOut[n], input: len(n.Inputs()) == 0}
		for _, in := range n.Inputs() {
			if bi, ok := boxes[in]; ok && bi.layer+1 > b.layer {
				b.layer = bi.layer + 1
			}
		}
		for _, l := range b.label {
			b.w = max(b.w, float64(len([]rune(l)))*charW+16)
		}
		boxes[n] = b
		layers[b.layer] = append(layers[b.layer], b)
		maxLayer = max(maxLayer, b.layer)
		for _, in := range n.Inputs() {
			src := boxes[in]
			a := arrow{points: []*box{src}}
			prev := src
			for l := src.layer + 1; l < b.layer; l++ {
				w := &box{layer: l, w: wayW, preds: []*box{prev}}
				layers[l] = append(layers[l], w)
				a.points = append(a.points, w)
				prev = w
			}
			b.preds = append(b.preds, prev)
			a.points = append(a.points, b)
			arrows = append(arrows, a)
		}
	}
	width := 0.0
	top := margin
	if p.title != "" {
		top += 24
	}
	for l := 0; l <= maxLayer; l++ {
		row := layers[l]
		if l > 0 {
			key := map[*box]float64{}
			for i, b := range row {
				var s float64
				for _, q := range b.preds {
					s += q.x
				}
				key[b] = float64(i) * 1e-9 // keep creation order among equals
				if len(b.preds) > 0 {
					key[b] += s / float64(len(b.preds))
				}
			}
			sort.SliceStable(row, func(i, j int) bool { return key[row[i]] < key[row[j]] })
		}
		x := margin
		for _, b := range row {
			b.x = x + b.w/2
			b.y = top + float64(l)*layerDY + boxH/2
			x += b.w + gapX
		}
		width = max(width, x-gapX+margin)
	}
	for l := 0; l <= maxLayer; l++ { // centre each row in the picture
		row := layers[l]
		if len(row) == 0 {
			continue
		}
		last := row[len(row)-1]
		rowW := last.x + last.w/2 - (row[0].x - row[0].w/2)
		shift := (width-rowW)/2 - (row[0].x - row[0].w/2)
		for _, b := range row {
			b.x += shift
		}
	}
	height := top + float64(maxLayer)*layerDY + boxH + margin

	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`+"\n", width, height, width, height)
	sb.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>` + "\n")
	sb.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	if p.title != "" {
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="14" font-weight="bold">%s</text>`+"\n", width/2, margin+4, html.EscapeString(p.title))
	}
	for _, a := range arrows { // arrows first, under the boxes
		// Points: bottom of the source, through each waypoint's layer band, top of the target.
		src, dst := a.points[0], a.points[len(a.points)-1]
		var d strings.Builder
		fmt.Fprintf(&d, "M %.1f %.1f", src.x, src.y+boxH/2)
		px, py := src.x, src.y+boxH/2
		for _, w := range a.points[1 : len(a.points)-1] {
			y0, y1 := w.y-boxH/2, w.y+boxH/2
			my := (py + y0) / 2
			fmt.Fprintf(&d, " C %.1f %.1f, %.1f %.1f, %.1f %.1f L %.1f %.1f", px, my, w.x, my, w.x, y0, w.x, y1)
			px, py = w.x, y1
		}
		y2 := dst.y - boxH/2
		my := (py + y2) / 2
		fmt.Fprintf(&d, " C %.1f %.1f, %.1f %.1f, %.1f %.1f", px, my, dst.x, my, dst.x, y2)
		fmt.Fprintf(&sb, `<path d="%s" fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>`+"\n", d.String())
	}
	for _, n := range nodes {
		b := boxes[n]
		fill, stroke := "#e8f0fb", "#0072b2" // operations
		switch {
		case b.output:
			fill, stroke = "#fde9d9", "#d55e00"
		case b.input:
			fill, stroke = "#e3f4ec", "#009e73"
		}
		fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="7" fill="%s" stroke="%s" stroke-width="1.5"/>`+"\n",
			b.x-b.w/2, b.y-boxH/2, b.w, boxH, fill, stroke)
		for i, l := range b.label {
			dy := (float64(i) - float64(len(b.label)-1)/2) * 15
			weight := "normal"
			if i == 0 && len(b.label) > 1 {
				weight = "bold"
			}
			fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle" dominant-baseline="middle" font-weight="%s">%s</text>`+"\n",
				b.x, b.y+dy, weight, html.EscapeString(l))
		}
	}
	sb.WriteString("</svg>\n")
	return sb.String()
}

// Display shows an SVG picture inline in a GoNB notebook; outside a notebook it does nothing.
func Display(svg string) {
	if gonbui.IsNotebook {
		gonbui.DisplayHTML(svg)
	}
}
