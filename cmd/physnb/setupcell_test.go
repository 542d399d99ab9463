package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/notebooks"
)

// notebookFile is the part of a stored notebook these tests read.
type notebookFile struct {
	Cells []struct {
		CellType string            `json:"cell_type"`
		Source   json.RawMessage   `json:"source"`
		Outputs  []json.RawMessage `json:"outputs"`
	} `json:"cells"`
	Metadata struct {
		Kernelspec struct {
			Name string `json:"name"`
		} `json:"kernelspec"`
	} `json:"metadata"`
}

// eachNotebook calls check with the name and content of every notebook of the checkout.
func eachNotebook(t *testing.T, check func(name string, nb *notebookFile)) {
	root, err := notebooks.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	paths, err := notebooks.Find(filepath.Join(root, "notebooks"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var nb notebookFile
		if err := json.Unmarshal(b, &nb); err != nil {
			t.Errorf("%s: not a valid notebook: %v", p, err)
			continue
		}
		check(filepath.Base(p), &nb)
	}
}

// TestNotebooksShareSetupCell checks every notebook's first cell (the one that
// lets GoNB's scratch module import this checkout's library, identical
// everywhere), its kernel, and that it is stored without outputs (the HTML
// gallery carries them).
func TestNotebooksShareSetupCell(t *testing.T) {
	eachNotebook(t, func(name string, nb *notebookFile) {
		if len(nb.Cells) == 0 || nb.Cells[0].CellType != "code" || notebooks.JoinSource(nb.Cells[0].Source) != notebooks.SetupCell {
			t.Errorf("%s: the first cell must be the setup cell\n  %s", name, notebooks.SetupCell)
		}
		if k := nb.Metadata.Kernelspec.Name; k != "physnb-cpu" {
			t.Errorf("%s: kernel %q, want physnb-cpu", name, k)
		}
		for i, c := range nb.Cells {
			if len(c.Outputs) > 0 {
				t.Errorf("%s: cell %d is stored with outputs; clear them before committing", name, i+1)
			}
		}
	})
}

// maxCellLines is the longest code cell a notebook may have: longer code
// belongs in lib/, where it is tested, and the cell calls it.
const maxCellLines = 40

// homeMadeState matches code that keeps results between cells by hand (a
// folder of its own, JSON or gob files); notebooks use nb.Cached and nb.Dir.
var homeMadeState = regexp.MustCompile(`GONB_TMP_DIR|os\.TempDir\(\)|os\.Getppid\(\)|encoding/gob|json\.(Marshal|Unmarshal)|os\.(WriteFile|ReadFile|Create|MkdirAll)\(`)

// TestNotebookCellsAreShortAndKeepNoStateOfTheirOwn: no code cell is longer
// than maxCellLines lines, and none keeps results between cells in files of
// its own.
func TestNotebookCellsAreShortAndKeepNoStateOfTheirOwn(t *testing.T) {
	eachNotebook(t, func(name string, nb *notebookFile) {
		for i, c := range nb.Cells {
			if c.CellType != "code" {
				continue
			}
			src := notebooks.JoinSource(c.Source)
			if n := len(strings.Split(strings.TrimRight(src, "\n"), "\n")); n > maxCellLines {
				t.Errorf("%s: cell %d has %d lines, more than %d: move its logic into lib/", name, i+1, n, maxCellLines)
			}
			if m := homeMadeState.FindString(src); m != "" {
				t.Errorf("%s: cell %d keeps state of its own (%s): use nb.Cached or nb.Dir", name, i+1, m)
			}
		}
	})
}
