package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HeatmapFigure is a 2D array of values drawn as coloured cells with a colour bar.
type HeatmapFigure struct {
	main, bar *plot.Plot
	z         [][]float64
	colors    palette.ColorMap
	w, h      vg.Length
	err       error
}

// grid adapts a row-major matrix to gonum's GridXYZ: row r is drawn at y = r,
// column c at x = c (row 0 at the bottom, as in a matrix plotted with origin lower).
type grid struct{ z [][]float64 }

func (g grid) Dims() (c, r int)   { return len(g.z[0]), len(g.z) }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }
func (g grid) minMax() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, row := range g.z {
		for _, v := range row {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return
}

// Heatmap draws z (z[row][col], rows of equal length) with a diverging colour
// map and a colour bar beside it, as tall as the cells and [ColorBarWidth]
// wide; name its quantity with [HeatmapFigure.ColorLabel]. Cell (row, col) is
// centred at (col, row), and the axes are ticked at whole indices.
func Heatmap(title, xLabel, yLabel string, z [][]float64) *HeatmapFigure {
	hm := &HeatmapFigure{w: 14 * vg.Centimeter, h: 11 * vg.Centimeter}
	if len(z) == 0 || len(z[0]) == 0 {
		hm.err = fmt.Errorf("heatmap %q: empty matrix", title)
		return hm
	}
	for r, row := range z {
		if len(row) != len(z[0]) {
			hm.err = fmt.Errorf("heatmap %q: row %d has %d values, row 0 has %d", title, r, len(row), len(z[0]))
			return hm
		}
		for c, v := range row {
			if !finite(v) {
				hm.err = fmt.Errorf("heatmap %q: non-finite value %v at (%d, %d)", title, v, r, c)
				return hm
			}
		}
	}
	g := grid{z}
	lo, hi := g.minMax()
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	cm := moreland.SmoothBlueRed()
	cm.SetMin(lo)
	cm.SetMax(hi)
	pal := cm.Palette(255)
	h := plotter.NewHeatMap(g, pal)
	h.Min, h.Max = lo, hi
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 13
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Label.TextStyle.Font.Size, p.Y.Label.TextStyle.Font.Size = 11, 11
	p.X.Tick.Marker, p.Y.Tick.Marker = indexTicks{}, indexTicks{}
	p.Add(h)
	bar := plot.New()
	cb := &plotter.ColorBar{ColorMap: cm, Vertical: true}
	bar.Add(cb)
	bar.HideX()
	bar.Y.Padding = 0
	bar.Y.Tick.Marker = Ticks{}
	bar.Y.Label.TextStyle.Font.Size = 11
	hm.main, hm.bar, hm.z, hm.colors = p, bar, z, cm
	return hm
}

// ColorBarWidth is the width of a heat map's colour strip (its ticks and
// label come beside it).
var ColorBarWidth = 0.5 * vg.Centimeter

// ColorLabel names the quantity the colours stand for, written along the
// colour bar, with units: "fraction of the class", "|H_αβ|".
func (hm *HeatmapFigure) ColorLabel(label string) *HeatmapFigure {
	if hm.err == nil {
		hm.bar.Y.Label.Text = label
	}
	return hm
}

// indexTicks ticks an axis of matrix indices at whole numbers, every 1, 2,
// 5, 10, ... so that at most 10 are labelled.
type indexTicks struct{}

// Ticks implements plot.Ticker.
func (indexTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	step := 1.0
	for k := 0; (hi-lo)/step+1 > 10; k++ {
		step = []float64{2, 5, 10}[k%3] * math.Pow10(k/3)
	}
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ts
}

// Names labels the columns (x axis) and rows (y axis) with names instead of
// their indices, e.g. the classes of a confusion matrix. Either may be nil.
func (hm *HeatmapFigure) Names(cols, rows []string) *HeatmapFigure {
	if hm.err != nil {
		return hm
	}
	for _, a := range []struct {
		axis  *plot.Axis
		names []string
		n     int
		what  string
	}{{&hm.main.X, cols, len(hm.z[0]), "column"}, {&hm.main.Y, rows, len(hm.z), "row"}} {
		if a.names == nil {
			continue
		}
		if len(a.names) != a.n {
			hm.err = fmt.Errorf("heatmap %q: %d %s names for %d %ss", hm.main.Title.Text, len(a.names), a.what, a.n, a.what)
			return hm
		}
		ticks := make([]plot.Tick, a.n)
		for i, name := range a.names {
			ticks[i] = plot.Tick{Value: float64(i), Label: name}
		}
		a.axis.Tick.Marker = plot.ConstantTicks(ticks)
	}
	if crowded(cols, hm.w) {
		// Slanted column names, so that long class names do not overlap.
		lbl := &hm.main.X.Tick.Label
		lbl.Rotation, lbl.XAlign, lbl.YAlign = math.Pi/5, draw.XRight, draw.YTop
	}
	return hm
}

// crowded reports whether names written side by side would overlap in a
// figure of width w (about 0.6 em per character at the tick font size).
func crowded(names []string, w vg.Length) bool {
	chars := 0
	for _, n := range names {
		chars = max(chars, len([]rune(n)))
	}
	return vg.Length(len(names)*(chars+1))*0.6*vg.Points(10) > 0.75*w
}

// Values writes each cell's value in the cell, formatted with format (as
// fmt.Sprintf, e.g. "%.0f" for counts or "%.2f"), in black on light cells and
// white on dark ones.
func (hm *HeatmapFigure) Values(format string) *HeatmapFigure {
	if hm.err != nil {
		return hm
	}
	var xyl plotter.XYLabels
	for r, row := range hm.z {
		for c, v := range row {
			xyl.XYs = append(xyl.XYs, plotter.XY{X: float64(c), Y: float64(r)})
			xyl.Labels = append(xyl.Labels, fmt.Sprintf(format, v))
		}
	}
	labels, err := plotter.NewLabels(xyl)
	if err != nil {
		hm.err = fmt.Errorf("heatmap %q: %w", hm.main.Title.Text, err)
		return hm
	}
	for i := range labels.TextStyle {
		st := &labels.TextStyle[i]
		st.XAlign, st.YAlign = draw.XCenter, draw.YCenter
		st.Font = hm.main.X.Tick.Label.Font
		st.Color = color.Black
		if cellColor, err := hm.colors.At(hm.z[int(xyl.XYs[i].Y)][int(xyl.XYs[i].X)]); err == nil && luminance(cellColor) < 0.45 {
			st.Color = color.White
		}
	}
	hm.main.Add(labels)
	return hm
}

// luminance is the relative brightness of c in [0, 1] (ITU-R BT.601 weights).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 0xffff
}

