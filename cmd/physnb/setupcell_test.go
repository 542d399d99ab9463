package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/physnb/physnb/lib/notebooks"
)

// setupCell is the first cell of every notebook: it lets GoNB's scratch module
// import this checkout's library. It must stay identical everywhere.
const setupCell = notebooks.SetupCell

// TestNotebooksShareSetupCell checks every notebook's first cell, its kernel,
// and that it is stored without outputs (the HTML gallery carries them).
func TestNotebooksShareSetupCell(t *testing.T) {
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
		var nb struct {
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
		if err := json.Unmarshal(b, &nb); err != nil {
			t.Errorf("%s: not a valid notebook: %v", p, err)
			continue
		}
		name := filepath.Base(p)
		if len(nb.Cells) == 0 || nb.Cells[0].CellType != "code" || notebooks.JoinSource(nb.Cells[0].Source) != setupCell {
			t.Errorf("%s: the first cell must be the setup cell\n  %s", name, setupCell)
		}
		if k := nb.Metadata.Kernelspec.Name; k != "physnb-cpu" {
			t.Errorf("%s: kernel %q, want physnb-cpu", name, k)
		}
		for i, c := range nb.Cells {
			if len(c.Outputs) > 0 {
				t.Errorf("%s: cell %d is stored with outputs; clear them before committing", name, i+1)
			}
		}
	}
}
