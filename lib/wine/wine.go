// Package wine is the lesson's first classifier: red or white wine from 12
// physico-chemical measurements (UCI Wine Quality, Cortez et al., Decision
// Support Systems 47:547, 2009), with the metrics that judge it and a
// checkpoint round trip. It is the experiment behind `physnb wine` and the
// first two sections of the classification notebook.
//
// The network is a multilayer perceptron, 12 -> 64 (ReLU) -> 1 logit z,
//
//	h = max(0, W1 x + b1),   z = w2 . h + b2,   p(white | x) = sigma(z) = 1/(1 + e^{-z}),
//
// trained on standardised features, z = (x - mu)/sigma with mu and sigma from
// the training part, by minimising the binary cross-entropy
// L = -[y log p + (1-y) log(1-p)] with Adam (package classify).
//
// Example:
//
//	e := wine.Default()
//	e.CheckpointDir = dir // save, restore and compare
//	rep, err := e.Run(ctx, backend.Must())
//	fmt.Print(rep) // accuracy, ROC AUC, confusion matrix, classification report
//	r, err := wine.Restore(backend.Must(), dir) // later: the model, split and scores again
package wine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/data"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

// File is the name of the wine-quality table in the data layer
// (UCI dataset 186, red and white joined with a "type" column).
const File = data.WineQuality

// Load reads the wine table through the data layer: a header, then one
// row per wine with the categorical column "type" (red/white) and the 12
// numeric columns of [FeatureColumns] (the 11 physico-chemical measurements
// and the sensory quality score), in any order. The label is the type,
// encoded like scikit-learn's LabelEncoder (classes sorted: red = 0,
// white = 1); the 12 numeric columns are the features, in the order of
// FeatureColumns. A missing, repeated or unknown column is an error; so is
// any field that is not a finite number. Errors name the file, line and
// column.
func Load(path string) (*classify.Data, error) {
	t, err := data.ReadCSV(path)
	if err != nil {
		return nil, fmt.Errorf("wine: %w", err)
	}
	return fromTable(t)
}

// FeatureColumns are the wine table's numeric columns, the network's inputs
// in this order (the header of UCI's winequality-*.csv).
var FeatureColumns = []string{"fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides",
	"free sulfur dioxide", "total sulfur dioxide", "density", "pH", "sulphates", "alcohol", "quality"}

// fromTable checks the columns of a table read by the data layer and turns
// it into labelled data.
func fromTable(t *data.CSV) (*classify.Data, error) {
	path := t.Path
	if _, err := t.Index(typeColumn); err != nil {
		return nil, fmt.Errorf("wine: %w", err)
	}
	var missing []string
	for _, c := range FeatureColumns {
		if !slices.Contains(t.Header, c) {
			missing = append(missing, fmt.Sprintf("%q", c))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("wine: %s lacks the feature column(s) %s; want %q and the %d features %q",
			path, strings.Join(missing, ", "), typeColumn, len(FeatureColumns), FeatureColumns)
	}
	if extra := t.Without(append([]string{typeColumn}, FeatureColumns...)...); len(extra) > 0 {
		return nil, fmt.Errorf("wine: %s has column(s) %q besides %q and the %d features %q",
			path, extra, typeColumn, len(FeatureColumns), FeatureColumns)
	}
	features := slices.Clone(FeatureColumns)
	x, err := t.Float32s(features...)
	if err != nil {
		return nil, fmt.Errorf("wine: %w", err)
	}
	types, err := t.Column(typeColumn)
	if err != nil {
		return nil, fmt.Errorf("wine: %w", err)
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("wine: %s has no data rows", path)
	}
	classes := slices.Clone(types)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	if !slices.Equal(classes, []string{"red", "white"}) {
		shown := classes[:min(len(classes), 5)]
		return nil, fmt.Errorf("wine: %s: column %q has %d distinct values %q, want the 2 values \"red\" and \"white\"",
			path, typeColumn, len(classes), shown)
	}
	y := make([]int, len(types))
	for i, v := range types {
		y[i] = slices.Index(classes, v)
	}
	d := &classify.Data{X: x, Shape: []int{len(features)}, Y: y, Classes: classes, Name: path, Features: features}
	return d, d.Validate()
}

// MustLoad is [Load] for notebook cells.
func MustLoad(path string) *classify.Data {
	d, err := Load(path)
	if err != nil {
		panic(err)
	}
	return d
}

// typeColumn holds the label.
const typeColumn = "type"

// MLP is the lesson's network: features -> hidden (ReLU) -> 1 logit.
// The lesson's final Sigmoid is applied by the loss and by
// [classify.Classifier.Probabilities], never inside the network, so nobody
// applies it twice.
func MLP(hidden int) classify.ModelFn {
	return func(scope *model.Scope, x *Node) *Node {
		h := activation.Relu(layers.DenseWithBias(scope.In("fc1"), x, hidden))
		return layers.DenseWithBias(scope.In("fc2"), h, 1)
	}
}
