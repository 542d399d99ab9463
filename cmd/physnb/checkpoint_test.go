package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/checkpoints"
	"github.com/physnb/physnb/lib/classify"
	"github.com/physnb/physnb/lib/flows/neuralrg"
	"github.com/physnb/physnb/lib/vision"
	"github.com/physnb/physnb/lib/wine"
)

// `physnb neuralrg train --out DIR`, killed with SIGTERM at random moments
// while it saves a checkpoint after every step: each next run must resume
// from the newest checkpoint that was complete when it was killed (or stop
// and say why it cannot), never start afresh, and a last run must finish
// from there. The kills land after a checkpoint appeared plus a random
// delay of up to 60 ms, so most of them cut a later save short.
func TestNeuralRGKillDuringSave(t *testing.T) {
	bin := buildCLI(t)
	out := filepath.Join(t.TempDir(), "run")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("random delays from seed %d", seed)
	args := func(epochs int) []string {
		return []string{"neuralrg", "train", "--arch", "tebd", "--depth", "2", "--blocks", "2", "--hidden", "8",
			"--batch", "16", "--samples", "64", "--local-moves", "0", "--save-every", "1",
			"--epochs", fmt.Sprint(epochs), "--out", out, "--json"}
	}
	intact := func() int { // the step of the newest intact checkpoint, -1 without one
		ck, err := checkpoints.Open(out, nil)
		if err != nil {
			return -1
		}
		return ck.Step
	}
	for kill := 0; kill < 4; kill++ {
		before := intact()
		var stderr strings.Builder
		cmd := exec.Command(bin, args(100000)...)
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(90 * time.Second)
		for {
			steps, _ := checkpoints.Steps(out)
			if len(steps) > 0 && steps[0] > before {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("run %d saved no new checkpoint in 90 s; stderr:\n%s", kill, stderr.String())
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(60_000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGTERM)
		err := cmd.Wait()
		log := stderr.String()
		if before >= 0 && !strings.Contains(log, "resuming the run in") {
			t.Fatalf("run %d started with an intact checkpoint of step %d but did not resume (err %v):\n%s", kill, before, err, log)
		}
		if before >= 0 && !strings.Contains(log, fmt.Sprintf("after %d steps", before)) && !strings.Contains(log, fmt.Sprintf(": %d steps,", before)) {
			t.Errorf("run %d: resumed, but not from step %d:\n%s", kill, before, log)
		}
		after := intact()
		if after < 0 || after < before {
			steps, _ := checkpoints.Steps(out)
			t.Fatalf("after kill %d no intact checkpoint of step >= %d (newest intact %d, folders of steps %v)", kill, before, after, steps)
		}
		cut := 0 // what an interrupted save left: a .saving-* folder or a temporary file
		des, _ := os.ReadDir(out)
		for _, d := range des {
			if strings.HasPrefix(d.Name(), ".") {
				cut++
			}
		}
		t.Logf("kill %d: intact checkpoint of step %d (was %d); %d leftovers of a cut save", kill, after, before, cut)
	}
	// The last run finishes from the newest intact checkpoint.
	from := intact()
	cmd := exec.Command(bin, args(from+2)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the last run: %v\n%s", err, stderr.String())
	}
	var rep neuralrg.Report
	if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil {
		t.Fatalf("the last run's JSON: %v\n%s", err, stdout.String())
	}
	if rep.Resumed == nil || rep.Resumed.Step != from || rep.Epochs != from+2 || len(rep.History) != from+2 {
		t.Fatalf("the last run resumed %+v and has %d steps; want a resume from step %d to %d", rep.Resumed, rep.Epochs, from, from+2)
	}
	if steps, _ := checkpoints.Steps(out); len(steps) != 2 || steps[0] != from+2 || slices.Contains(steps[1:], steps[0]) {
		t.Errorf("checkpoints of steps %v after the last run, want two distinct, the newest %d", steps, from+2)
	}
	if des, _ := os.ReadDir(out); len(des) > 3 { // two checkpoints and neuralrg.json
		names := []string{}
		for _, d := range des {
			names = append(names, d.Name())
		}
		t.Errorf("left in the run folder: %v", names)
	}
}

// `physnb wine --save DIR` twice: the second run is refused before training,
// naming the folder and --overwrite; with --overwrite it saves the new model
// (another seed) and its round trip agrees. Without --save the round trip's
// temporary folder is not reported as kept.
func TestWineSaveCommand(t *testing.T) {
	visionData(t)
	dir := filepath.Join(t.TempDir(), "wine")
	first := mustRunJSON(t, runWine, "--epochs", "1", "--hidden", "4", "--save", dir)
	if first["checkpoint_dir"] != dir || first["checkpoint_temporary"] != nil {
		t.Errorf("--save: checkpoint_dir %v, checkpoint_temporary %v", first["checkpoint_dir"], first["checkpoint_temporary"])
	}
	err := runWine([]string{"--epochs", "1", "--hidden", "4", "--seed", "5", "--save", dir, "--json"})
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "--overwrite") {
		t.Fatalf("a second --save into %s: %v; want a refusal naming it and --overwrite", dir, err)
	}
	second := mustRunJSON(t, runWine, "--epochs", "1", "--hidden", "4", "--seed", "5", "--save", dir, "--overwrite")
	if d, _ := second["restored_max_abs_diff"].(float64); second["seed"] != 5.0 || d > 1e-6 {
		t.Errorf("--overwrite: seed %v, round trip %v", second["seed"], second["restored_max_abs_diff"])
	}
	tmp := mustRunJSON(t, runWine, "--epochs", "1", "--hidden", "4")
	if tmp["checkpoint_temporary"] != true || tmp["checkpoint_dir"] != nil || tmp["restored_max_abs_diff"] == nil {
		t.Errorf("without --save: checkpoint_temporary %v, checkpoint_dir %v", tmp["checkpoint_temporary"], tmp["checkpoint_dir"])
	}
}

// A command that saves one model at its end and does not resume (`physnb
// wine --save DIR`, `physnb vision cnn --save DIR`), killed with SIGTERM at
// random moments: afterwards the folder holds no checkpoint or an intact
// one that restores and predicts like the model a complete run of the same
// seed saves, never a damaged one; a next run without --overwrite either
// saves (no model there) or is refused, naming the folder and --overwrite,
// before training, and leaves the model as it was; with --overwrite it
// saves. Each run uses the other of two seeds than the model in the folder,
// so that a model replaced by --overwrite differs from the one before. Half of the kills are drawn
// uniformly over the duration of a complete run (most land in training or
// loading), the others after a save's ".saving-*" folder appeared, with a
// random delay of up to a quarter of that duration, so that they cut saves
// short or land between the save and the end of the run (log-uniform delays).
type killSaveCase struct {
	bin   string
	args  func(seed uint64, dir string, overwrite bool) []string
	kills int
	// identify returns, for a folder holding an intact checkpoint, the
	// seed of the reference run whose model it restores to (ref: each
	// seed's JSON report), or an error when it restores to neither.
	identify func(dir string, ref map[uint64]map[string]any) (uint64, error)
}

func killDuringSave(t *testing.T, c killSaveCase) {
	seeds := []uint64{1, 2}
	ref := map[uint64]map[string]any{}
	var dur time.Duration // the longest complete run
	for _, s := range seeds {
		dir := filepath.Join(t.TempDir(), "ref")
		t0 := time.Now()
		out, errOut, err := runBin(c.bin, c.args(s, dir, false)...)
		dur = max(dur, time.Since(t0))
		if err != nil {
			t.Fatalf("the reference run of seed %d: %v\n%s", s, err, errOut)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("the reference run's JSON: %v", err)
		}
		ref[s] = m
		if got, err := c.identify(dir, ref); err != nil || got != s {
			t.Fatalf("the reference run of seed %d restores to seed %d (%v)", s, got, err)
		}
	}
	rngSeed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(rngSeed, 2))
	t.Logf("complete run %v; kill times from seed %d", dur.Round(time.Millisecond), rngSeed)

	dir := filepath.Join(t.TempDir(), "model")
	// state checks the folder: 0 without a checkpoint, else the seed its
	// model restores to.
	state := func(when string) uint64 {
		t.Helper()
		var log strings.Builder
		ck, err := checkpoints.Open(dir, &log)
		if err != nil {
			if !errors.Is(err, checkpoints.ErrNoCheckpoint) || checkpoints.Has(dir) {
				t.Fatalf("%s: the folder holds a checkpoint that does not open: %v", when, err)
			}
			return 0
		}
		if len(ck.Skipped) > 0 {
			t.Fatalf("%s: damaged checkpoints beside the intact one: %s", when, log.String())
		}
		s, err := c.identify(dir, ref)
		if err != nil {
			t.Fatalf("%s: the intact checkpoint %s: %v", when, ck.Name, err)
		}
		return s
	}
	cut, finished := 0, 0
	for k := 0; k < c.kills; k++ {
		before := state(fmt.Sprintf("before run %d", k))
		seed := seeds[0] // the other seed than the model's, so that a replaced model shows
		if before == seeds[0] {
			seed = seeds[1]
		}
		if before != 0 {
			_, errOut, err := runBin(c.bin, c.args(seed, dir, false)...)
			if err == nil || !strings.Contains(errOut, dir) || !strings.Contains(errOut, "--overwrite") {
				t.Fatalf("run %d without --overwrite into a folder with a model: %v\n%s\nwant a refusal naming %s and --overwrite", k, err, errOut, dir)
			}
			if s := state("after the refusal"); s != before {
				t.Fatalf("a refused run changed the model from seed %d to %d", before, s)
			}
		}
		hidden := hiddenEntries(dir)
		var stderr strings.Builder
		cmd := exec.Command(c.bin, c.args(seed, dir, before != 0)...)
		cmd.Stderr = &stderr
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		var err error
		if k%2 == 0 {
			select {
			case err = <-done:
			case <-time.After(time.Duration(rng.Int64N(int64(dur)))):
				cmd.Process.Signal(syscall.SIGTERM)
				err = <-done
			}
		} else {
			// log-uniform from 50 µs to dur/4: as many kills within the save's
			// first millisecond as between 1 and 10 ms.
			lo, hi := math.Log(50e3), math.Log(float64(dur/4))
			delay := time.Duration(math.Exp(lo + (hi-lo)*rng.Float64()))
			err = killAtSave(cmd, done, dir, delay, 2*dur+10*time.Second)
		}
		killed := false
		if ee, ok := err.(*exec.ExitError); ok {
			ws, _ := ee.Sys().(syscall.WaitStatus)
			killed = ws.Signaled()
		}
		if err != nil && !killed {
			t.Fatalf("run %d failed without being killed: %v\n%s", k, err, stderr.String())
		}
		after := state(fmt.Sprintf("after kill %d", k))
		if !killed && after != seed {
			t.Fatalf("run %d of seed %d finished, but the folder's model is of seed %d", k, seed, after)
		}
		if after != before && after != seed {
			t.Fatalf("after kill %d the model is of seed %d: neither the one before (%d) nor the run's (%d)", k, after, before, seed)
		}
		left := 0 // what this run's cut save left: a new .saving-* folder
		for name := range hiddenEntries(dir) {
			if !hidden[name] {
				left++
			}
		}
		if left > 0 {
			cut++
		}
		if !killed {
			finished++
		}
		t.Logf("run %d (seed %d): killed %v; model before of seed %d, after %d; %d new leftovers of a cut save or removal", k, seed, killed, before, after, left)
	}
	t.Logf("%d of %d runs cut a save short, %d finished before the kill", cut, c.kills, finished)
	// A last complete run: refused without --overwrite when a model is there, saved with it.
	before := state("before the last run")
	if before != 0 {
		if _, errOut, err := runBin(c.bin, c.args(1, dir, false)...); err == nil || !strings.Contains(errOut, "--overwrite") {
			t.Fatalf("the last run without --overwrite: %v\n%s", err, errOut)
		}
	}
	if _, errOut, err := runBin(c.bin, c.args(1, dir, before != 0)...); err != nil {
		t.Fatalf("the last run: %v\n%s", err, errOut)
	}
	if s := state("after the last run"); s != 1 {
		t.Fatalf("the last run saved a model of seed 1; the folder's restores to seed %d", s)
	}
	if steps, _ := checkpoints.Steps(dir); len(steps) != 1 {
		t.Errorf("checkpoints of steps %v after the last run, want one", steps)
	}
}

