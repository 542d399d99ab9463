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
//
// The style every figure gets:
//   - Colours from [Palette] in the order series are added, never in a map's
//     order; a name shared by the figures of a [Row] has one colour in all of
//     them, and [Figure.Colors] fixes colours by name across separate charts.
//   - The legend in a corner of the data area that no series touches, or
//     outside to the right when every corner is taken ([Figure.LegendOutside]
//     forces it out, [Figure.LegendBottom] prefers the lower corners).
//   - Log axes ([Figure.LogY], [Figure.LogX]) that leave out the values they
//     cannot show, say so in the legend ("(2 values ≤ 0 left out)", "(no
//     points)") and draw the rest.
//   - Tick labels as plain numbers with the decimals they need ([Ticks],
//     [LogTicks]): 1000, not 1e+03.
//   - Heat maps with a colour bar of fixed width as tall as the cells,
//     labelled with [HeatmapFigure.ColorLabel].
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
//
// Series are kept as data and drawn when the figure is rendered, so the
// options may come in any order: LogY after the lines works, and on a log
// axis the values it cannot show (zero, negative) are left out with a note in
// the legend instead of failing the figure. Colours come from [Palette] in
// the order the series were added, or by name with [Figure.Colors]; the
// figures of a [Row] share one colour per series name.
type Figure struct {
	p       *plot.Plot
	w, h    vg.Length
	series  []series
	slots   []string // the colour slots in order of addition: one per call, named by its series
	key     []string // names with a fixed colour (Colors), or nil
	err     error
	legend  legendMode
	bottom  bool // prefer the bottom corners for an inside legend
	logX    bool
	logY    bool
	xr, yr  *[2]float64 // fixed ranges
	escaped bool        // Plot() was called: content the legend placement cannot see
}

type seriesKind int

const (
	lineSeries seriesKind = iota
	scatterSeries
	histSeries
	bandSeries
	hlineSeries
)

// series is one drawn element. Its colour is that of slot.
type series struct {
	kind    seriesKind
	name    string // in error messages and notes
	legend  string // legend entry; "" for none
	slot    int
	xs, ys  []float64 // line, scatter; band: xs, lower ys
	hi      []float64 // band: upper values
	y       float64   // hline
	width   vg.Length
	dashes  []vg.Length
	bins    int
	density bool
}

type legendMode int

const (
	legendAuto legendMode = iota
	legendOutside
)

// New starts a figure. Give units in the axis labels, e.g. "distance r (Å)".
func New(title, xLabel, yLabel string) *Figure {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 13
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Label.TextStyle.Font.Size = 11
	p.Y.Label.TextStyle.Font.Size = 11
	p.X.Tick.Marker = Ticks{}
	p.Y.Tick.Marker = Ticks{}
	p.Legend.TextStyle.Font.Size = 10
	grid := plotter.NewGrid()
	p.Add(grid)
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	return &Figure{p: p, w: DefaultWidth, h: DefaultHeight}
}

// Plot gives access to the underlying gonum plot, for what this package does
// not cover (a contour, an extra plotter). What is added there is drawn under
// the figure's own series; the legend of such a figure goes outside the data,
// since its placement cannot see that content.
func (f *Figure) Plot() *plot.Plot {
	f.escaped = true
	return f.p
}

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

// slot opens a colour slot for the series named name and returns its index.
func (f *Figure) slot(name string) int {
	f.slots = append(f.slots, name)
	return len(f.slots) - 1
}

// Colors fixes the colour of series by name: the i-th name gets Palette[i]
// (cycling after the last), whatever order the series are added in, and the
// series not named take the remaining colours in their order of addition.
// Give the same names to every chart of a family (the runs of a study) and
// a series keeps its colour from chart to chart.
func (f *Figure) Colors(names ...string) *Figure {
	f.key = append([]string(nil), names...)
	return f
}

