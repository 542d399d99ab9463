package plots

import (
	"image"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Named ticks replace the indices of both axes; a name count that does not
// match the matrix is an error naming the axis.
func TestHeatmapNames(t *testing.T) {
	z := [][]float64{{5, 1, 0}, {2, 7, 1}}
	s, err := SVG(Heatmap("cm", "predicted", "true", z).Names([]string{"cat", "dog", "eel"}, []string{"cat", "dog"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{">cat<", ">dog<", ">eel<"} {
		if !strings.Contains(s, name) {
			t.Errorf("tick label %s missing", name)
		}
	}
	err = Heatmap("cm", "x", "y", z).Names([]string{"cat", "dog"}, nil).Err()
	if err == nil || !strings.Contains(err.Error(), "2 column names for 3 columns") {
		t.Errorf("wrong column count: error %v", err)
	}
	if err := Heatmap("cm", "x", "y", z).Names(nil, []string{"a"}).Err(); err == nil {
		t.Error("one row name for two rows accepted")
	}
}

// Every cell's value is written once in the given format, in white on the
// dark ends of the blue-red map (0 and 1 here) and in the default black on
// its light middle (0.5).
func TestHeatmapValues(t *testing.T) {
	s, err := SVG(Heatmap("v", "x", "y", [][]float64{{0, 0.5, 1}}).Values("%.2f"))
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`style="([^"]*)">([0-9.]+)</text>`)
	fill := map[string]string{}
	for _, m := range text.FindAllStringSubmatch(s, -1) {
		if strings.Contains(m[2], ".") && len(m[2]) == 4 { // the cell values, not the colour bar's ticks
			fill[m[2]] = regexp.MustCompile(`fill:(#[0-9A-F]+)`).FindString(m[1])
		}
	}
	want := map[string]string{"0.00": "fill:#FFFFFF", "0.50": "", "1.00": "fill:#FFFFFF"}
	for v, f := range want {
		got, ok := fill[v]
		if !ok {
			t.Errorf("value %s not written: %v", v, fill)
		} else if got != f {
			t.Errorf("value %s drawn with %q, want %q", v, got, f)
		}
	}
}

// The hand-checked ends: black is dark, white is light.
func TestLuminance(t *testing.T) {
	black, white := image.Black.C, image.White.C
	if luminance(black) != 0 || math.Abs(luminance(white)-1) > 1e-12 {
		t.Errorf("luminance black %v, white %v", luminance(black), luminance(white))
	}
}

// Image grids ask browsers for sharp pixels, inline and in saved SVG files.
func TestImageGridPixelated(t *testing.T) {
	img, err := GrayImage([]float64{0, 1, 1, 0}, 2, 2, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	ig := ImageGrid("checks", []image.Image{img, img, img}, []string{"a", "b", "c"}, 2)
	s, err := ig.SVG()
	if err != nil {
		t.Fatal(err)
	}
	if n, m := strings.Count(s, "<image "), strings.Count(s, `<image style="image-rendering:pixelated" `); n != 3 || m != 3 {
		t.Errorf("%d images, %d of them pixelated; want 3 and 3", n, m)
	}
	path := filepath.Join(t.TempDir(), "grid.svg")
	if err := ig.Save(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "image-rendering:pixelated") {
		t.Errorf("saved SVG is not pixelated (err %v)", err)
	}
	if err := ig.Save(filepath.Join(t.TempDir(), "grid.png")); err != nil {
		t.Errorf("saving as PNG: %v", err)
	}
}

// The colour bar: its label is drawn, its strip is ColorBarWidth wide and as
// tall as the cells, whatever the figure's width.
func TestHeatmapColorBar(t *testing.T) {
	z := [][]float64{{0, 1, 2}, {3, 4, 5}}
	for _, widthCm := range []float64{10, 14, 24} {
		hm := Heatmap("z", "column", "row", z).ColorLabel("counts per cell")
		hm.w = vg.Length(widthCm) * vg.Centimeter
		s, err := SVG(hm)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(s, "<image "); n == 0 || strings.Count(s, `<image preserveAspectRatio="none" `) != n {
			t.Errorf("width %g cm: the colour bar's image keeps its aspect ratio in SVG (a hairline)", widthCm)
		}
		if !strings.Contains(s, "counts per cell") {
			t.Errorf("width %g cm: the colour bar's label is missing", widthCm)
		}
		c := draw.New(vgsvg.New(hm.Size()))
		left, bar := hm.layout(c)
		strip, cells := hm.bar.DataCanvas(bar), hm.main.DataCanvas(left)
		if w := strip.Size().X; math.Abs(float64(w-ColorBarWidth)) > 0.01 {
			t.Errorf("width %g cm: strip %.2f pt wide, want %.2f", widthCm, w, ColorBarWidth)
		}
		if math.Abs(float64(strip.Min.Y-cells.Min.Y)) > 0.01 || math.Abs(float64(strip.Max.Y-cells.Max.Y)) > 0.01 {
			t.Errorf("width %g cm: strip spans y %v-%v, cells %v-%v", widthCm, strip.Min.Y, strip.Max.Y, cells.Min.Y, cells.Max.Y)
		}
		if bar.Min.X < left.Max.X {
			t.Errorf("width %g cm: the bar overlaps the cells' plot", widthCm)
		}
	}
	// Whole-index ticks, not -0.5, 0.5, ...
	if got := labels(indexTicks{}.Ticks(-0.5, 2.5)); !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Errorf("index ticks over [-0.5, 2.5]: %q", got)
	}
	if got := labels(indexTicks{}.Ticks(-0.5, 39.5)); !slices.Equal(got, []string{"0", "5", "10", "15", "20", "25", "30", "35"}) {
		t.Errorf("index ticks over [-0.5, 39.5]: %q", got)
	}
}
