package bench

import (
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/backend"
)

func TestBuiltinWorkloadsRun(t *testing.T) {
	b := backend.Must()
	for _, name := range []string{"matmul-f32", "mlp-train-step"} {
		w, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := w.Run(b, true)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Iterations < 1 || !(res.Throughput > 0) {
			t.Fatalf("%s: implausible result %+v", name, res)
		}
	}
}

func TestUnknownWorkloadNamesRegistered(t *testing.T) {
	_, err := Get("no-such-thing")
	if err == nil || !strings.Contains(err.Error(), "matmul-f32") {
		t.Fatalf("want an error listing registered workloads, got %v", err)
	}
}
