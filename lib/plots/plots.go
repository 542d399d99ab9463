// Package plots draws the figures of physnb's notebooks and commands with
// gonum/plot, in one consistent style, and shows them inline in a GoNB notebook
// or saves them to files (SVG, PNG or PDF, by extension).
//
// A figure is built line by line and then shown or saved (the package's
// examples run these calls):
//
//	f := plots.New("Metric function", "η", "H(η)")
//	f.Line("learned", eta, hLearned).Dashed("exact 3 coth 3η", eta, hExact)
//	f.Display()               // inline in the notebook (does nothing outside GoNB)
//	err := f.Save("h.svg")    // from the command line
//
// Several figures side by side: plots.Row{f1, f2}.Display(). Images with labels:
// plots.ImageGrid. Two-dimensional data: plots.Heatmap.
//
// Every method checks its input (equal lengths, finite values where required)
// and records the first problem; Display shows it in place of the figure and
// Save and SVG return it, so a bad series never passes silently.
package plots

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Palette is the colour cycle of all physnb figures (colour-blind safe, Okabe-Ito).
var Palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{0, 0, 0, 255},       // black
	color.RGBA{240, 228, 66, 255},  // yellow
}

// Default figure size.
var (
	DefaultWidth  = 16 * vg.Centimeter
	DefaultHeight = 10 * vg.Centimeter
)

// Drawer is anything that can render itself on a canvas: a [Figure], an
// image grid, a heat map. [Row] and [Save] take Drawers.
type Drawer interface {
	// Draw renders on the canvas.
	Draw(c draw.Canvas)
	// Size is the natural size.
	Size() (w, h vg.Length)
	// Err is the first problem found while building, or nil.
	Err() error
}

// Figure is a 2D plot with a title, labelled axes and a legend.
type Figure struct {
	p      *plot.Plot
	w, h   vg.Length
	next   int
	err    error
	legend bool
}

// New starts a figure. Give units in the axis labels, e.g. "distance r (Å)".
func New(title, xLabel, yLabel string) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 13
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Label.TextStyle.Font.Size = 11
	p.Y.Label.TextStyle.Font.Size = 11
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = 10
	grid := plotter.NewGrid()
	p.Add(grid)
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	return &Figure{p: p, w: DefaultWidth, h: DefaultHeight}
}

// Plot gives access to the underlying gonum plot, for what this package does not cover.
func (f *Figure) Plot() *plot.Plot { return f.p }

// Err returns the first problem met while adding series, or nil.
func (f *Figure) Err() error { return f.err }

// Size returns the figure's size.
func (f *Figure) Size() (w, h vg.Length) { return f.w, f.h }

// WithSize sets the size in centimetres.
func (f *Figure) WithSize(widthCm, heightCm float64) *Figure {
	f.w, f.h = vg.Length(widthCm)*vg.Centimeter, vg.Length(heightCm)*vg.Centimeter
	return f
}

func (f *Figure) fail(format string, args ...any) *Figure {
	if f.err == nil {
		f.err = fmt.Errorf("plot %q: "+format, append([]any{f.p.Title.Text}, args...)...)
	}
	return f
}

func (f *Figure) color() color.Color {
	c := Palette[f.next%len(Palette)]
	f.next++
	return c
}

// xy checks a series and returns it as plotter.XYs. Non-finite points are an
// error: a NaN in a loss curve must be seen, not drawn as a gap.
func (f *Figure) xy(name string, xs, ys []float64) (plotter.XYs, bool) {
	if len(xs) != len(ys) {
		f.fail("series %q has %d x values and %d y values", name, len(xs), len(ys))
		return nil, false
	}
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		if !finite(xs[i]) || !finite(ys[i]) {
			f.fail("series %q has a non-finite point (%v, %v) at index %d", name, xs[i], ys[i], i)
			return nil, false
		}
		pts[i].X, pts[i].Y = xs[i], ys[i]
	}
	return pts, true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func (f *Figure) addLegend(name string, thumbs ...plot.Thumbnailer) {
	if name != "" {
		f.p.Legend.Add(name, thumbs...)
		f.legend = true
	}
}

// Line adds a solid line.
func (f *Figure) Line(name string, xs, ys []float64) *Figure {
	return f.line(name, xs, ys, nil)
}

// Lines adds several curves of one kind, such as repeated runs with
// different seeds, in one colour with one legend entry: ten near-identical
// curves read better as one family than as ten legend lines.
func (f *Figure) Lines(name string, xs []float64, yss [][]float64) *Figure {
	c := f.color()
	for i, ys := range yss {
		legend := ""
		if i == 0 {
			legend = name
		}
		if !f.addLine(name, legend, xs, ys, c, vg.Points(1.4), nil) {
			break
		}
	}
	return f
}

