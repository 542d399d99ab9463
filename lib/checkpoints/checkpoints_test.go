package checkpoints

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
)

// newStore returns a store with a weight matrix w (2x3), a bias b and an
// "optimizer" variable, their values offset by x so that stores differ.
func newStore(t testing.TB, x float32) *model.Store {
	t.Helper()
	s := model.NewStore()
	mk := func(path string, data []float32, dims ...int) {
		if _, err := s.CreateVariable(path, tensors.FromFlatDataAndDimensions(data, dims...)); err != nil {
			t.Fatal(err)
		}
	}
	mk("/model/w", []float32{1 + x, 2, 3, 4, 5, 6}, 2, 3)
	mk("/model/b", []float32{x, -x, 0.5}, 3)
	mk("/optimizers/m", []float32{7 * x}, 1)
	s.SetParam("/seed", int64(42))
	return s
}

func values(t testing.TB, s *model.Store) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for v := range s.IterVariables() {
		if v.Path() == "/global_step" { // GoMLX's writer adds the optimizer's step counter
			continue
		}
		out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
	}
	return out
}

func steps(t *testing.T, dir string) []int {
	l, err := list(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range l {
		out = append(out, e.step)
	}
	return out
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "run.json")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteFile(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != content {
			t.Fatalf("read %q, wrote %q", b, content)
		}
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	if des, _ := os.ReadDir(dir); len(des) != 1 {
		t.Errorf("%d entries left in the folder, want only run.json", len(des))
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x.json"), []byte("x"), 0o644); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}

// Saving, opening and restoring: the values come back, Keep counts distinct
// steps, and a re-save of a step replaces the older one of that step.
func TestSaveOpenRestore(t *testing.T) {
	dir := t.TempDir()
	for i, step := range []int{10, 20, 20, 30, 30} {
		if _, err := Save(dir, newStore(t, float32(i)), step, map[string][]byte{"run.json": []byte{byte('0' + i)}}, 2); err != nil {
			t.Fatal(err)
		}
	}
	if got := steps(t, dir); !slices.Equal(got, []int{30, 20}) {
		t.Fatalf("kept steps %v, want [30 20]", got)
	}
	ck, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Step != 30 || ck.Sequence != 5 || len(ck.Skipped) != 0 {
		t.Errorf("opened %+v, want step 30, sequence 5", ck)
	}
	if b, err := ck.ReadFile("run.json"); err != nil || string(b) != "4" {
		t.Errorf("run.json = %q, %v; want the last save's \"4\"", b, err)
	}
	if got := ck.Files(); !slices.Equal(got, []string{"run.json"}) {
		t.Errorf("Files() = %v", got)
	}
	s := model.NewStore()
	n, err := ck.Restore(s)
	if err != nil || n != 4 { // w, b, m and GoMLX's /global_step
		t.Fatalf("Restore: %d variables, %v", n, err)
	}
	want, got := values(t, newStore(t, 4)), values(t, s)
	for p, w := range want {
		if !slices.Equal(got[p], w) {
			t.Errorf("%s restored as %v, saved %v", p, got[p], w)
		}
	}
	if v, ok := s.GetParam("/seed"); !ok || v != int64(42) {
		t.Errorf("parameter seed restored as %v (%T), want int64 42", v, v)
	}
	// Restoring into a store that already has the variables (same shapes) overwrites them.
	s2 := newStore(t, 99)
	if _, err := ck.Restore(s2); err != nil {
		t.Fatal(err)
	}
	if got := values(t, s2)["/model/b"]; !slices.Equal(got, want["/model/b"]) {
		t.Errorf("restored over existing variables: b = %v, want %v", got, want["/model/b"])
	}
}

// A damaged newest checkpoint is skipped with a message naming it and why;
// with none intact, the error says so.
func TestOpenFallsBack(t *testing.T) {
	damage := map[string]func(folder string) error{
		"truncated data": func(f string) error {
			return os.Truncate(filepath.Join(f, WeightsData), 10)
		},
		"empty manifest": func(f string) error {
			return os.WriteFile(filepath.Join(f, ManifestFile), nil, 0o644)
		},
		"missing metadata": func(f string) error {
			return os.Remove(filepath.Join(f, WeightsMeta))
		},
		"flipped byte": func(f string) error {
			p := filepath.Join(f, "run.json")
			b, _ := os.ReadFile(p)
			b[0] ^= 1
			return os.WriteFile(p, b, 0o644)
		},
	}
	for name, hurt := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for i, step := range []int{1, 2} {
				if _, err := Save(dir, newStore(t, float32(i)), step, map[string][]byte{"run.json": []byte("ok")}, 2); err != nil {
					t.Fatal(err)
				}
			}
			l, _ := list(dir)
			if err := hurt(filepath.Join(dir, l[0].name)); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			ck, err := Open(dir, &log)
			if err != nil {
				t.Fatal(err)
			}
			if ck.Step != 1 || len(ck.Skipped) != 1 || !strings.Contains(log.String(), l[0].name) {
				t.Errorf("opened step %d, skipped %v, log %q; want step 1 and a message naming %s", ck.Step, ck.Skipped, log.String(), l[0].name)
			}
			if err := hurt(filepath.Join(dir, l[1].name)); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(dir, nil); !errors.Is(err, ErrNoCheckpoint) || !strings.Contains(err.Error(), l[1].name) {
				t.Errorf("with both damaged: %v; want ErrNoCheckpoint naming both", err)
			}
		})
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none"), nil); !errors.Is(err, ErrNoCheckpoint) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing folder: %v", err)
	}
}

