package plots_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/physnb/physnb/lib/plots"
)

// A figure with a learned curve and the exact one, saved as SVG.
func ExampleNew() {
	eta := make([]float64, 10)
	hExact, hLearned := make([]float64, 10), make([]float64, 10)
	for i := range eta {
		eta[i] = 1 - 0.1*float64(i)
		hExact[i] = 3 / math.Tanh(3*eta[i])
		hLearned[i] = hExact[i] * (1 + 0.01*math.Sin(float64(i)))
	}
	f := plots.New("Metric function", "η", "H(η)")
	f.Line("learned", eta, hLearned).Dashed("exact 3 coth 3η", eta, hExact)
	f.Display() // inline in a notebook; nothing happens outside GoNB
	path := filepath.Join(os.TempDir(), "physnb-example-h.svg")
	defer os.Remove(path)
	fmt.Println(f.Save(path))
	// Output: <nil>
}

// A bad series is recorded, not drawn: the figure says what is wrong.
func ExampleFigure_Err() {
	f := plots.New("Loss", "epoch", "loss").Line("train", []float64{1, 2, 3}, []float64{0.5, math.NaN(), 0.2})
	fmt.Println(f.Err())
	// Output: plot "Loss": series "train" has a non-finite point (2, NaN) at index 1
}

// Two figures side by side.
func ExampleRow() {
	x := []float64{0, 1, 2}
	a := plots.New("a", "x", "y").Line("x", x, x)
	b := plots.New("b", "x", "y").Scatter("x²", x, []float64{0, 1, 4})
	svg, err := plots.SVG(plots.Row{a, b})
	fmt.Println(err, len(svg) > 1000)
	// Output: <nil> true
}

// The charts of a study share their colours by name: "validation" is drawn
// in the second palette colour in both, though the second chart adds it first.
func ExampleFigure_Colors() {
	epochs := []float64{1, 2, 3}
	key := []string{"training", "validation"}
	a := plots.New("Seed 1", "epoch", "loss").Colors(key...).
		Line("training", epochs, []float64{1, 0.5, 0.2}).Line("validation", epochs, []float64{1.2, 0.7, 0.4}).LogY()
	b := plots.New("Seed 2", "epoch", "loss").Colors(key...).
		Line("validation", epochs, []float64{1.1, 0.6, 0.3}).Line("training", epochs, []float64{0.9, 0.4, 0.1}).LogY()
	_, err := plots.SVG(plots.Row{a, b})
	fmt.Println(err)
	// Output: <nil>
}

// On a log axis a series with nothing to show is listed, not fatal: no step
// was halved in this run.
func ExampleFigure_LogY() {
	epochs := []float64{1, 2, 3}
	f := plots.New("Losses", "epoch", "loss").Line("validation", epochs, []float64{1, 0.5, 0.25}).
		Scatter("step halved", nil, nil).LogY()
	svg, err := f.SVG()
	fmt.Println(err, strings.Contains(svg, "step halved (no points)"))
	// Output: <nil> true
}
