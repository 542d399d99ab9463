package plots

import (
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
)

func TestFigureRendersAndSaves(t *testing.T) {
	xs := make([]float64, 50)
	ys := make([]float64, 50)
	for i := range xs {
		xs[i] = float64(i) / 10
		ys[i] = math.Sin(xs[i])
	}
	f := New("sine", "x (rad)", "sin x").Line("sin", xs, ys).Dashed("zero", xs, make([]float64, 50)).
		Scatter("pts", xs[:5], ys[:5]).Band("band", xs, ys, ys).HLine("one", 1)
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "sine", "x (rad)", "sin x"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	dir := t.TempDir()
	for _, name := range []string{"f.svg", "f.png", "f.pdf"} {
		if err := f.Save(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() < 500 {
			t.Fatalf("%s not written properly: %v", name, err)
		}
	}
	if err := f.Save(filepath.Join(dir, "f.gif")); err == nil {
		t.Fatal("unknown extension must be an error")
	}
}

func TestBadSeriesAreErrors(t *testing.T) {
	cases := map[string]*Figure{
		"length":    New("t", "x", "y").Line("a", []float64{1, 2}, []float64{1}),
		"nan":       New("t", "x", "y").Scatter("a", []float64{1, 2}, []float64{1, math.NaN()}),
		"bins":      New("t", "x", "y").Histogram("h", []float64{1}, 0, false),
		"emptyhist": New("t", "x", "y").Histogram("h", nil, 3, false),
		"logy":      New("t", "x", "y").Line("a", []float64{1, 2}, []float64{1, 2}).YRange(0, 1).LogY(),
	}
	for name, f := range cases {
		if _, err := f.SVG(); err == nil {
			t.Errorf("%s: want an error", name)
		}
		if html := HTML(f); !strings.Contains(html, "#c00") {
			t.Errorf("%s: HTML should show an error box, got %.80s", name, html)
		}
	}
}

func TestHeatmapGridRow(t *testing.T) {
	z := [][]float64{{0, 1, 2}, {3, 4, 5}}
	if _, err := SVG(Heatmap("z", "col", "row", z)); err != nil {
		t.Fatal(err)
	}
	if _, err := SVG(Heatmap("z", "c", "r", [][]float64{{1, 2}, {3}})); err == nil {
		t.Fatal("ragged heatmap must be an error")
	}
	img, err := GrayImage([]float64{0, 0.5, 1, 0.25}, 2, 2, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if g := img.(*image.Gray); g.Pix[2] != 255 || g.Pix[0] != 0 {
		t.Fatalf("GrayImage mapping wrong: %v", g.Pix)
	}
	ig := ImageGrid("imgs", []image.Image{img, img, img}, []string{"a", "b", "c"}, 2)
	if _, err := PNG(ig, 72); err != nil {
		t.Fatal(err)
	}
	if _, err := SVG(ImageGrid("imgs", []image.Image{img}, []string{"a", "b"}, 2)); err == nil {
		t.Fatal("label count mismatch must be an error")
	}
	row := Row{New("a", "x", "y").Line("l", []float64{0, 1}, []float64{0, 1}), Heatmap("z", "c", "r", z)}
	if _, err := SVG(row); err != nil {
		t.Fatal(err)
	}
	w, _ := row.Size()
	if w <= DefaultWidth {
		t.Fatal("a row must be wider than one figure")
	}
}

// Lines draws a family of curves with one legend entry and one colour.
func TestLinesFamilyHasOneLegendEntry(t *testing.T) {
	xs := []float64{0, 1, 2}
	f := New("runs", "x", "y").Lines("repeats", xs, [][]float64{{0, 1, 2}, {0, 1.1, 2.1}, {0, 0.9, 1.9}}).
		Line("other", xs, []float64{2, 1, 0})
	if len(f.slots) != 2 {
		t.Errorf("%d colours used, want 2", len(f.slots))
	}
	svg, err := f.SVG()
	if err != nil || strings.Count(svg, "repeats") != 1 {
		t.Errorf("legend text 'repeats' appears %d times (err %v)", strings.Count(svg, "repeats"), err)
	}
	bad := New("runs", "x", "y").Lines("repeats", xs, [][]float64{{0, 1, 2}, {0, 1}})
	if _, err := bad.SVG(); err == nil {
		t.Error("a family member of the wrong length must be an error")
	}
}

func TestThinKeepsTheEnvelopeOfLongCurves(t *testing.T) {
	n := 100000
	pts := make(plotter.XYs, n)
	for i := range pts {
		pts[i] = plotter.XY{X: float64(i), Y: math.Sin(float64(i) / 5000)}
	}
	pts[31337].Y = 7  // a spike
	pts[77777].Y = -9 // and a dip
	got := thin(pts, maxBuckets)
	if len(got) > 4*maxBuckets || len(got) < maxBuckets {
		t.Fatalf("%d points thinned to %d, want between %d and %d", n, len(got), maxBuckets, 4*maxBuckets)
	}
	if got[0] != pts[0] || got[len(got)-1] != pts[n-1] {
		t.Errorf("the ends must stay: %v … %v", got[0], got[len(got)-1])
	}
	var top, bottom float64
	for i, p := range got {
		if i > 0 && p.X < got[i-1].X {
			t.Fatalf("points out of order at %d", i)
		}
		top, bottom = math.Max(top, p.Y), math.Min(bottom, p.Y)
	}
	if top != 7 || bottom != -9 {
		t.Errorf("the spike and the dip must stay: max %v, min %v", top, bottom)
	}
	// Short curves, and curves whose x goes back, are kept whole.
	if short := pts[:4*maxBuckets]; len(thin(short, maxBuckets)) != len(short) {
		t.Error("a short curve must be kept whole")
	}
	circle := make(plotter.XYs, 5000)
	for i := range circle {
		a := 2 * math.Pi * float64(i) / 5000
		circle[i] = plotter.XY{X: math.Cos(a), Y: math.Sin(a)}
	}
	if len(thin(circle, maxBuckets)) != len(circle) {
		t.Error("a parametric curve must be kept whole")
	}
}

func TestALongHistoryMakesASmallSVG(t *testing.T) {
	xs, ys := make([]float64, 20000), make([]float64, 20000)
	for i := range xs {
		xs[i], ys[i] = float64(i), (1.5+math.Sin(float64(i)))/(1+float64(i)) // noisy, positive
	}
	short, err := New("h", "step", "loss").Line("loss", xs[:2000], ys[:2000]).LogY().SVG()
	if err != nil {
		t.Fatal(err)
	}
	long, err := New("h", "step", "loss").Line("loss", xs, ys).LogY().SVG()
	if err != nil {
		t.Fatal(err)
	}
	// 10 times the points, at most about the size of 2000 of them.
	if len(long) > len(short)*3/2 {
		t.Errorf("20000 points take %d bytes of SVG, 2000 take %d", len(long), len(short))
	}
}
