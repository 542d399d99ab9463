package transfer

import (
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/plots"
)

// Accuracy returns the final test accuracy of each mode.
func (o *Outcome) Accuracy() map[Mode]float64 {
	acc := map[Mode]float64{}
	for _, r := range o.Results {
		acc[r.Mode] = r.TestAcc
	}
	return acc
}

// Figure plots the test accuracy of each mode by epoch, with the
// pretrained network as it is (zero-shot) as a horizontal line when it was
// scored.
func (o *Outcome) Figure(title string) *plots.Figure {
	fig := plots.New(title, "epoch", "test accuracy (fraction correct)").YRange(0, 1)
	for _, r := range o.Results {
		fig.Line(string(r.Mode), r.History.Column(func(s classify.EpochStats) float64 { return float64(s.Epoch) }),
			r.History.Column(func(s classify.EpochStats) float64 { return s.TestAcc }))
	}
	if o.ZeroShotAcc >= 0 {
		fig.HLine("pretrained network as it is", o.ZeroShotAcc)
	}
	return fig.LegendBottom()
}
