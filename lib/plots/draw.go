package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// shape is what a series covers, in data coordinates, for the legend
// placement: a polyline, a filled polygon (closed), points of a radius, or a
// horizontal line across the plot (hline).
type shape struct {
	pts    plotter.XYs
	closed bool
	radius vg.Length
	hline  bool
}

// slotNotes gathers what a colour slot could not show.
type slotNotes struct {
	dropped int  // values a log axis cannot show
	drawn   int  // points drawn
	hline   bool // a reference line left out on a log axis
}

// draw renders the figure with the palette indices of fixed for the names
// there and the free colours in order for the others.
func (f *Figure) draw(c draw.Canvas, fixed map[string]int) {
	if f.err != nil {
		return
	}
	idx := colors(f.slots, fixed)
	cols := make([]color.Color, len(idx))
	for i, k := range idx {
		cols[i] = Palette[k]
	}
	q := *f.p // a copy: the series are added afresh at every rendering
	thumbs := make([][]plot.Thumbnailer, len(f.slots))
	notes := make([]slotNotes, len(f.slots))
	var shapes []shape
	keep := func(x, y float64) bool { return (!f.logX || x > 0) && (!f.logY || y > 0) }
	var refs []float64 // the heights of reference lines, kept in the y range
	for _, s := range f.series {
		col := cols[s.slot]
		n := &notes[s.slot]
		switch s.kind {
		case lineSeries, scatterSeries:
			runs, dropped := runsOf(len(s.xs), func(i int) bool { return keep(s.xs[i], s.ys[i]) })
			n.dropped += dropped
			xy := func(run []int) plotter.XYs {
				pts := make(plotter.XYs, len(run))
				for k, i := range run {
					pts[k] = plotter.XY{X: s.xs[i], Y: s.ys[i]}
				}
				return pts
			}
			if s.kind == scatterSeries {
				// Points need no runs: one scatter of all that can be shown.
				var pts plotter.XYs
				for _, r := range runs {
					pts = append(pts, xy(r)...)
				}
				sc := &plotter.Scatter{XYs: pts, GlyphStyle: draw.GlyphStyle{Color: col, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}}
				if len(pts) > 0 {
					q.Add(sc)
					shapes = append(shapes, shape{pts: pts, radius: sc.Radius})
				}
				n.drawn += len(pts)
				if s.legend != "" {
					thumbs[s.slot] = append(thumbs[s.slot], sc)
				}
				continue
			}
			style := draw.LineStyle{Color: col, Width: s.width, Dashes: s.dashes}
			for _, r := range runs {
				l := &plotter.Line{XYs: thin(xy(r), maxBuckets), LineStyle: style}
				q.Add(l)
				shapes = append(shapes, shape{pts: l.XYs})
				n.drawn += len(r)
			}
			if s.legend != "" {
				thumbs[s.slot] = append(thumbs[s.slot], &plotter.Line{LineStyle: style})
			}
		case bandSeries:
			runs, dropped := runsOf(len(s.xs), func(i int) bool { return keep(s.xs[i], s.ys[i]) && keep(s.xs[i], s.hi[i]) })
			n.dropped += dropped
			r, g, b, _ := col.RGBA()
			fill := color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 70}
			for _, run := range runs {
				poly := make(plotter.XYs, 0, 2*len(run))
				for _, i := range run {
					poly = append(poly, plotter.XY{X: s.xs[i], Y: s.ys[i]})
				}
				for k := len(run) - 1; k >= 0; k-- {
					poly = append(poly, plotter.XY{X: s.xs[run[k]], Y: s.hi[run[k]]})
				}
				q.Add(&plotter.Polygon{XYs: []plotter.XYs{poly}, Color: fill})
				shapes = append(shapes, shape{pts: poly, closed: true})
				n.drawn += len(run)
			}
			if s.legend != "" {
				thumbs[s.slot] = append(thumbs[s.slot], &plotter.Polygon{Color: fill})
			}
		case histSeries:
			if f.logX || f.logY {
				f.fail("histogram %q cannot be drawn on a log axis", s.name)
				return
			}
			h, err := plotter.NewHist(plotter.Values(s.ys), s.bins)
			if err != nil {
				f.fail("histogram %q: %v", s.name, err)
				return
			}
			if s.density {
				h.Normalize(1)
			}
			r, g, b, _ := col.RGBA()
			h.LineStyle.Color = col
			h.FillColor = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 110}
			q.Add(h)
			for _, bin := range h.Bins {
				shapes = append(shapes, shape{closed: true, pts: plotter.XYs{{X: bin.Min, Y: 0}, {X: bin.Max, Y: 0}, {X: bin.Max, Y: bin.Weight}, {X: bin.Min, Y: bin.Weight}}})
			}
			n.drawn += len(s.ys)
			thumbs[s.slot] = append(thumbs[s.slot], h)
		case hlineSeries:
			l := plotter.NewFunction(func(float64) float64 { return s.y })
			l.LineStyle = draw.LineStyle{Color: col, Width: s.width, Dashes: s.dashes}
			if f.logY && s.y <= 0 {
				n.hline = true
			} else {
				q.Add(l)
				refs = append(refs, s.y)
				shapes = append(shapes, shape{pts: plotter.XYs{{Y: s.y}}, hline: true})
				n.drawn++
			}
			thumbs[s.slot] = append(thumbs[s.slot], l)
		}
	}
	for _, y := range refs {
		if q.Y.Min <= q.Y.Max { // a reference line is seen with the data, not off the axis
			q.Y.Min, q.Y.Max = math.Min(q.Y.Min, y), math.Max(q.Y.Max, y)
		}
	}
	if !f.fixRange(&q.X, f.xr, f.logX, "x") || !f.fixRange(&q.Y, f.yr, f.logY, "y") {
		return
	}
	leg := plot.NewLegend()
	leg.TextStyle = f.p.Legend.TextStyle
	leg.Padding = vg.Points(1.5) // entries apart, not touching
	for slot, name := range f.slots {
		text := name + notes[slot].text(f)
		switch {
		case thumbs[slot] != nil && name != "":
			leg.Add(text, thumbs[slot]...)
		case text != name: // an unnamed series with something to say
			leg.Add("(unnamed series)" + notes[slot].text(f))
		}
	}
	f.placeLegend(&q, c, &leg, shapes)
}

