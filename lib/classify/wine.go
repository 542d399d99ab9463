package classify

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
)

// WineFile is the name of the wine-quality table in the data layer
// (UCI dataset 186, red and white joined with a "type" column;
// Cortez et al., Decision Support Systems 47:547, 2009).
const WineFile = "wine/wine-quality-white-and-red.csv"

// LoadWine reads the wine table: a header, then one row per wine with the
// categorical column "type" (red/white) and 12 numeric columns (the 11
// physico-chemical measurements and the sensory quality score). The label is
// the type, encoded like scikit-learn's LabelEncoder (classes sorted:
// red = 0, white = 1); the 12 numeric columns are the features.
func LoadWine(path string) (*Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wine: %w", err)
	}
	defer f.Close()
	d, err := ReadWine(f)
	if err != nil {
		return nil, fmt.Errorf("wine: %s: %w", path, err)
	}
	d.Name = path
	return d, nil
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
var wineTypeColumn = "type"

// ReadWine parses the wine CSV from r; errors name the line and column.
func ReadWine(r io.Reader) (*Data, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	typeCol := -1
	for i, h := range header {
		if strings.TrimSpace(h) == wineTypeColumn {
			typeCol = i
		}
	}
	if typeCol < 0 {
		return nil, fmt.Errorf("header %q has no %q column", strings.Join(header, ","), wineTypeColumn)
	}
	nf := len(header) - 1
	if nf < 1 {
		return nil, fmt.Errorf("header has no feature columns")
	}
	var x []float32
	var types []string
	line := 1
	for {
		rec, err := cr.Read()
		line++
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		for j, field := range rec {
			if j == typeCol {
				types = append(types, strings.TrimSpace(field))
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(field), 32)
			if err != nil {
				return nil, fmt.Errorf("line %d, column %q: %q is not a number", line, header[j], field)
			}
			x = append(x, float32(v))
		}
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("no data rows")
	}
	classSet := map[string]int{}
	for _, t := range types {
		classSet[t] = 0
	}
	classes := make([]string, 0, len(classSet))
	for c := range classSet {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for i, c := range classes {
		classSet[c] = i
	}
	if len(classes) != 2 {
		return nil, fmt.Errorf("column %q has %d distinct values %v, want 2 (red, white)", wineTypeColumn, len(classes), classes)
	}
	y := make([]int, len(types))
	for i, t := range types {
		y[i] = classSet[t]
	}
	d := &Data{X: x, Shape: []int{nf}, Y: y, Classes: classes}
	return d, d.Validate()
}

// WineFeatureNames returns the header's numeric column names.
func WineFeatureNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := csv.NewReader(f).Read()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range h {
		if c != wineTypeColumn {
			out = append(out, c)
		}
	}
	return out, nil
}

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