// Err implements [Drawer].
func (hm *HeatmapFigure) Err() error { return hm.err }

// Size implements [Drawer].
func (hm *HeatmapFigure) Size() (w, h vg.Length) { return hm.w, hm.h }

// Draw implements [Drawer].
func (hm *HeatmapFigure) Draw(c draw.Canvas) {
	if hm.err != nil {
		return
	}
	left, bar := hm.layout(c)
	hm.main.Draw(left)
	hm.bar.Draw(bar)
}

// layout splits the canvas into the cells' plot and the colour bar's: the bar
// is ColorBarWidth wide beside its ticks and label, and its strip spans
// exactly the height of the cells.
func (hm *HeatmapFigure) layout(c draw.Canvas) (left, bar draw.Canvas) {
	trial := c
	trial.Max.X = c.Min.X + 6*vg.Centimeter
	axis := trial.Size().X - hm.bar.DataCanvas(trial).Size().X // the bar's ticks and label
	gap := 0.4 * vg.Centimeter
	left = c
	left.Max.X -= axis + ColorBarWidth + gap
	cells := hm.main.DataCanvas(left)
	bar = draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: c.Max.X - axis - ColorBarWidth, Y: cells.Min.Y}, Max: vg.Point{X: c.Max.X, Y: cells.Max.Y}}}
	strip := hm.bar.DataCanvas(bar)
	bar.Min.Y -= strip.Min.Y - bar.Min.Y // undo the bar plot's own padding
	bar.Max.Y += bar.Max.Y - strip.Max.Y
	return left, bar
}

// Display shows the heat map inline in GoNB.
func (hm *HeatmapFigure) Display() { Display(hm) }

// Save writes the heat map to a file.
func (hm *HeatmapFigure) Save(path string) error { return Save(hm, path) }

// ImageGridFigure is a grid of images with a caption under each.
type ImageGridFigure struct {
	title string
	plots [][]*plot.Plot
	w, h  vg.Length
	err   error
}