// text is the note a legend entry carries: what a log axis left out.
func (n slotNotes) text(f *Figure) string {
	switch {
	case n.hline:
		return " (at a value ≤ 0, not on the log axis)"
	case n.drawn == 0 && n.dropped > 0:
		return " (no positive values for the log axis)"
	case n.drawn == 0:
		return " (no points)"
	case n.dropped == 1:
		return " (1 value ≤ 0 left out)"
	case n.dropped > 1:
		return fmt.Sprintf(" (%d values ≤ 0 left out)", n.dropped)
	}
	return ""
}

// runsOf splits the indices 0..n-1 into maximal runs of consecutive kept
// points (so that a line is broken, not bridged, where a log axis leaves
// values out) and counts the points left out.
func runsOf(n int, kept func(i int) bool) (runs [][]int, dropped int) {
	var cur []int
	for i := range n {
		if !kept(i) {
			dropped++
			if len(cur) > 0 {
				runs, cur = append(runs, cur), nil
			}
			continue
		}
		cur = append(cur, i)
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs, dropped
}

// fixRange applies a fixed range and, on a log axis, makes the range one the
// axis can draw: positive, and not a single value.
func (f *Figure) fixRange(a *plot.Axis, fixed *[2]float64, log bool, name string) bool {
	if fixed != nil {
		if log && !(fixed[0] > 0 && fixed[1] > 0) {
			f.fail("log %s axis needs a positive range, got [%v, %v]", name, fixed[0], fixed[1])
			return false
		}
		a.Min, a.Max = fixed[0], fixed[1]
		return true
	}
	if !log {
		return true
	}
	if !(a.Min <= a.Max) || !(a.Min > 0) { // no data, or data a log axis cannot show from plotters added directly
		if a.Max > 0 && !math.IsInf(a.Max, 0) {
			a.Min = a.Max / 10
		} else {
			a.Min, a.Max = 1, 10
		}
	}
	if a.Min == a.Max {
		a.Min, a.Max = a.Min/2, a.Max*2
	}
	return true
}

// placeLegend draws q with the legend in the first corner of the data area
// that no shape touches, or to the right of the data area.
func (f *Figure) placeLegend(q *plot.Plot, c draw.Canvas, leg *plot.Legend, shapes []shape) {
	size := leg.Rectangle(c).Size()
	if size.Y == 0 {
		q.Draw(c)
		return
	}
	if f.legend == legendAuto && !f.escaped {
		dc := q.DataCanvas(c)
		xt, yt := q.Transforms(&dc)
		corners := [][2]bool{{true, false}, {true, true}, {false, false}, {false, true}} // (top, left)
		if f.bottom {
			corners = [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}
		}
		for _, tl := range corners {
			r, ok := cornerRect(dc.Rectangle, size, tl[0], tl[1])
			if !ok {
				break
			}
			if !covered(r, shapes, xt, yt, dc.Rectangle) {
				q.Draw(c)
				leg.Top, leg.Left = tl[0], tl[1]
				inner := vg.Rectangle{Min: vg.Point{X: r.Min.X + legendPad, Y: r.Min.Y + legendPad},
					Max: vg.Point{X: r.Max.X - legendPad, Y: r.Max.Y - legendPad}}
				leg.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: inner})
				return
			}
		}
	}
	gap := vg.Points(8)
	left := c
	left.Max.X -= size.X + gap + legendPad
	q.Draw(left)
	dc := q.DataCanvas(left)
	leg.Top, leg.Left = true, true
	leg.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: left.Max.X + gap, Y: dc.Max.Y - size.Y}, Max: vg.Point{X: left.Max.X + gap + size.X, Y: dc.Max.Y}}})
}

