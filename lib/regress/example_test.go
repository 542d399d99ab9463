package regress_test

import (
	"fmt"
	"math"

	"github.com/physnb/physnb/lib/num"
	"github.com/physnb/physnb/lib/regress"
)

// Fit sin(x) on [0, π] and predict between the training points.
func Example() {
	xs := num.Linspace(0, math.Pi, 64)
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = math.Sin(x)
	}
	fit, err := regress.New().Hidden(32, 32).Steps(1500).Quiet().Fit(xs, ys)
	if err != nil {
		fmt.Println(err)
		return
	}
	pred, err := fit.Predict([]float64{math.Pi / 2})
	fmt.Println(err, math.Abs(pred[0]-1) < 0.05)
	// Output: <nil> true
}
