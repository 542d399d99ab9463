package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/notebooks"
)

// install.sh writes its temporary files (apt's log, rendered kernels, the
// command's build) under names mktemp chooses, never at a fixed path another
// user could prepare.
func TestInstallTemporaryFilesComeFromMktemp(t *testing.T) {
	root, err := notebooks.RepoRoot()
	if err != nil {
		t.Skip("not inside a checkout")
	}
	b, err := os.ReadFile(filepath.Join(root, "install.sh"))
	if err != nil {
		t.Fatal(err)
	}
	fixed := regexp.MustCompile(`(^|[\s"'=>])/tmp/[A-Za-z0-9._-]`)
	for i, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if fixed.MatchString(line) {
			t.Errorf("install.sh:%d writes to a fixed temporary path: %s", i+1, strings.TrimSpace(line))
		}
	}
	if !strings.Contains(string(b), `APT_LOG="$(mktemp`) {
		t.Error("install.sh: apt's log must be a mktemp file")
	}
}

// A kernel that another checkout installed is replaced with a note naming
// that checkout and this one.
func TestInstallSaysWhichCheckoutAKernelPointedAt(t *testing.T) {
	root, err := notebooks.RepoRoot()
	if err != nil {
		t.Skip("not inside a checkout")
	}
	if _, err := exec.LookPath("jupyter"); err != nil {
		requireTool(t, "jupyter", "run ./install.sh")
	}
	if _, err := os.Stat(filepath.Join(root, "bin", "gonb")); err != nil {
		t.Skip("this checkout is not installed (bin/gonb): run ./install.sh first")
	}
	data := t.TempDir()
	other := "/srv/another/physnb-checkout"
	for _, k := range []string{"physnb-cpu", "physnb-cuda"} {
		d := filepath.Join(data, "kernels", k)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		spec := `{"argv": ["` + other + `/bin/gonb", "--kernel", "{connection_file}"], "display_name": "x", "language": "go", "env": {"PHYSNB_ROOT": "` + other + `"}}`
		if err := os.WriteFile(filepath.Join(d, "kernel.json"), []byte(spec), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(filepath.Join(root, "install.sh"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "JUPYTER_DATA_DIR="+data)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	want := "note: kernel physnb-cpu pointed at the checkout " + other + "; it now points at this one, " + root
	if !strings.Contains(string(out), want) {
		t.Errorf("install.sh must say %q; it printed:\n%s", want, out)
	}
	b, err := os.ReadFile(filepath.Join(data, "kernels", "physnb-cpu", "kernel.json"))
	if err != nil || !strings.Contains(string(b), `"PHYSNB_ROOT": "`+root+`"`) {
		t.Errorf("the kernel must now point at this checkout: %s, %v", b, err)
	}
}