// legendPad is the free space kept around a legend inside the data area.
const legendPad = vg.Length(4)

// cornerRect is the box (legend and padding) in a corner of the data area,
// false when the legend is larger than the area allows (more than half its
// width or 90% of its height).
func cornerRect(area vg.Rectangle, size vg.Point, top, left bool) (vg.Rectangle, bool) {
	w, h := size.X+2*legendPad, size.Y+2*legendPad
	if w > area.Size().X/2 || h > 0.9*area.Size().Y {
		return vg.Rectangle{}, false
	}
	r := vg.Rectangle{Min: vg.Point{X: area.Max.X - w, Y: area.Min.Y}, Max: vg.Point{X: area.Max.X, Y: area.Min.Y + h}}
	if left {
		r.Min.X, r.Max.X = area.Min.X, area.Min.X+w
	}
	if top {
		r.Min.Y, r.Max.Y = area.Max.Y-h, area.Max.Y
	}
	return r, true
}

// covered reports whether any shape, mapped to the canvas by xt and yt,
// touches the rectangle r.
func covered(r vg.Rectangle, shapes []shape, xt, yt func(float64) vg.Length, area vg.Rectangle) bool {
	pt := func(p plotter.XY) vg.Point { return vg.Point{X: xt(p.X), Y: yt(p.Y)} }
	for _, s := range shapes {
		switch {
		case s.hline:
			y := yt(s.pts[0].Y)
			if segmentHits(r, vg.Point{X: area.Min.X, Y: y}, vg.Point{X: area.Max.X, Y: y}) {
				return true
			}
		case s.radius > 0:
			grown := vg.Rectangle{Min: vg.Point{X: r.Min.X - s.radius, Y: r.Min.Y - s.radius}, Max: vg.Point{X: r.Max.X + s.radius, Y: r.Max.Y + s.radius}}
			for _, p := range s.pts {
				if inside(grown, pt(p)) {
					return true
				}
			}
		default:
			n := len(s.pts)
			if n == 1 && inside(r, pt(s.pts[0])) {
				return true
			}
			for i := 0; i+1 < n; i++ {
				if segmentHits(r, pt(s.pts[i]), pt(s.pts[i+1])) {
					return true
				}
			}
			if s.closed && n > 2 {
				if segmentHits(r, pt(s.pts[n-1]), pt(s.pts[0])) || inPolygon(s.pts, pt, vg.Point{X: (r.Min.X + r.Max.X) / 2, Y: (r.Min.Y + r.Max.Y) / 2}) {
					return true
				}
			}
		}
	}
	return false
}

func inside(r vg.Rectangle, p vg.Point) bool {
	return p.X >= r.Min.X && p.X <= r.Max.X && p.Y >= r.Min.Y && p.Y <= r.Max.Y
}

// segmentHits reports whether the segment a-b meets the rectangle r
// (Liang-Barsky clipping).
func segmentHits(r vg.Rectangle, a, b vg.Point) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	for _, e := range [4][2]float64{
		{-dx, float64(a.X - r.Min.X)}, {dx, float64(r.Max.X - a.X)},
		{-dy, float64(a.Y - r.Min.Y)}, {dy, float64(r.Max.Y - a.Y)},
	} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// inPolygon reports whether c lies inside the polygon (even-odd rule).
func inPolygon(poly plotter.XYs, pt func(plotter.XY) vg.Point, c vg.Point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := pt(poly[i]), pt(poly[j])
		if (a.Y > c.Y) != (b.Y > c.Y) && c.X < (b.X-a.X)*(c.Y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}

// maxBuckets bounds what a long line costs on the page: a curve of more than
// 4·maxBuckets points (a training history of 5000 epochs, say) is drawn from
// maxBuckets consecutive chunks, each kept as its first, lowest, highest and
// last point, in their order. Finer than the pixels of a chart, it looks the
// same, spikes included, at a fraction of the size of an SVG.
const maxBuckets = 500

// thin returns pts, or for more than 4·buckets points with x never
// decreasing, the first, lowest, highest and last point of each of buckets
// consecutive chunks. A curve whose x goes back (a parametric curve) is kept
// whole: its shape is not a function of x.
func thin(pts plotter.XYs, buckets int) plotter.XYs {
	n := len(pts)
	if n <= 4*buckets {
		return pts
	}
	for i := 1; i < n; i++ {
		if pts[i].X < pts[i-1].X {
			return pts
		}
	}
	out := make(plotter.XYs, 0, 4*buckets)
	for b := 0; b < buckets; b++ {
		lo, hi := b*n/buckets, (b+1)*n/buckets
		iMin, iMax := lo, lo
		for i := lo; i < hi; i++ {
			if pts[i].Y < pts[iMin].Y {
				iMin = i
			}
			if pts[i].Y > pts[iMax].Y {
				iMax = i
			}
		}
		keep := []int{lo, min(iMin, iMax), max(iMin, iMax), hi - 1}
		for k, i := range keep {
			if k == 0 || i != keep[k-1] {
				out = append(out, pts[i])
			}
		}
	}
	return out
}
