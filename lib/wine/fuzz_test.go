package wine

// FuzzLoad runs on its seed corpus in every `go test`; to fuzz it longer:
//
//	GOEXPERIMENT=simd go test -run='^$' -fuzz='^FuzzLoad$' -fuzztime=5m -parallel=1 ./lib/wine/

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/data"
)

// realHead returns the header and first rows of the real wine table, or
// nil when the shared data folder is absent.
func realHead(rows int) []byte {
	dirs := append(filepath.SplitList(os.Getenv(data.EnvVar)), filepath.Join("..", "..", "..", "shared", "data"))
	for _, d := range dirs {
		f, err := os.Open(filepath.Join(d, filepath.FromSlash(File)))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
		f.Close()
		lines := bytes.SplitAfter(b, []byte("\n"))
		if len(lines) > rows+1 {
			return bytes.Join(lines[:rows+1], nil)
		}
	}
	return nil
}

func FuzzLoad(f *testing.F) {
	full := append([]string{"type"}, FeatureColumns...)
	nf := len(FeatureColumns)
	f.Add([]byte(wineCSV(full, row("white", 1, nf), row("red", 2, nf))))
	f.Add([]byte(wineCSV(append(slices.Clone(full[:nf]), "pH"), row("white", 1, nf), row("red", 2, nf))))
	f.Add([]byte(wineCSV(full[:nf], row("white", 1, nf-1), row("red", 2, nf-1))))
	f.Add([]byte(wineCSV(full, row("white", 1, nf), row("red", 2, nf)) + "red,1e39" + strings.Repeat(",1", nf-1) + "\n"))
	if b := realHead(6); b != nil {
		f.Add(b)
		// The real head holds only white wines: add a red one, as the table's end has.
		f.Add(append(slices.Clone(b), "red,7.4,0.7,0,1.9,0.076,11,34,0.9978,3.51,0.56,9.4,5\n"...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		tab, err := data.ParseCSV(bytes.NewReader(in), "fuzz.csv")
		if err != nil {
			return
		}
		d, err := fromTable(tab)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		// A table that loads has exactly the lesson's columns, two classes
		// and finite features.
		for _, c := range full {
			if !slices.Contains(tab.Header, c) {
				t.Fatalf("loaded a table without column %q", c)
			}
		}
		if len(tab.Header) != len(full) {
			t.Fatalf("loaded a table with columns %q", tab.Header)
		}
		if !slices.Equal(d.Features, FeatureColumns) || !slices.Equal(d.Shape, []int{nf}) {
			t.Fatalf("features %q, shape %v", d.Features, d.Shape)
		}
		if !slices.Equal(d.Classes, []string{"red", "white"}) {
			t.Fatalf("classes %q", d.Classes)
		}
		if len(d.Y) != tab.Len() || len(d.X) != nf*len(d.Y) {
			t.Fatalf("%d labels, %d features for %d rows", len(d.Y), len(d.X), tab.Len())
		}
		types, _ := tab.Column("type")
		for i, y := range d.Y {
			if d.Classes[y] != types[i] {
				t.Fatalf("row %d: type %q labelled %q", i, types[i], d.Classes[y])
			}
		}
		for _, v := range d.X {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("feature value %v", v)
			}
		}
	})
}
