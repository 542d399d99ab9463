package preflight

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMemTotal(t *testing.T) {
	p := filepath.Join(t.TempDir(), "meminfo")
	os.WriteFile(p, []byte("MemFree:  100 kB\nMemTotal:       8048312 kB\nBuffers: 1 kB\n"), 0o644)
	if got, want := memTotal(p), int64(8048312)<<10; got != want {
		t.Errorf("memTotal = %d, want %d", got, want)
	}
	if got := memTotal(filepath.Join(t.TempDir(), "none")); got != 0 {
		t.Errorf("memTotal of a missing file = %d, want 0", got)
	}
	if Memory() <= 0 {
		t.Errorf("Memory() = %d on a Linux machine, want > 0", Memory())
	}
}

func TestCheckMemory(t *testing.T) {
	var mem int64 = 8 << 30
	per := func(n int) float64 { return 1000 * float64(n) } // 1000 bytes per item
	if err := checkMemory("x", "--n", 1000, per, mem); err != nil {
		t.Errorf("1 MB of 8 GB: %v", err)
	}
	err := checkMemory("x", "--n", 100_000_000, per, mem)
	if err == nil {
		t.Fatal("100 GB of 8 GB: no error")
	}
	// The largest value that fits, by hand: floor(0.75·8 GiB / 1000).
	want := int(Share * float64(mem) / 1000)
	for _, s := range []string{"x: --n 100000000 needs about 93.1 GB", "the machine has 8.0 GB", "use at most " + itoa(want)} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err, s)
		}
	}
	if err := checkMemory("x", "--n", 5, func(int) float64 { return 1e15 }, mem); err == nil || !strings.Contains(err.Error(), "lower the other sizes") {
		t.Errorf("nothing fits: %v", err)
	}
	if err := checkMemory("x", "--n", 5, func(int) float64 { return 1e30 }, 0); err != nil {
		t.Errorf("unknown memory must check nothing: %v", err)
	}
}

func TestCheckSteps(t *testing.T) {
	sq := func(n int) float64 { return float64(n) * float64(n) }
	if err := CheckSteps("x", "--L", 100, "sites", sq, 1e6); err != nil {
		t.Error(err)
	}
	err := CheckSteps("x", "--L", 2000, "sites", sq, 1e6)
	if err == nil || !strings.Contains(err.Error(), "--L 2000 means 4 million sites") || !strings.Contains(err.Error(), "use at most 1000") {
		t.Errorf("got %v", err)
	}
}

func TestLargestAgreesWithBruteForce(t *testing.T) {
	for thr := 0; thr < 40; thr++ {
		for value := thr + 1; value < 45; value++ {
			want := 0
			for v := 1; v < value; v++ {
				if v <= thr {
					want = v
				}
			}
			if got := largest(value, func(v int) bool { return v <= thr }); got != want {
				t.Fatalf("largest(%d) with threshold %d = %d, want %d", value, thr, got, want)
			}
		}
	}
}

func TestCheckOutputDir(t *testing.T) {
	d := t.TempDir()
	file := filepath.Join(d, "f")
	os.WriteFile(file, nil, 0o644)
	for _, c := range []struct {
		dir, want string
	}{
		{d, ""},
		{filepath.Join(d, "new", "deeper"), ""},
		{file, "is a file"},
		{filepath.Join(file, "sub"), "is a file, so the folder cannot be created"},
	} {
		err := CheckOutputDir("--out", c.dir)
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckOutputDir(%s) = %v, want %q", c.dir, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(d, "new")); err == nil {
		t.Error("CheckOutputDir created a folder")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
