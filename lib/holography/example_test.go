package holography_test

import (
	"context"
	"fmt"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/holography"
	"github.com/physnb/physnb/lib/holography/blackhole"
)

// Boundary data labelled by the true metric: the true metric's own layers
// classify them without error.
func ExampleGenerate() {
	cfg := holography.DefaultConfig() // the paper's 10 layers from η = 1 to 0.1
	bh := blackhole.Schwarzschild()
	data := holography.MustGenerate(cfg, bh, 50, 1) // 50 positives, 50 negatives
	fmt.Println(data.Len(), "samples,", data.Positives(), "positive")
	fmt.Printf("accuracy of the true metric: %.3f\n", holography.Accuracy(cfg, holography.TrueProfile(cfg, bh), data))
	// Output:
	// 100 samples, 50 positive
	// accuracy of the true metric: 1.000
}

// Bad parameters are refused before any work, with the valid range.
func ExampleTrainExperiment_Validate() {
	e := holography.DefaultTrain()
	e.Epochs = 0
	fmt.Println(e.Validate())
	e = holography.DefaultTrain()
	e.Metric, e.Charge = holography.MetricRN, 2
	fmt.Println(e.Validate())
	// Output:
	// holography: --epochs 0: want at least 1
	// holography: --charge 2: want Q in [0, √3=1.7321)
}

// A small run: the horizon series learned from Schwarzschild data.
func ExampleTrainExperiment_Run() {
	e := holography.DefaultTrain()
	e.Param, e.PerClass, e.Epochs = holography.ParamSeries, 100, 2
	rep, err := e.Run(context.Background(), backend.Must())
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s, %d steps: H error RMS %.0f%% untrained, %.1f%% learned\n", rep.MetricName, rep.Steps, 100*rep.HRelErrRMSInit, 100*rep.HRelErrRMS)
	fmt.Printf("a = %.1f (the best two-term curve, fitted to the truth: a ≈ [2.82 -0.85])\n", rep.Params)
	// Output:
	// horizon series K=2, 6 steps: H error RMS 15% untrained, 0.6% learned
	// a = [2.8 -0.8] (the best two-term curve, fitted to the truth: a ≈ [2.82 -0.85])
}
