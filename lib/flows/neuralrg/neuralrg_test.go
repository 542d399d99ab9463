package neuralrg

import (
	"math"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/backend"
)

// A short training run on the 4x4 lattice must move the loss from its
// starting value most of the way to the exact bound, and never below it
// (beyond noise): F[q] >= -lnZ_relaxed is a theorem.
func TestTrainingApproachesBound(t *testing.T) {
	b, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(4)
	cfg.Batch = 128
	cfg.LearningRate = 3e-3
	m, err := New(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Train(60, nil); err != nil {
		t.Fatal(err)
	}
	first := m.History[0].Loss
	last := m.RecentLoss(10)
	gapStart, gapEnd := first-m.Bound, last-m.Bound
	if !(gapEnd < 0.35*gapStart) {
		t.Errorf("loss %.3f -> %.3f, bound %.3f: the gap only shrank from %.3f to %.3f", first, last, m.Bound, gapStart, gapEnd)
	}
	t.Logf("loss %.3f -> %.3f (bound %.3f), rel err %.4f", first, last, m.Bound, m.RelErr(last))
	rep, err := m.Evaluate(512)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Loss < m.Bound-4*rep.LossStdErr {
		t.Errorf("variational loss %.4f ± %.4f below the exact bound %.4f", rep.Loss, rep.LossStdErr, m.Bound)
	}
	if !(rep.Acceptance > 0 && rep.Acceptance <= 1 && rep.ESS > 0 && rep.ESS <= 1) {
		t.Errorf("acceptance %v and ESS %v out of (0, 1]", rep.Acceptance, rep.ESS)
	}
}

// Save and Load must restore the same flow: the same latent noise must give the same configurations.
func TestCheckpointRoundTrip(t *testing.T) {
	b, _ := backend.Default()
	cfg := DefaultConfig(4)
	cfg.Arch, cfg.Batch, cfg.Depth = "tebd", 16, 2
	m := MustNew(b, cfg)
	if err := m.Train(3, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(b, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.History) != 3 || m2.Config != m.Config {
		t.Fatalf("reloaded history %d steps, config %+v; want 3 steps and %+v", len(m2.History), m2.Config, m.Config)
	}
	a, _ := m.Levels(2)
	c, _ := m2.Levels(2)
	for r := range a {
		for s := range a[r] {
			for i, v := range a[r][s].Pixels {
				if c[r][s].Pixels[i] != v {
					t.Fatalf("sample %d stage %s pixel %d: %v before saving, %v after loading", r, a[r][s].Name, i, v, c[r][s].Pixels[i])
				}
			}
		}
	}
	// A fresh (untrained) model differs: the comparison above is not vacuous.
	fresh := MustNew(b, cfg)
	f, _ := fresh.Levels(1)
	last := len(f[0]) - 1
	diff := 0.0
	for i, v := range f[0][last].Pixels {
		diff = math.Max(diff, math.Abs(v-a[0][last].Pixels[i]))
	}
	if diff == 0 {
		t.Error("an untrained model generates the same configurations as the trained one")
	}
	if err := m2.Train(1, nil); err != nil {
		t.Fatalf("resumed training: %v", err)
	}
	// Saving again must not roll the weights back to the previous checkpoint
	// (a GoMLX checkpoint handler loads its directory when it is created).
	before, _ := m2.Levels(1)
	if err := m2.Save(dir); err != nil {
		t.Fatal(err)
	}
	after, _ := m2.Levels(1)
	for i, v := range before[0][last].Pixels {
		if after[0][last].Pixels[i] != v {
			t.Fatalf("saving changed the weights: pixel %d %v -> %v", i, v, after[0][last].Pixels[i])
		}
	}
	// A fresh model must not overwrite another run's directory.
	if err := MustNew(b, cfg).Save(dir); err == nil {
		t.Error("saving a fresh model into a directory holding a run must fail")
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.L = 6 }, "power of two"},
		{func(c *Config) { c.L = 5; c.Arch = "tebd" }, "even L"},
		{func(c *Config) { c.T = 0 }, "temperature"},
		{func(c *Config) { c.T = -2 }, "temperature"},
		{func(c *Config) { c.Depth = 5 }, "depth=5 out of range"},
		{func(c *Config) { c.Hidden = 0 }, "--hidden 0: want 1 to 4096"},
		{func(c *Config) { c.Arch = "peps" }, "unknown architecture"},
	}
	for _, c := range cases {
		cfg := DefaultConfig(8)
		c.mod(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("config %+v: error %v, want one mentioning %q", cfg, err, c.want)
		}
	}
}
