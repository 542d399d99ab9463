package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/data"
)

// TestDataVerify: a corrupted and a truncated copy make `data verify` fail
// naming both files; an empty folder fails naming the missing ones.
func TestDataVerify(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PHYSNB_DATA", dir)
	write := func(name, content string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("holography/qcd-chiral-condensate.csv", strings.Repeat("x", 136)) // right size, wrong bytes
	write("wine/winequality.names", "short")
	var r data.Report
	err := runJSON(t, runData, &r, "verify")
	if err == nil {
		t.Fatal("verify passed with corrupted files")
	}
	status := map[string]string{}
	for _, f := range r.Files {
		status[f.Name] = f.Status
	}
	if status["holography/qcd-chiral-condensate.csv"] != "wrong checksum" || status["wine/winequality.names"] != "wrong size" ||
		status["digits/digits.csv.gz"] != "missing" {
		t.Errorf("statuses %v", status)
	}
	failed := strings.Join(r.Failed, " ")
	for _, n := range []string{"holography/qcd-chiral-condensate.csv", "wine/winequality.names", "digits/digits.csv.gz"} {
		if !strings.Contains(failed, n) {
			t.Errorf("failed list %q does not name %s", failed, n)
		}
	}
	if strings.Contains(failed, "cifar10/cifar-10-binary.tar.gz") {
		t.Errorf("an on-demand file counts as a failure without --all: %q", failed)
	}
	var listed data.Report
	if err := runJSON(t, runData, &listed, "list"); err != nil {
		t.Errorf("list should not fail on bad files: %v", err)
	}
}