// ImageGrid lays out images in rows of cols, each captioned by its label
// (labels may be nil). Small images (8x8 digits, 28x28 clothes) are scaled up
// without smoothing so pixels stay visible.
func ImageGrid(title string, images []image.Image, labels []string, cols int) *ImageGridFigure {
	ig := &ImageGridFigure{title: title}
	if len(images) == 0 {
		ig.err = fmt.Errorf("image grid %q: no images", title)
		return ig
	}
	if labels != nil && len(labels) != len(images) {
		ig.err = fmt.Errorf("image grid %q: %d images but %d labels", title, len(images), len(labels))
		return ig
	}
	if cols < 1 {
		cols = min(len(images), 8)
	}
	rows := (len(images) + cols - 1) / cols
	ig.plots = make([][]*plot.Plot, rows)
	for r := range rows {
		ig.plots[r] = make([]*plot.Plot, cols)
		for c := range cols {
			i := r*cols + c
			p := plot.New()
			p.HideAxes()
			if i < len(images) {
				b := images[i].Bounds()
				p.Add(plotter.NewImage(images[i], 0, 0, float64(b.Dx()), float64(b.Dy())))
				if labels != nil {
					p.Title.Text = labels[i]
					p.Title.TextStyle.Font.Size = 9
				}
			}
			ig.plots[r][c] = p
		}
	}
	cell := 2.6 * vg.Centimeter
	ig.w, ig.h = cell*vg.Length(cols), cell*vg.Length(rows)+vg.Centimeter
	return ig
}

// Err implements [Drawer].
func (ig *ImageGridFigure) Err() error { return ig.err }

// Size implements [Drawer].
func (ig *ImageGridFigure) Size() (w, h vg.Length) { return ig.w, ig.h }

// Draw implements [Drawer].
func (ig *ImageGridFigure) Draw(c draw.Canvas) {
	if ig.err != nil {
		return
	}
	titleH := vg.Centimeter
	c.FillText(draw.TextStyle{Color: color.Black, Font: titleFont(),
		XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler},
		vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - vg.Points(4)}, ig.title)
	body := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: c.Min, Max: vg.Point{X: c.Max.X, Y: c.Max.Y - titleH}}}
	tiles := draw.Tiles{Rows: len(ig.plots), Cols: len(ig.plots[0]), PadX: vg.Millimeter, PadY: vg.Millimeter}
	canvases := plot.Align(ig.plots, tiles, body)
	for r := range ig.plots {
		for col := range ig.plots[r] {
			ig.plots[r][col].Draw(canvases[r][col])
		}
	}
}

// Display shows the grid inline in GoNB, with the images drawn as sharp
// pixels (browsers smooth an upscaled image unless told otherwise).
func (ig *ImageGridFigure) Display() {
	if InNotebook() {
		gonbui.DisplayHTML(pixelated(HTML(ig)))
	}
}

// SVG renders the grid as SVG with sharp pixels.
func (ig *ImageGridFigure) SVG() (string, error) {
	s, err := SVG(ig)
	return pixelated(s), err
}

// Save writes the grid to a file; an SVG file keeps sharp pixels.
func (ig *ImageGridFigure) Save(path string) error {
	if strings.ToLower(filepath.Ext(path)) != ".svg" {
		return Save(ig, path)
	}
	s, err := ig.SVG()
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

// pixelated asks for nearest-neighbour scaling of every image in an SVG
// document (CSS image-rendering; gonum's SVG canvas writes plain <image>s).
func pixelated(svg string) string {
	return strings.ReplaceAll(svg, "<image ", `<image style="image-rendering:pixelated" `)
}

// GrayImage turns a row-major array of h*w intensities into an image, mapping
// [lo, hi] to black..white (values outside are clipped).
func GrayImage(pixels []float64, h, w int, lo, hi float64) (image.Image, error) {
	if len(pixels) != h*w {
		return nil, fmt.Errorf("GrayImage: %d pixels for a %dx%d image", len(pixels), h, w)
	}
	if !(hi > lo) {
		return nil, fmt.Errorf("GrayImage: range [%v, %v] is empty", lo, hi)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range pixels {
		t := (v - lo) / (hi - lo)
		img.Pix[i] = uint8(math.Round(255 * math.Max(0, math.Min(1, t))))
	}
	return img, nil
}

var _ palette.Palette = moreland.SmoothBlueRed().Palette(2)

func titleFont() font.Font {
	f := plot.DefaultFont
	f.Size = 13
	return f
}
