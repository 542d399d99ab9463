package transfer

import (
	"fmt"
	"strings"

	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/plots"
	"github.com/physnb/physnb/lib/transfer/netgraph"
)

// Report is what [Experiment.Run] measured, JSON-tagged as `physnb vision
// transfer --json` prints it; it survives a JSON round trip (the methods
// work from the fields alone), so nb.MustCached can keep it across cells.
//
// A notebook cell reads: Labels and TestImages (the sizes of the training
// and test sets), Features, ZeroShot() (mnist-8 as it is on the digits, -1
// otherwise), Accuracy() (each mode's final test accuracy), Results (per
// mode: Mode, TestAcc, TestLoss, History) and Figure(title) (test accuracy
// by epoch).
type Report struct {
	Target     string `json:"target"`      // the target used (an empty Experiment.Target resolved)
	Model      string `json:"model"`       // the file of the network used
	Features   string `json:"features"`    // the value the head reads
	InputSize  int    `json:"input_size"`  // the images' size at the network's input (0: as loaded)
	Labels     int    `json:"labels"`      // labelled training images
	TestImages int    `json:"test_images"` // held-out test images
	Epochs     int    `json:"epochs"`
	// TestAccuracy is each mode's final test accuracy, keyed by the mode
	// with "_" for "-" (feature_extractor, fine_tune, scratch).
	TestAccuracy map[string]float64 `json:"test_accuracy"`
	// ReferenceMaxAbsDiff is the largest difference from the outputs shipped
	// next to the file, over References (nil: none shipped).
	ReferenceMaxAbsDiff *float64 `json:"reference_max_abs_diff,omitempty"`
	// ZeroShotAccuracy is mnist-8 as it is on the digits' test images, no
	// training (nil otherwise); see [Report.ZeroShot].
	ZeroShotAccuracy   *float64             `json:"zero_shot_accuracy,omitempty"`
	References         []netgraph.Reference `json:"references,omitempty"`
	Results            []Result             `json:"results"` // per mode, with its history epoch by epoch
	Note               string               `json:"note,omitempty"`
	Backend            string               `json:"backend"`
	BackendDescription string               `json:"backend_description"`
	Seconds            float64              `json:"seconds"`
	Experiment         Experiment           `json:"experiment"` // what ran
}

// Accuracy returns the final test accuracy of each mode.
func (r *Report) Accuracy() map[Mode]float64 {
	acc := map[Mode]float64{}
	for _, res := range r.Results {
		acc[res.Mode] = res.TestAcc
	}
	return acc
}

func (r *Report) accuracyJSON() map[string]float64 {
	acc := map[string]float64{}
	for m, a := range r.Accuracy() {
		acc[strings.ReplaceAll(string(m), "-", "_")] = a
	}
	return acc
}

// ZeroShot is the accuracy of mnist-8 as it is on the digits, -1 when it was
// not scored (another model or target).
func (r *Report) ZeroShot() float64 {
	if r.ZeroShotAccuracy == nil {
		return -1
	}
	return *r.ZeroShotAccuracy
}

// Figure plots the test accuracy of each mode by epoch, with the
// pretrained network as it is (zero-shot) as a horizontal line when it was
// scored.
func (r *Report) Figure(title string) *plots.Figure {
	fig := plots.New(title, "epoch", "test accuracy (fraction correct)").YRange(0, 1)
	for _, res := range r.Results {
		fig.Line(string(res.Mode), res.History.Column(func(s classify.EpochStats) float64 { return float64(s.Epoch) }),
			res.History.Column(func(s classify.EpochStats) float64 { return s.TestAcc }))
	}
	if zs := r.ZeroShot(); zs >= 0 {
		fig.HLine("pretrained network as it is", zs)
	}
	return fig.LegendBottom()
}

// Summary is the command's readable report: the reference check, the
// zero-shot accuracy, and each mode's test accuracy.
func (r *Report) Summary() string {
	var s strings.Builder
	if r.ReferenceMaxAbsDiff != nil {
		fmt.Fprintf(&s, "%s reproduces the %d reference outputs shipped with it within %.3g\n", r.Model, len(r.References), *r.ReferenceMaxAbsDiff)
	} else {
		fmt.Fprintf(&s, "%s: no test_data_set_* folders next to it, reference outputs not checked\n", r.Model)
	}
	if zs := r.ZeroShot(); zs >= 0 {
		fmt.Fprintf(&s, "mnist-8 as it is on %d %s test images: accuracy %.4f\n", r.TestImages, r.Target, zs)
	}
	fmt.Fprintf(&s, "%d labelled %s images, features %q, %d epochs, test on %d:\n", r.Labels, r.Target, r.Features, r.Epochs, r.TestImages)
	for _, res := range r.Results {
		fmt.Fprintf(&s, "  %-18s test accuracy %.4f  (test loss %.3f)\n", res.Mode, res.TestAcc, res.TestLoss)
	}
	return s.String()
}