// colors resolves the palette index of every slot: fixed[name] where the
// slot's name is there, otherwise the indices no fixed name holds, in the
// order of the slots.
func colors(slots []string, fixed map[string]int) []int {
	taken := map[int]bool{}
	for _, i := range fixed {
		taken[i%len(Palette)] = true
	}
	var free []int
	for i := range Palette {
		if !taken[i] {
			free = append(free, i)
		}
	}
	if len(free) == 0 {
		for i := range Palette {
			free = append(free, i)
		}
	}
	out := make([]int, len(slots))
	next := 0
	for s, n := range slots {
		if i, ok := fixed[n]; ok {
			out[s] = i % len(Palette)
			continue
		}
		out[s] = free[next%len(free)]
		next++
	}
	return out
}

// keyMap is the palette index of each name of a Colors key.
func keyMap(key []string) map[string]int {
	m := map[string]int{}
	for i, n := range key {
		if _, dup := m[n]; !dup {
			m[n] = i
		}
	}
	return m
}

// check checks a series: equal lengths, finite values. A NaN in a loss curve
// must be seen, not drawn as a gap.
func (f *Figure) check(name string, xs, ys []float64) bool {
	if len(xs) != len(ys) {
		f.fail("series %q has %d x values and %d y values", name, len(xs), len(ys))
		return false
	}
	for i := range xs {
		if !finite(xs[i]) || !finite(ys[i]) {
			f.fail("series %q has a non-finite point (%v, %v) at index %d", name, xs[i], ys[i], i)
			return false
		}
	}
	return true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func clone(v []float64) []float64 { return append([]float64(nil), v...) }

// Line adds a solid line.
func (f *Figure) Line(name string, xs, ys []float64) *Figure {
	return f.line(name, xs, ys, nil)
}

// Lines adds several curves of one kind, such as repeated runs with
// different seeds, in one colour with one legend entry: ten near-identical
// curves read better as one family than as ten legend lines.
func (f *Figure) Lines(name string, xs []float64, yss [][]float64) *Figure {
	for _, ys := range yss {
		if !f.check(name, xs, ys) {
			return f
		}
	}
	slot := f.slot(name)
	for i, ys := range yss {
		legend := ""
		if i == 0 {
			legend = name
		}
		f.series = append(f.series, series{kind: lineSeries, name: name, legend: legend, slot: slot,
			xs: clone(xs), ys: clone(ys), width: vg.Points(1.4)})
	}
	return f
}

// Dashed adds a dashed line, for references (exact solutions, bounds).
func (f *Figure) Dashed(name string, xs, ys []float64) *Figure {
	return f.line(name, xs, ys, []vg.Length{vg.Points(5), vg.Points(3)})
}

func (f *Figure) line(name string, xs, ys []float64, dashes []vg.Length) *Figure {
	if f.check(name, xs, ys) {
		f.series = append(f.series, series{kind: lineSeries, name: name, legend: name, slot: f.slot(name),
			xs: clone(xs), ys: clone(ys), width: vg.Points(1.8), dashes: dashes})
	}
	return f
}

// Scatter adds points.
func (f *Figure) Scatter(name string, xs, ys []float64) *Figure {
	if f.check(name, xs, ys) {
		f.series = append(f.series, series{kind: scatterSeries, name: name, legend: name, slot: f.slot(name),
			xs: clone(xs), ys: clone(ys)})
	}
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
	for i, v := range values {
		if !finite(v) {
			return f.fail("histogram %q: non-finite value %v at index %d", name, v, i)
		}
	}
	f.series = append(f.series, series{kind: histSeries, name: name, legend: name, slot: f.slot(name),
		ys: clone(values), bins: bins, density: density})
	return f
}

// Band adds a shaded region between lo and hi (e.g. min/max or ±σ over seeds).
func (f *Figure) Band(name string, xs, lo, hi []float64) *Figure {
	if len(lo) != len(hi) {
		return f.fail("band %q: %d lower and %d upper values", name, len(lo), len(hi))
	}
	if f.check(name, xs, lo) && f.check(name, xs, hi) {
		f.series = append(f.series, series{kind: bandSeries, name: name, legend: name, slot: f.slot(name),
			xs: clone(xs), ys: clone(lo), hi: clone(hi)})
	}
	return f
}

// HLine adds a horizontal dashed reference line at y (e.g. an exact bound).
func (f *Figure) HLine(name string, y float64) *Figure {
	if !finite(y) {
		return f.fail("reference %q: non-finite value %v", name, y)
	}
	f.series = append(f.series, series{kind: hlineSeries, name: name, legend: name, slot: f.slot(name),
		y: y, width: vg.Points(1.5), dashes: []vg.Length{vg.Points(5), vg.Points(3)}})
	return f
}

// LogY makes the y axis logarithmic. Values it cannot show (zero or
// negative) are left out and the legend says how many; a series left with no
// points is listed as such, and the other series are drawn.
func (f *Figure) LogY() *Figure {
	f.logY = true
	f.p.Y.Scale = plot.LogScale{}
	f.p.Y.Tick.Marker = LogTicks{}
	return f
}

// LogX makes the x axis logarithmic, with the same care as [Figure.LogY].
func (f *Figure) LogX() *Figure {
	f.logX = true
	f.p.X.Scale = plot.LogScale{}
	f.p.X.Tick.Marker = LogTicks{}
	return f
}

// XRange fixes the x axis range.
func (f *Figure) XRange(min, max float64) *Figure {
	f.xr = &[2]float64{min, max}
	return f
}

// YRange fixes the y axis range.
func (f *Figure) YRange(min, max float64) *Figure {
	f.yr = &[2]float64{min, max}
	return f
}

// LegendBottom makes the legend prefer the bottom corners of the data area
// (for curves that rise to the top); like the default placement it moves
// outside the data when it would cover any of them.
func (f *Figure) LegendBottom() *Figure {
	f.bottom = true
	return f
}

// LegendOutside puts the legend to the right of the data area whatever the
// data. By default it goes in a corner of the data area that no series
// touches, and outside when there is none.
func (f *Figure) LegendOutside() *Figure {
	f.legend = legendOutside
	return f
}

// Draw implements [Drawer].
func (f *Figure) Draw(c draw.Canvas) { f.draw(c, keyMap(f.key)) }

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
	if _, grid := d.(*ImageGridFigure); grid {
		return buf.String(), nil // pictures keep their proportions
	}
	return stretchImages(buf.String()), nil
}