// killAtSave waits until a ".saving-*" folder appears in dir (or the run
// ends, or limit passes), then sends SIGTERM after delay.
func killAtSave(cmd *exec.Cmd, done chan error, dir string, delay, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return err
		default:
		}
		des, _ := os.ReadDir(dir)
		for _, d := range des {
			if strings.HasPrefix(d.Name(), ".saving-") {
				time.Sleep(delay)
				cmd.Process.Signal(syscall.SIGTERM)
				return <-done
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	return <-done
}

// hiddenEntries are the names in dir that begin with a dot.
func hiddenEntries(dir string) map[string]bool {
	m := map[string]bool{}
	des, _ := os.ReadDir(dir)
	for _, d := range des {
		if strings.HasPrefix(d.Name(), ".") {
			m[d.Name()] = true
		}
	}
	return m
}

// runBin runs the built command and returns its stdout and stderr.
func runBin(bin string, args ...string) (string, string, error) {
	var stdout, stderr strings.Builder
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// `physnb wine --save DIR [--overwrite]` killed at random moments (see
// killSaveCase). wine.Restore checks the restored model's test
// probabilities against those saved with it; its accuracy and AUC must
// then equal a complete run's of the seed the checkpoint names.
func TestWineKillDuringSave(t *testing.T) {
	visionData(t)
	b, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	killDuringSave(t, killSaveCase{
		bin:   buildCLI(t),
		kills: 12,
		args: func(seed uint64, dir string, overwrite bool) []string {
			a := []string{"wine", "--epochs", "3", "--hidden", "64", "--seed", fmt.Sprint(seed), "--save", dir, "--json"}
			if overwrite {
				a = append(a, "--overwrite")
			}
			return a
		},
		identify: func(dir string, ref map[uint64]map[string]any) (uint64, error) {
			r, err := wine.Restore(b, dir)
			if err != nil {
				return 0, err
			}
			m, ok := ref[r.Experiment.Seed]
			if !ok {
				return 0, fmt.Errorf("saved with seed %d, not a seed of these runs", r.Experiment.Seed)
			}
			if acc, auc := m["accuracy"].(float64), m["auc"].(float64); r.Confusion.Accuracy() != acc || math.Abs(r.AUC-auc) > 1e-9 {
				return 0, fmt.Errorf("restored accuracy %v, AUC %v; the run of seed %d: %v, %v", r.Confusion.Accuracy(), r.AUC, r.Experiment.Seed, acc, auc)
			}
			return r.Experiment.Seed, nil
		},
	})
}

// `physnb vision cnn --save DIR [--overwrite]` on a few Fashion-MNIST
// images, killed at random moments (see killSaveCase). The checkpoint
// holds the weights and the standardiser; restored with classify.Load, the
// model's loss on the same test images must equal the final test loss a
// complete run of one of the two seeds reported, to 1e-5 relative.
func TestVisionCNNKillDuringSave(t *testing.T) {
	visionData(t)
	const trainN, testN = 128, 64
	_, test, err := vision.LoadImages(vision.FashionMNIST, trainN, testN)
	if err != nil {
		t.Skipf("Fashion-MNIST is not installed (%v): see physnb data list", err)
	}
	b, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	net := vision.DefaultCNN(vision.FashionMNIST).Net
	killDuringSave(t, killSaveCase{
		bin:   buildCLI(t),
		kills: 6,
		args: func(seed uint64, dir string, overwrite bool) []string {
			a := []string{"vision", "cnn", "--dataset", "fashion", "--epochs", "1", "--batch", "32",
				"--train-limit", fmt.Sprint(trainN), "--test-limit", fmt.Sprint(testN), "--seed", fmt.Sprint(seed), "--save", dir, "--json"}
			if overwrite {
				a = append(a, "--overwrite")
			}
			return a
		},
		identify: func(dir string, ref map[uint64]map[string]any) (uint64, error) {
			c, err := classify.Load(b, dir, net.Model(), net.Classes)
			if err != nil {
				return 0, err
			}
			ev, err := c.Evaluate(test)
			if err != nil {
				return 0, err
			}
			var losses []string
			for s, m := range ref {
				want := m["test_loss"].(float64)
				if math.Abs(ev.Loss-want) <= 1e-5*math.Abs(want) {
					return s, nil
				}
				losses = append(losses, fmt.Sprintf("seed %d: %v", s, want))
			}
			return 0, fmt.Errorf("the restored model's test loss %v is no complete run's (%s)", ev.Loss, strings.Join(losses, ", "))
		},
	})
}
