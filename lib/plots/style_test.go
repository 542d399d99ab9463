package plots

import (
	"image/color"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// record draws d on a recording canvas of its size.
func record(t *testing.T, d Drawer) *recorder.Canvas {
	t.Helper()
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	rec := &recorder.Canvas{}
	w, h := d.Size()
	c := draw.NewCanvas(rec, w, h)
	if err := safeDraw(d, c); err != nil {
		t.Fatal(err)
	}
	return rec
}

// legendColors is, for every legend entry whose text is name, the colour of
// the thumbnail stroked just before it (gonum draws an entry's thumbnail,
// then its text).
func legendColors(rec *recorder.Canvas, name string) []color.Color {
	var current, stroked color.Color
	var out []color.Color
	for _, a := range rec.Actions {
		switch a := a.(type) {
		case *recorder.SetColor:
			current = a.Color
		case *recorder.Stroke:
			stroked = current
		case *recorder.FillString:
			if a.String == name {
				out = append(out, stroked)
			}
		}
	}
	return out
}

func sameColor(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

// A series keeps its colour across the charts of a row whatever order they
// add their series in, and two series of one chart differ.
func TestRowColorsFollowNames(t *testing.T) {
	xs := []float64{0, 1, 2}
	row := Row{
		New("first", "x", "y").Line("A", xs, []float64{0, 1, 2}).Line("B", xs, []float64{2, 1, 0}),
		New("second", "x", "y").Line("B", xs, []float64{1, 1, 1}).Line("A", xs, []float64{0, 0, 1}),
	}
	rec := record(t, row)
	a, b := legendColors(rec, "A"), legendColors(rec, "B")
	if len(a) != 2 || len(b) != 2 {
		t.Fatalf("legend entries: %d for A, %d for B; want 2 each", len(a), len(b))
	}
	if !sameColor(b[0], b[1]) || !sameColor(a[0], a[1]) {
		t.Errorf("colours differ between the charts: A %v/%v, B %v/%v", a[0], a[1], b[0], b[1])
	}
	if sameColor(a[0], b[0]) {
		t.Errorf("A and B share the colour %v", a[0])
	}
	if !sameColor(a[0], Palette[0]) || !sameColor(b[0], Palette[1]) {
		t.Errorf("A %v, B %v: want the first two palette colours in order of first appearance", a[0], b[0])
	}
}

// Colors fixes colours by name in charts drawn on their own.
func TestColorsByName(t *testing.T) {
	xs := []float64{0, 1}
	f1 := New("one", "x", "y").Colors("train", "validation").Line("train", xs, xs).Line("validation", xs, xs)
	f2 := New("two", "x", "y").Colors("train", "validation").Line("validation", xs, xs).Line("train", xs, xs).Line("other", xs, xs)
	v1, v2 := legendColors(record(t, f1), "validation"), legendColors(record(t, f2), "validation")
	if len(v1) != 1 || len(v2) != 1 || !sameColor(v1[0], v2[0]) || !sameColor(v1[0], Palette[1]) {
		t.Errorf("validation drawn in %v and %v, want %v in both", v1, v2, Palette[1])
	}
	if o := legendColors(record(t, f2), "other"); len(o) != 1 || !sameColor(o[0], Palette[2]) {
		t.Errorf("the unnamed-in-key series took %v, want the first free colour %v", o, Palette[2])
	}
}

// The resolution rule itself: fixed names first, the others in order of
// addition on the colours left free.
func TestColorsRule(t *testing.T) {
	got := colors([]string{"x", "b", "y", "a"}, keyMap([]string{"a", "b"}))
	if want := []int{2, 1, 3, 0}; !slices.Equal(got, want) {
		t.Errorf("palette indices %v, want %v", got, want)
	}
}

// A name shared by the charts of a row keeps the colour it has in the first;
// names in one chart only keep the colours they would have alone, and no two
// names of a chart share one.
func TestRowSharedNamesOnly(t *testing.T) {
	xs := []float64{1, 2}
	row := Row{
		New("energy", "d", "E").Line("E(d)", xs, xs).HLine("zero line", 0),
		New("force", "d", "F").Line("F(d)", xs, xs).HLine("zero line", 0),
		New("rate", "epoch", "Adam step").Line("step", xs, xs),
	}
	rec := record(t, row)
	for name, want := range map[string]color.Color{"E(d)": Palette[0], "F(d)": Palette[0], "step": Palette[0]} {
		if got := legendColors(rec, name); len(got) != 1 || !sameColor(got[0], want) {
			t.Errorf("%s drawn in %v, want %v", name, got, want)
		}
	}
	if got := legendColors(rec, "zero line"); len(got) != 2 || !sameColor(got[0], Palette[1]) || !sameColor(got[1], Palette[1]) {
		t.Errorf("the shared reference drawn in %v, want %v twice", got, Palette[1])
	}
}

// On a log axis an empty series, a constant one and values ≤ 0 are drawn
// as far as they can be, with a note, instead of failing the figure.
func TestLogAxisTolerates(t *testing.T) {
	epochs := []float64{1, 2, 3, 4}
	cases := []struct {
		name string
		f    *Figure
		note string
	}{
		{"empty series", New("losses", "epoch", "loss").Line("validation", epochs, []float64{1, 0.5, 0.2, 0.1}).
			Scatter("step halved", nil, nil).LogY(), "step halved (no points)"},
		{"constant series", New("learning rate", "epoch", "step").Line("step", epochs, []float64{1e-3, 1e-3, 1e-3, 1e-3}).LogY(), ""},
		{"non-positive values", New("t", "x", "y").Line("a", epochs, []float64{-1, 0, 1, 2}).LogY(), "a (2 values ≤ 0 left out)"},
		{"only an empty series", New("t", "x", "y").Line("a", nil, nil).LogY().LogX(), "a (no points)"},
		{"reference at zero", New("t", "x", "y").Line("a", epochs, epochs).HLine("zero", 0).LogY(), "zero (at a value ≤ 0, not on the log axis)"},
	}
	for _, c := range cases {
		svg, err := c.f.SVG()
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.note != "" && !strings.Contains(svg, c.note) {
			t.Errorf("%s: the legend lacks %q", c.name, c.note)
		}
	}
	// A fixed range a log axis cannot show is the caller's mistake.
	if _, err := New("t", "x", "y").Line("a", epochs, epochs).YRange(-1, 10).LogY().SVG(); err == nil ||
		!strings.Contains(err.Error(), "positive range") {
		t.Errorf("log axis over [-1, 10]: error %v", err)
	}
}

func labels(ts []plot.Tick) []string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

// Tick labels are plain numbers with as many decimals as they need.
func TestTickLabels(t *testing.T) {
	if got, want := labels(LogTicks{}.Ticks(1, 1000)), []string{"1", "10", "100", "1000"}; !slices.Equal(got, want) {
		t.Errorf("log ticks over [1, 1000]: %q, want %q", got, want)
	}
	if got, want := labels(LogTicks{}.Ticks(0.001, 0.1)), []string{"0.001", "0.01", "0.1"}; !slices.Equal(got, want) {
		t.Errorf("log ticks over [0.001, 0.1]: %q, want %q", got, want)
	}
	if got, want := labels(LogTicks{}.Ticks(1e-6, 1e-4)), []string{"1e-6", "1e-5", "0.0001"}; !slices.Equal(got, want) {
		t.Errorf("log ticks over [1e-6, 1e-4]: %q, want %q", got, want)
	}
	// Less than a decade: 2 and 5 times the powers of ten are labelled too.
	if got, want := labels(LogTicks{}.Ticks(0.015, 0.08)), []string{"0.02", "0.05"}; !slices.Equal(got, want) {
		t.Errorf("log ticks over [0.015, 0.08]: %q, want %q", got, want)
	}
	for _, c := range []struct {
		vs   []float64
		want []string
	}{
		{[]float64{0, 2.5, 5}, []string{"0.0", "2.5", "5.0"}},
		{[]float64{0, 500, 1000}, []string{"0", "500", "1000"}},
		{[]float64{0.1, 0.2, 0.30000000000000004}, []string{"0.1", "0.2", "0.3"}},
		{[]float64{-0.0, 1}, []string{"0", "1"}},
		{[]float64{0, 2e6, 4e6}, []string{"0", "2e6", "4e6"}},
		{[]float64{1e-5, 1.5e-5}, []string{"1.0e-5", "1.5e-5"}},
	} {
		if got := formatTicks(c.vs); !slices.Equal(got, c.want) {
			t.Errorf("formatTicks(%v) = %q, want %q", c.vs, got, c.want)
		}
	}
	// The rendered figures carry no e+ notation on either kind of axis.
	xs := []float64{1, 10, 100, 1000}
	for name, f := range map[string]*Figure{
		"log":    New("t", "x", "y").Line("a", xs, xs).LogY().LogX(),
		"linear": New("t", "x", "y").Line("a", xs, []float64{0, 1e6, 2e6, 3e6}),
	} {
		svg, err := f.SVG()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(svg, "e+") || strings.Contains(svg, "e-0") || strings.Contains(svg, "e0") {
			t.Errorf("%s axes: the SVG has e-notation tick labels", name)
		}
		if name == "log" && !strings.Contains(svg, ">1000<") {
			t.Errorf("log axes: no tick label 1000")
		}
	}
}

// textBox is an estimate of where a FillString's text lies (0.6 em per rune,
// 1 em high from the baseline).
func textBox(a *recorder.FillString) vg.Rectangle {
	w := vg.Length(len([]rune(a.String))) * 0.6 * a.Size
	return vg.Rectangle{Min: a.Point, Max: vg.Point{X: a.Point.X + w, Y: a.Point.Y + a.Size}}
}

// strokesHitting counts the stroked path segments of colour col that cross r.
func strokesHitting(rec *recorder.Canvas, col color.Color, r vg.Rectangle) (hits int, maxX vg.Length) {
	var current color.Color
	for _, a := range rec.Actions {
		switch a := a.(type) {
		case *recorder.SetColor:
			current = a.Color
		case *recorder.Stroke:
			if current == nil || !sameColor(current, col) || len(a.Path) < 3 { // the thumbnail is a 2-point path
				continue
			}
			for i := 1; i < len(a.Path); i++ {
				p0, p1 := a.Path[i-1].Pos, a.Path[i].Pos
				maxX = max(maxX, p1.X)
				if segmentHits(r, p0, p1) {
					hits++
				}
			}
		}
	}
	return hits, maxX
}

func legendText(t *testing.T, rec *recorder.Canvas, name string) *recorder.FillString {
	t.Helper()
	for _, a := range rec.Actions {
		if fs, ok := a.(*recorder.FillString); ok && fs.String == name {
			return fs
		}
	}
	t.Fatalf("no legend text %q", name)
	return nil
}

// The legend never covers a series: a curve rising to the top right leaves
// the legend a free corner, curves along every edge push it outside.
func TestLegendOffTheData(t *testing.T) {
	xs := make([]float64, 41)
	for i := range xs {
		xs[i] = float64(i) / 40
	}
	rising := New("rising", "x", "y").Line("a rising curve of some length", xs, xs)
	rec := record(t, rising)
	box := textBox(legendText(t, rec, "a rising curve of some length"))
	if n, _ := strokesHitting(rec, Palette[0], box); n > 0 {
		t.Errorf("the legend text %v crosses the curve %d times", box, n)
	}

	flat := func(v float64) []float64 {
		out := make([]float64, len(xs))
		for i := range out {
			out[i] = v
		}
		return out
	}
	edges := New("edges", "x", "y").Line("bottom", xs, flat(0)).Line("top", xs, flat(1)).
		Line("left", flat(0), xs).Line("right", flat(1), xs)
	rec = record(t, edges)
	for i, name := range []string{"bottom", "top", "left", "right"} {
		fs := legendText(t, rec, name)
		_, maxX := strokesHitting(rec, Palette[i], vg.Rectangle{})
		if fs.Point.X <= maxX {
			t.Errorf("legend entry %q at x = %v, inside the data (which reach x = %v)", name, fs.Point.X, maxX)
		}
	}
	// Forced outside, even when a corner is free.
	rec = record(t, New("rising", "x", "y").Line("a", xs, xs).LegendOutside())
	if _, maxX := strokesHitting(rec, Palette[0], vg.Rectangle{}); legendText(t, rec, "a").Point.X <= maxX {
		t.Error("LegendOutside left the legend inside")
	}
}
