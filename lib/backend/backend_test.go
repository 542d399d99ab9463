package backend

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
)

func TestDefaultCPUComputes(t *testing.T) {
	t.Setenv(EnvBackend, "")
	os.Unsetenv(EnvBackend)
	t.Setenv(EnvDevice, "cpu")
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if !IsCPU(b) {
		t.Fatalf("default backend is %q, want the pure-Go one", b.String())
	}
	// 1+2+...+10 = 55, a sum the backend must get exactly.
	got := graph.MustExecOnce(b, func(x *graph.Node) *graph.Node { return graph.ReduceAllSum(x) },
		[]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	if v := got.Value().(float32); v != 55 {
		t.Fatalf("sum = %v, want 55", v)
	}
	if d := Describe(b); !strings.Contains(d, "pure-Go") {
		t.Fatalf("Describe = %q", d)
	}
}

func TestUnknownDevice(t *testing.T) {
	os.Unsetenv(EnvBackend)
	t.Setenv(EnvDevice, "tpu9")
	if _, err := Config(); err == nil || !strings.Contains(err.Error(), "cpu") {
		t.Fatalf("want an error naming the valid devices, got %v", err)
	}
}

func TestFindCUDAPluginExplicitAndMissing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("PATH", dir) // no python: only the explicit and fixed places are searched
	t.Setenv(EnvPluginPath, filepath.Join(dir, "nothing"))
	_, err := FindCUDAPlugin()
	if err == nil || !strings.Contains(err.Error(), "nothing") || !strings.Contains(err.Error(), EnvPluginPath) {
		t.Fatalf("want an error naming what was searched and the fix, got %v", err)
	}
	plugin := filepath.Join(dir, "jax", "jax_plugins", "xla_cuda13", "xla_cuda_plugin.so")
	if err := os.MkdirAll(filepath.Dir(plugin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plugin, []byte("fake"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvPluginPath, filepath.Dir(plugin))
	got, err := FindCUDAPlugin()
	if err != nil || got != plugin {
		t.Fatalf("FindCUDAPlugin = %q, %v; want %q", got, err, plugin)
	}
	t.Setenv(EnvPluginPath, "")
	os.Unsetenv(EnvBackend)
	t.Setenv(EnvDevice, "cuda")
	if _, err := Config(); err == nil {
		t.Fatal("PHYSNB_DEVICE=cuda without a plugin must fail")
	}
}

func TestParallelFollowsTheTarget(t *testing.T) {
	os.Unsetenv(EnvBackend)
	t.Setenv(EnvDevice, "cpu")
	if cfg, err := ParallelConfig(); err != nil || cfg != ParallelCPUConfig {
		t.Errorf("CPU target: ParallelConfig() = %q, %v; want %q", cfg, err, ParallelCPUConfig)
	}
	// An explicit GoMLX configuration wins, even the sequential default.
	t.Setenv(EnvBackend, CPUConfig)
	if cfg, err := ParallelConfig(); err != nil || cfg != CPUConfig {
		t.Errorf("GOMLX_BACKEND=%s: ParallelConfig() = %q, %v; want it unchanged", CPUConfig, cfg, err)
	}
	os.Unsetenv(EnvBackend)
	t.Setenv(EnvDevice, "tpu")
	if _, err := ParallelConfig(); err == nil {
		t.Error("an unknown device gave no error")
	}
}