// Dashed adds a dashed line, for references (exact solutions, bounds).
func (f *Figure) Dashed(name string, xs, ys []float64) *Figure {
	return f.line(name, xs, ys, []vg.Length{vg.Points(5), vg.Points(3)})
}

func (f *Figure) line(name string, xs, ys []float64, dashes []vg.Length) *Figure {
	f.addLine(name, name, xs, ys, f.color(), vg.Points(1.8), dashes)
	return f
}

// addLine draws one series (named name in error messages) with the legend
// entry legend ("" for none); it reports false after recording an error.
func (f *Figure) addLine(name, legend string, xs, ys []float64, c color.Color, width vg.Length, dashes []vg.Length) bool {
	pts, ok := f.xy(name, xs, ys)
	if !ok {
		return false
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		f.fail("series %q: %v", name, err)
		return false
	}
	l.Color, l.Width, l.Dashes = c, width, dashes
	f.p.Add(l)
	f.addLegend(legend, l)
	return true
}

// Scatter adds points.
func (f *Figure) Scatter(name string, xs, ys []float64) *Figure {
	pts, ok := f.xy(name, xs, ys)
	if !ok {
		return f
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return f.fail("series %q: %v", name, err)
	}
	s.Color = f.color()
	s.Radius = vg.Points(2.2)
	s.Shape = draw.CircleGlyph{}
	f.p.Add(s)
	f.addLegend(name, s)
	return f
}

// Histogram adds a histogram of values with the given number of bins,
// normalised to unit area when density is true.
func (f *Figure) Histogram(name string, values []float64, bins int, density bool) *Figure {
	if bins < 1 {
		return f.fail("histogram %q: bins = %d, need at least 1", name, bins)
	}
	if len(values) == 0 {
		return f.fail("histogram %q: no values", name)
	}
	vs := make(plotter.Values, len(values))
	for i, v := range values {
		if !finite(v) {
			return f.fail("histogram %q: non-finite value %v at index %d", name, v, i)
		}
		vs[i] = v
	}
	h, err := plotter.NewHist(vs, bins)
	if err != nil {
		return f.fail("histogram %q: %v", name, err)
	}
	if density {
		h.Normalize(1)
	}
	c := f.color()
	h.LineStyle.Color = c
	r, g, b, _ := c.RGBA()
	h.FillColor = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 110}
	f.p.Add(h)
	f.addLegend(name, h)
	return f
}

// Band adds a shaded region between lo and hi (e.g. min/max or ±σ over seeds).
func (f *Figure) Band(name string, xs, lo, hi []float64) *Figure {
	if len(lo) != len(hi) {
		return f.fail("band %q: %d lower and %d upper values", name, len(lo), len(hi))
	}
	ptsLo, ok1 := f.xy(name, xs, lo)
	ptsHi, ok2 := f.xy(name, xs, hi)
	if !ok1 || !ok2 {
		return f
	}
	poly := make(plotter.XYs, 0, 2*len(xs))
	poly = append(poly, ptsLo...)
	for i := len(ptsHi) - 1; i >= 0; i-- {
		poly = append(poly, ptsHi[i])
	}
	pg, err := plotter.NewPolygon(poly)
	if err != nil {
		return f.fail("band %q: %v", name, err)
	}
	r, g, b, _ := f.color().RGBA()
	pg.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 70}
	pg.LineStyle.Width = 0
	f.p.Add(pg)
	f.addLegend(name, pg)
	return f
}

// HLine adds a horizontal dashed reference line at y (e.g. an exact bound).
func (f *Figure) HLine(name string, y float64) *Figure {
	if !finite(y) {
		return f.fail("reference %q: non-finite value %v", name, y)
	}
	l := plotter.NewFunction(func(float64) float64 { return y })
	l.Color = f.color()
	l.Width = vg.Points(1.5)
	l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	f.p.Add(l)
	f.addLegend(name, l)
	return f
}

// LogY makes the y axis logarithmic (all y values must be positive).
func (f *Figure) LogY() *Figure {
	f.p.Y.Scale = plot.LogScale{}
	f.p.Y.Tick.Marker = plot.LogTicks{Prec: 3}
	return f
}

// LogX makes the x axis logarithmic.
func (f *Figure) LogX() *Figure {
	f.p.X.Scale = plot.LogScale{}
	f.p.X.Tick.Marker = plot.LogTicks{Prec: 3}
	return f
}

// XRange fixes the x axis range.
func (f *Figure) XRange(min, max float64) *Figure {
	f.p.X.Min, f.p.X.Max = min, max
	return f
}

