package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/bench"
)

// buildCLI compiles the physnb command once per test run (bench runs its
// workloads in child processes of the real binary, so in-process calls will not do).
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "physnb")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOEXPERIMENT=simd")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building physnb: %v\n%s", err, out)
	}
	return bin
}

func TestCLIEnvBenchAndErrors(t *testing.T) {
	bin := buildCLI(t)
	run := func(env []string, args ...string) (string, string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}

	// env --json: stable fields, the pure-Go backend by default.
	out, stderr, err := run([]string{"GOMLX_BACKEND=", "PHYSNB_DEVICE=cpu"}, "env", "--json")
	if err != nil {
		t.Fatalf("env --json: %v\n%s", err, stderr)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatalf("env --json is not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"backend", "backend_config", "description", "devices", "go_version", "simd", "modules"} {
		if _, ok := env[k]; !ok {
			t.Errorf("env --json lacks %q", k)
		}
	}
	if env["backend"] != "go" {
		t.Errorf("default backend %v, want go", env["backend"])
	}

	// A CUDA request without a plugin fails and says what was searched.
	// It is the first line of the report, one line that names the CPU kernel.
	out, stderr, err = run([]string{"GOMLX_BACKEND=", "PHYSNB_DEVICE=cuda", "PJRT_PLUGIN_LIBRARY_PATH=" + t.TempDir(),
		"HOME=" + t.TempDir(), "PATH=/nonexistent"}, "env")
	first, _, _ := strings.Cut(out, "\n")
	if err == nil || !strings.HasPrefix(first, "backend:  none: no CUDA PJRT plugin found") || !strings.Contains(first, `"Go (physnb, CPU)"`) {
		t.Errorf("env with PHYSNB_DEVICE=cuda and no plugin: err=%v first line %q stderr=%q", err, first, stderr)
	}

	// bench --quick --json on the two foundation workloads, with peak memory.
	out, stderr, err = run(nil, "bench", "--quick", "--json", "matmul-f32", "mlp-train-step")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, out)
	}
	if len(rep.Workloads) != 2 {
		t.Fatalf("bench ran %d workloads, want 2", len(rep.Workloads))
	}
	for _, w := range rep.Workloads {
		if w.Error != "" || !(w.Throughput > 0) || !(w.PeakRSSMiB > 1) {
			t.Errorf("bench %s: %+v", w.Name, w)
		}
	}

	// Unknown names are errors that list the valid ones.
	if _, stderr, err = run(nil, "bench", "no-such-workload"); err == nil || !strings.Contains(stderr, "matmul-f32") {
		t.Errorf("bench with an unknown workload: err=%v stderr=%q", err, stderr)
	}
	if _, stderr, err = run(nil, "notebooks", "run", "--out", t.TempDir(), "no-such-notebook"); err == nil ||
		!strings.Contains(stderr, "00-getting-started") {
		t.Errorf("notebooks run with an unknown notebook: err=%v stderr=%q", err, stderr)
	}
	if _, _, err = run(nil, "no-such-command"); err == nil {
		t.Error("an unknown command must exit non-zero")
	}
}