// What an interrupted save leaves (a .saving-* folder) is no checkpoint and
// is cleaned by the next save.
func TestInterruptedSaveLeftovers(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".saving-123")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(stale, WeightsData), []byte("half"), 0o644)
	if Has(dir) {
		t.Error("a .saving-* folder counts as a checkpoint")
	}
	if _, err := Open(dir, nil); !errors.Is(err, ErrNoCheckpoint) {
		t.Errorf("Open: %v", err)
	}
	if _, err := Save(dir, newStore(t, 1), 5, nil, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale folder is still there: %v", err)
	}
	if !Has(dir) {
		t.Error("Has is false after a save")
	}
}

// A checkpoint of another shape is refused, naming the variable, and the
// store is left as it was.
func TestRestoreMismatch(t *testing.T) {
	dir := t.TempDir()
	ck, err := Save(dir, newStore(t, 1), 1, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(s *model.Store){
		"other shape": func(s *model.Store) {
			s.CreateVariable("/model/w", tensors.FromFlatDataAndDimensions(make([]float32, 8), 2, 4))
		},
		"missing in checkpoint": func(s *model.Store) {
			s.CreateVariable("/model/extra", tensors.FromFlatDataAndDimensions(make([]float32, 1), 1))
		},
		"missing in model": func(s *model.Store) {
			s.CreateVariable("/model/w", tensors.FromFlatDataAndDimensions(make([]float32, 6), 2, 3))
		},
	}
	want := map[string]string{"other shape": "/model/w", "missing in checkpoint": "/model/extra", "missing in model": "/model/b"}
	for name, mk := range cases {
		s := model.NewStore()
		mk(s)
		before := values(t, s)
		_, err := ck.Restore(s)
		if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), want[name]) {
			t.Errorf("%s: %v; want ErrMismatch naming %s", name, err, want[name])
		}
		for p, v := range values(t, s) {
			if !slices.Equal(v, before[p]) {
				t.Errorf("%s: %s changed by a refused restore", name, p)
			}
		}
	}
}

// A folder written by GoMLX's checkpoint handler directly is read too.
func TestLegacyFolder(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, 3)
	h, err := checkpoint.Build(s).Dir(dir).Done()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Save(); err != nil {
		t.Fatal(err)
	}
	if !Has(dir) {
		t.Fatal("Has is false for a GoMLX folder")
	}
	ck, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := model.NewStore()
	if _, err := ck.Restore(r); err != nil {
		t.Fatal(err)
	}
	if got, want := values(t, r)["/model/w"], values(t, s)["/model/w"]; !slices.Equal(got, want) {
		t.Errorf("w = %v, want %v", got, want)
	}
}

func TestSaveArguments(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"../x", ManifestFile, WeightsData, ".hidden", ""} {
		if _, err := Save(dir, newStore(t, 1), 1, map[string][]byte{name: nil}, 1); err == nil {
			t.Errorf("file name %q accepted", name)
		}
	}
	if _, err := Save(dir, newStore(t, 1), -1, nil, 1); err == nil {
		t.Error("step -1 accepted")
	}
	if _, err := Save(dir, newStore(t, 1), 1, nil, 0); err == nil {
		t.Error("keep 0 accepted")
	}
	if Has(dir) {
		t.Error("refused saves left a checkpoint")
	}
}