// YRange fixes the y axis range.
func (f *Figure) YRange(min, max float64) *Figure {
	f.p.Y.Min, f.p.Y.Max = min, max
	return f
}

// LegendBottom moves the legend to the bottom right, off the data.
func (f *Figure) LegendBottom() *Figure {
	f.p.Legend.Top = false
	return f
}

// Draw implements [Drawer].
func (f *Figure) Draw(c draw.Canvas) {
	if f.p.Y.Scale != nil {
		if _, isLog := f.p.Y.Scale.(plot.LogScale); isLog && f.p.Y.Min <= 0 {
			// gonum panics on non-positive log ranges; say why instead.
			f.fail("log y axis needs positive values (minimum is %v)", f.p.Y.Min)
			return
		}
	}
	f.p.Draw(c)
}

// SVG renders any Drawer as an SVG document.
func SVG(d Drawer) (string, error) {
	if err := d.Err(); err != nil {
		return "", err
	}
	w, h := d.Size()
	c := vgsvg.New(w, h)
	if err := safeDraw(d, draw.New(c)); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// PNG renders any Drawer as a PNG image at the given dots per inch.
func PNG(d Drawer, dpi int) ([]byte, error) {
	if err := d.Err(); err != nil {
		return nil, err
	}
	w, h := d.Size()
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	if err := safeDraw(d, draw.New(c)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// safeDraw turns a panic inside gonum's drawing (e.g. an empty log axis) into an error.
func safeDraw(d Drawer, c draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing figure: %v", r)
		}
	}()
	d.Draw(c)
	return d.Err()
}

// SVG renders the figure as SVG.
func (f *Figure) SVG() (string, error) { return SVG(f) }

// Save writes the figure to path; the extension picks the format (.svg, .png, .pdf).
func (f *Figure) Save(path string) error { return Save(f, path) }

// Display shows the figure inline in GoNB. Outside a notebook it does nothing,
// so library code can call it freely. An invalid figure shows its error instead.
func (f *Figure) Display() { Display(f) }

// Save writes any Drawer to path; the extension picks the format (.svg, .png, .pdf).
func Save(d Drawer, path string) error {
	var data []byte
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".svg":
		s, err := SVG(d)
		if err != nil {
			return err
		}
		data = []byte(s)
	case ".png":
		b, err := PNG(d, 150)
		if err != nil {
			return err
		}
		data = b
	case ".pdf":
		if err := d.Err(); err != nil {
			return err
		}
		w, h := d.Size()
		c := vgpdf.New(w, h)
		if err := safeDraw(d, draw.New(c)); err != nil {
			return err
		}
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return err
		}
		data = buf.Bytes()
	default:
		return fmt.Errorf("saving figure to %q: unknown extension %q (use .svg, .png or .pdf)", path, ext)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("saving figure: %w", err)
	}
	return nil
}

// HTML returns the figure as an inline HTML fragment (an SVG), or an error box.
func HTML(d Drawer) string {
	s, err := SVG(d)
	if err != nil {
		return errorBox(err)
	}
	// Drop the XML prolog so the SVG can sit inside HTML.
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	return s
}

func errorBox(err error) string {
	return fmt.Sprintf(`<div style="border:1px solid #c00;padding:6px;color:#c00;font-family:monospace">%s</div>`,
		htmlEscape(err.Error()))
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// Display shows any Drawer inline in GoNB; outside a notebook it does nothing.
func Display(d Drawer) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.DisplayHTML(HTML(d))
	gonbui.Sync() // shown before the cell's program ends, however short the cell
}

// InNotebook reports whether the program runs inside a GoNB cell.
func InNotebook() bool { return gonbui.IsNotebook }

// Row lays several figures side by side.
type Row []Drawer

// Display shows the row inline.
func (r Row) Display() { Display(r) }

// Save writes the row to a file.
func (r Row) Save(path string) error { return Save(r, path) }

// Size implements [Drawer].
func (r Row) Size() (w, h vg.Length) {
	for _, d := range r {
		dw, dh := d.Size()
		w += dw
		h = max(h, dh)
	}
	return w, h
}

// Err implements [Drawer].
func (r Row) Err() error {
	var errs []error
	for _, d := range r {
		if err := d.Err(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Draw implements [Drawer].
func (r Row) Draw(c draw.Canvas) {
	x := c.Min.X
	for _, d := range r {
		w, h := d.Size()
		sub := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: c.Max.Y - h}, Max: vg.Point{X: x + w, Y: c.Max.Y}}}
		d.Draw(sub)
		x += w
	}
}

func init() {
	// A clean, readable default font for every figure.
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
}
