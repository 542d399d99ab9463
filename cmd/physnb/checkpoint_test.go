package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/physnb/physnb/lib/checkpoints"
	"github.com/physnb/physnb/lib/flows/neuralrg"
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