// stretchImages makes every image of an SVG document (but an image grid's)
// fill the box it is drawn in, as it does in PNG and PDF: SVG keeps an image's aspect ratio by
// default, which shrinks a colour bar (a 1-pixel-wide image) to a hairline.
func stretchImages(svg string) string {
	return strings.ReplaceAll(svg, "<image ", `<image preserveAspectRatio="none" `)
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

// Draw implements [Drawer]. A series name that appears in several figures
// of the row has one colour in all of them, the one it takes in the first
// (so "validation" looks the same in the loss and the accuracy chart, and
// the others keep the colours they would have alone); a figure with its own
// [Figure.Colors] keeps them.
func (r Row) Draw(c draw.Canvas) {
	count := map[string]int{}
	for _, d := range r {
		if f, ok := d.(*Figure); ok && f.key == nil {
			seen := map[string]bool{}
			for _, n := range f.slots {
				if !seen[n] {
					seen[n] = true
					count[n]++
				}
			}
		}
	}
	shared := map[string]int{} // palette index of each shared name, once a figure fixed it
	x := c.Min.X
	for _, d := range r {
		w, h := d.Size()
		sub := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: c.Max.Y - h}, Max: vg.Point{X: x + w, Y: c.Max.Y}}}
		if f, ok := d.(*Figure); ok && f.key == nil {
			fixed := map[string]int{}
			for n, i := range shared {
				fixed[n] = i
			}
			for s, i := range colors(f.slots, fixed) {
				if n := f.slots[s]; count[n] > 1 {
					if _, done := shared[n]; !done {
						shared[n] = i
					}
				}
			}
			f.draw(sub, shared)
		} else {
			d.Draw(sub)
		}
		x += w
	}
}

func init() {
	// A clean, readable default font for every figure.
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
}
