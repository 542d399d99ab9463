package classify

import (
	"fmt"
	"slices"

	"github.com/physnb/physnb/lib/data"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

// WineFile is the name of the wine-quality table in the data layer
// (UCI dataset 186, red and white joined with a "type" column;
// Cortez et al., Decision Support Systems 47:547, 2009).
const WineFile = data.WineQuality

// LoadWine reads the wine table through the data layer: a header, then one
// row per wine with the categorical column "type" (red/white) and 12 numeric
// columns (the 11 physico-chemical measurements and the sensory quality
// score). The label is the type, encoded like scikit-learn's LabelEncoder
// (classes sorted: red = 0, white = 1); the 12 numeric columns are the
// features. Errors name the file, line and column.
func LoadWine(path string) (*Data, error) {
	t, err := data.ReadCSV(path)
	if err != nil {
		return nil, fmt.Errorf("wine: %w", err)
	}
	if _, err := t.Index(wineTypeColumn); err != nil {
		return nil, fmt.Errorf("wine: %s: %w", path, err)
	}
	features := t.Without(wineTypeColumn)
	if len(features) == 0 {
		return nil, fmt.Errorf("wine: %s has no feature columns", path)
	}
	x, err := t.Float32s(features...)
	if err != nil {
		return nil, fmt.Errorf("wine: %w", err)
	}
	types, err := t.Column(wineTypeColumn)
	if err != nil {
		return nil, fmt.Errorf("wine: %w", err)
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("wine: %s has no data rows", path)
	}
	classes := slices.Clone(types)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	if len(classes) != 2 {
		return nil, fmt.Errorf("wine: %s: column %q has %d distinct values %v, want 2 (red, white)", path, wineTypeColumn, len(classes), classes)
	}
	y := make([]int, len(types))
	for i, v := range types {
		y[i] = slices.Index(classes, v)
	}
	d := &Data{X: x, Shape: []int{len(features)}, Y: y, Classes: classes, Name: path, Features: features}
	return d, d.Validate()
}

// MustLoadWine is [LoadWine] for notebook cells.
func MustLoadWine(path string) *Data {
	d, err := LoadWine(path)
	if err != nil {
		panic(err)
	}
	return d
}

// wineTypeColumn holds the label.
const wineTypeColumn = "type"

// WineMLP is the lesson's network: features -> hidden (ReLU) -> 1 logit.
// The lesson's final Sigmoid is applied by the loss and by
// [Classifier.Probabilities], never inside the network, so nobody applies it
// twice.
func WineMLP(hidden int) ModelFn {
	return func(scope *model.Scope, x *Node) *Node {
		h := activation.Relu(layers.DenseWithBias(scope.In("fc1"), x, hidden))
		return layers.DenseWithBias(scope.In("fc2"), h, 1)
	}
}
