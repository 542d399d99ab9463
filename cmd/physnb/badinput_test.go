package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// badFlag is one row of the bad-input table: a command line (command,
// subcommand and any flags the row needs), a flag and the bad values tried
// for it, one run each. want, when set, is what the message must contain
// instead of the flag's name.
type badFlag struct {
	cmd    []string
	flag   string
	values []string
	want   string
}

// Ways to be out of range that every float flag shares.
var nonFiniteFlags = []string{"NaN", "Inf", "-Inf"}

func vals(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func s(v ...string) []string { return v }

// badInputs is every command with bad values of every flag that takes a
// value. Each value must be refused before any work: a non-zero exit, a
// message naming the flag and the valid range, no Go trace, within seconds,
// under a memory cap.
func badInputs(file string) []badFlag {
	rows := []badFlag{
		// holography train (arXiv:1802.08313).
		{cmd: s("holography", "train"), flag: "metric", values: s("kerr", "", "RN")},
		{cmd: s("holography", "train", "--metric", "rn"), flag: "charge", values: vals(s("2", "-0.1", "1.7320508075688772", "100"), nonFiniteFlags)},
		{cmd: s("holography", "train"), flag: "charge", values: s("0.5", "2"), want: "--charge"}, // without --metric rn
		{cmd: s("holography", "train"), flag: "param", values: s("spline", "", "Ansatz")},
		{cmd: s("holography", "train"), flag: "start", values: s("warm", "")},
		{cmd: s("holography", "train"), flag: "k", values: s("1", "4", "9", "-1")},
		{cmd: s("holography", "train", "--param", "series"), flag: "k", values: s("1", "9", "-3")},
		{cmd: s("holography", "train", "--param", "series", "--start", "random"), flag: "k", values: s("9", "-1", "100")},
		{cmd: s("holography", "train"), flag: "layers", values: s("0", "-1", "1001", "100000000")},
		{cmd: s("holography", "train"), flag: "eta-uv", values: vals(s("0.05", "0.1", "0", "-1"), nonFiniteFlags)},
		{cmd: s("holography", "train"), flag: "eta-ir", values: vals(s("0", "-0.1", "1", "2"), nonFiniteFlags)},
		{cmd: s("holography", "train"), flag: "epochs", values: s("0", "-1", "100000000")},
		{cmd: s("holography", "train"), flag: "n", values: s("0", "31", "-5", "100000000", "1000000000")},
		{cmd: s("holography", "train", "--quick"), flag: "epochs", values: s("0", "-1")}, // an explicit flag wins over --quick
		{cmd: s("holography", "train", "--quick"), flag: "n", values: s("0", "10")},
		{cmd: s("holography", "train"), flag: "out", values: s(file, filepath.Join(file, "figures"))},
		// holography qcd (arXiv:1809.10536).
		{cmd: s("holography", "qcd"), flag: "epochs", values: s("0", "-1", "100000000")},
		{cmd: s("holography", "qcd"), flag: "n", values: s("0", "62", "-1", "100000000")},
		{cmd: s("holography", "qcd"), flag: "radius", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("holography", "qcd"), flag: "lr", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("holography", "qcd"), flag: "search", values: s("1", "7", "-1", "1000000")},
		{cmd: s("holography", "qcd"), flag: "dev-start", values: vals(s("-1", "-0.001"), nonFiniteFlags)},
		// neuralrg train.
		{cmd: s("neuralrg", "train"), flag: "L", values: s("0", "1", "3", "6", "-4", "256", "100000")},
		{cmd: s("neuralrg", "train", "--arch", "tebd"), flag: "L", values: s("2", "5", "1024")},
		{cmd: s("neuralrg", "train"), flag: "T", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("neuralrg", "train"), flag: "d", values: s("1", "3", "0")},
		{cmd: s("neuralrg", "train"), flag: "arch", values: s("realnvp", "", "MERA")},
		{cmd: s("neuralrg", "train"), flag: "depth", values: s("-1", "3", "65", "1000000")},
		{cmd: s("neuralrg", "train", "--arch", "tebd"), flag: "depth", values: s("-1", "65", "100000000")},
		{cmd: s("neuralrg", "train"), flag: "repeat", values: s("-1", "65", "100000000")},
		{cmd: s("neuralrg", "train"), flag: "blocks", values: s("0", "-1", "65")},
		{cmd: s("neuralrg", "train"), flag: "mlp-layers", values: s("0", "-1", "65")},
		{cmd: s("neuralrg", "train"), flag: "hidden", values: s("0", "-1", "4097", "100000000")},
		{cmd: s("neuralrg", "train"), flag: "activation", values: s("sigmoidal", "")},
		{cmd: s("neuralrg", "train"), flag: "epochs", values: s("-1", "-100")},
		{cmd: s("neuralrg", "train"), flag: "batch", values: s("0", "1", "-5", "100000000")},
		{cmd: s("neuralrg", "train"), flag: "lr", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("neuralrg", "train"), flag: "samples", values: s("0", "63", "-1", "1000000000")},
		{cmd: s("neuralrg", "train", "--local-moves", "1000"), flag: "samples", values: s("1000000")},
		{cmd: s("neuralrg", "train"), flag: "local-moves", values: s("-1")},
		{cmd: s("neuralrg", "train"), flag: "save-every", values: s("0", "-1")},
		{cmd: s("neuralrg", "train"), flag: "out", values: s(file, filepath.Join(file, "run"))},
		{cmd: s("neuralrg", "train", "--quick"), flag: "batch", values: s("0", "1")},
		{cmd: s("neuralrg", "train", "--quick"), flag: "L", values: s("6", "0")},
		{cmd: s("neuralrg", "train", "--quick"), flag: "lr", values: s("0", "-1")},
		{cmd: s("neuralrg", "train", "--quick"), flag: "epochs", values: s("-1")},
		// neuralrg mnist.
		{cmd: s("neuralrg", "mnist"), flag: "steps", values: s("-1", "100000000")},
		{cmd: s("neuralrg", "mnist"), flag: "mnist-dir", values: s("/nonexistent-physnb-folder", "/etc/hostname")},
		{cmd: s("neuralrg", "mnist"), flag: "batch", values: s("0", "-1", "100000")},
		{cmd: s("neuralrg", "mnist"), flag: "lr", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("neuralrg", "mnist"), flag: "depth", values: s("0", "6", "-1")},
		{cmd: s("neuralrg", "mnist"), flag: "hidden", values: s("0", "5000")},
		{cmd: s("neuralrg", "mnist"), flag: "train-images", values: s("-1")},
		{cmd: s("neuralrg", "mnist"), flag: "test-images", values: s("-1")},
		{cmd: s("neuralrg", "mnist", "--quick"), flag: "steps", values: s("-1")},
		{cmd: s("neuralrg", "mnist", "--quick"), flag: "batch", values: s("0")},
		// ising exact.
		{cmd: s("ising", "exact"), flag: "L", values: s("0", "1", "-1", "10001", "100000")},
		{cmd: s("ising", "exact"), flag: "T", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("ising", "exact"), flag: "shift", values: vals(s("0", "-1"), nonFiniteFlags)},
		// calabiyau sigma, donaldson, train (and the alias cy).
		{cmd: s("calabiyau", "sigma"), flag: "family", values: s("k3", "", "quartic")},
		{cmd: s("calabiyau", "sigma"), flag: "psi", values: s("ten", "1", "", "NaN")},
		{cmd: s("calabiyau", "sigma", "--family", "fermat"), flag: "psi", values: s("1", "2+3i")},
		{cmd: s("calabiyau", "sigma"), flag: "k", values: s("0", "9", "-1")},
		{cmd: s("cy", "sigma"), flag: "points", values: s("0", "49", "-1", "1000000000000")},
		{cmd: s("cy", "sigma"), flag: "balanced-iterations", values: s("-1")},
		{cmd: s("cy", "sigma", "--balanced-iterations", "1"), flag: "iteration-points", values: s("0", "10", "-1", "1000000000000")},
		{cmd: s("cy", "sigma", "--iteration-points", "100000"), flag: "balanced-iterations", values: s("100000000")},
		{cmd: s("calabiyau", "donaldson"), flag: "iterations", values: s("0", "-1")},
		{cmd: s("calabiyau", "donaldson"), flag: "points", values: s("0", "10", "1000000000000")},
		{cmd: s("calabiyau", "donaldson"), flag: "eval-points", values: s("0", "10", "1000000000000")},
		{cmd: s("calabiyau", "donaldson"), flag: "k", values: s("0", "9")},
		{cmd: s("calabiyau", "donaldson"), flag: "psi", values: s("1", "x")},
		{cmd: s("cy", "train"), flag: "steps", values: s("0", "-1", "100000000")},
		{cmd: s("cy", "train"), flag: "k", values: s("0", "5", "-1")},
		{cmd: s("cy", "train"), flag: "points", values: s("0", "9", "-1", "100000000")},
		{cmd: s("cy", "train"), flag: "psi-batch", values: s("0", "-1", "100000000")},
		{cmd: s("cy", "train"), flag: "psi-radius", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("cy", "train"), flag: "lr", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("cy", "train"), flag: "grid-points", values: s("0", "49", "-1", "100000000000")},
		// forces lj, train, seeds; descriptors soap, sine.
		{cmd: s("forces", "lj"), flag: "distances", values: s("-1", "", "0", "1,,2", "abc", "NaN", "Inf", "2.5,-3", ",", "2.5,")},
		{cmd: s("forces", "lj"), flag: "epsilon", values: vals(s("-1"), nonFiniteFlags)},
		{cmd: s("forces", "lj"), flag: "sigma", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("forces", "train"), flag: "descriptor", values: s("acsf", "", "SOAP")},
		{cmd: s("forces", "train"), flag: "recipe", values: s("fast", "")},
		{cmd: s("forces", "train"), flag: "epochs", values: s("0", "-1", "100000000")},
		{cmd: s("forces", "train"), flag: "box", values: vals(s("-20", "0", "5", "9.99"), nonFiniteFlags)},
		{cmd: s("forces", "seeds"), flag: "n", values: s("0", "-1", "100000")},
		{cmd: s("forces", "seeds"), flag: "seeds", values: s("0", "-3"), want: "--n"}, // an alias of -n
		{cmd: s("forces", "seeds"), flag: "box", values: s("-20", "NaN")},
		{cmd: s("forces", "seeds", "--json"), flag: "n", values: s("0")},
		{cmd: s("descriptors", "soap"), flag: "positions", values: s("", "1,,2,3;0,0,0", "1,2", "a,b,c", "1,2,3;;4,5,6", "NaN,0,0", "1,2,3,4", ";")},
		{cmd: s("descriptors", "soap", "--positions", "0,0,0;0.7,0,0"), flag: "species", values: s("H", "H,H,H", "Xx,H", "H,0", "H,200")},
		{cmd: s("descriptors", "soap", "--positions", "0,0,0"), flag: "centers", values: s("1,2", "1,,2", "x,y,z")},
		{cmd: s("descriptors", "soap", "--positions", "0,0,0"), flag: "r-cut", values: vals(s("1", "0.5", "-1", "1e9", "101"), nonFiniteFlags)},
		{cmd: s("descriptors", "soap", "--positions", "0,0,0"), flag: "sigma", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("descriptors", "soap", "--positions", "0,0,0"), flag: "n-max", values: s("0", "-1", "17", "100000")},
		{cmd: s("descriptors", "soap", "--positions", "0,0,0"), flag: "l-max", values: s("-1", "21", "100000")},
		{cmd: s("descriptors", "sine", "--positions", "0,0,0;0.7,0,0"), flag: "cell", values: s("", "1,0,0;0,1,0", "1,0,0;0,1,0;0,0,1;1,1,1", "a")},
		{cmd: s("descriptors", "sine", "--positions", "0,0,0;0.7,0,0", "--cell", "5,0,0;0,5,0;0,0,5"), flag: "n-atoms-max", values: s("-1", "1", "100000")},
		{cmd: s("descriptors", "sine", "--cell", "5,0,0;0,5,0;0,0,5"), flag: "positions", values: s("", "0,0", "0,,0;1,1,1")},
		// wine; vision cnn, transfer.
		{cmd: s("wine"), flag: "epochs", values: s("0", "-1", "2000000")},
		{cmd: s("wine"), flag: "hidden", values: s("0", "-1", "2000000")},
		{cmd: s("wine"), flag: "batch", values: s("0", "-1")},
		{cmd: s("wine"), flag: "lr", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("wine"), flag: "save", values: s(file, filepath.Join(file, "model"))},
		{cmd: s("vision", "cnn"), flag: "dataset", values: s("mnist", "CIFAR10", "cifar-10")},
		{cmd: s("vision", "cnn"), flag: "epochs", values: s("0", "-1", "20000")},
		{cmd: s("vision", "cnn"), flag: "batch", values: s("0", "-1", "100000")},
		{cmd: s("vision", "cnn"), flag: "train-limit", values: s("-5", "-1")},
		{cmd: s("vision", "cnn"), flag: "test-limit", values: s("-1")},
		{cmd: s("vision", "cnn"), flag: "lr", values: vals(s("0", "-1"), nonFiniteFlags)},
		{cmd: s("vision", "cnn", "--dataset", "fashion"), flag: "save", values: s(file, filepath.Join(file, "model"))},
		{cmd: s("vision", "transfer"), flag: "target", values: s("imagenet", "Digits")},
		{cmd: s("vision", "transfer"), flag: "dataset", values: s("imagenet"), want: "--target"}, // an alias of --target
		{cmd: s("vision", "transfer"), flag: "labels", values: s("0", "9", "-1", "2000000")},
		{cmd: s("vision", "transfer"), flag: "epochs", values: s("0", "-1", "20000")},
		{cmd: s("vision", "transfer"), flag: "batch", values: s("0", "-1", "2000000")},
		{cmd: s("vision", "transfer"), flag: "test-limit", values: s("-1", "2000000")},
		{cmd: s("vision", "transfer"), flag: "size", values: s("-1", "-224", "5000")},
		{cmd: s("vision", "transfer"), flag: "fine-tune-lr", values: vals(s("-1", "-1e-4"), nonFiniteFlags)},
		{cmd: s("vision", "transfer"), flag: "modes", values: s("fine-tuning", "scratch,scratch", "scratch,")},
		{cmd: s("vision", "transfer"), flag: "model", values: s(filepath.Join(file, "resnet18.onnx"), "/nonexistent/resnet18-v1-7.onnx")},
		// notebooks run.
		{cmd: s("notebooks", "run"), flag: "out", values: s(file, filepath.Join(file, "gallery"))},
		{cmd: s("notebooks", "run"), flag: "timeout", values: s("0s", "-1m")},
	}
	// `physnb lesson STEP` runs the walkthroughs' commands by the lesson's
	// names: the same bad values, through the other door.
	lesson := map[string][]string{"forces lj": s("lesson", "lj"), "forces train": s("lesson", "forces"), "wine": s("lesson", "wine"),
		"vision cnn": s("lesson", "cnn"), "vision transfer": s("lesson", "transfer")}
	for _, r := range rows {
		for prefix, to := range lesson {
			n := len(strings.Fields(prefix))
			if len(r.cmd) >= n && strings.Join(r.cmd[:n], " ") == prefix {
				r2 := r
				r2.cmd = append(append([]string{}, to...), r.cmd[n:]...)
				rows = append(rows, r2)
			}
		}
	}
	return rows
}

// badParse are values the flag package itself refuses (not numbers): its
// message names the flag and says the value does not parse.
var badParse = []badFlag{
	{cmd: s("holography", "train"), flag: "epochs", values: s("ten", "1.5", "")},
	{cmd: s("holography", "train"), flag: "charge", values: s("abc")},
	{cmd: s("neuralrg", "train"), flag: "L", values: s("four", "4.0")},
	{cmd: s("neuralrg", "train"), flag: "seed", values: s("-1", "x")},
	{cmd: s("ising", "exact"), flag: "T", values: s("hot")},
	{cmd: s("cy", "sigma"), flag: "points", values: s("1e12")},
	{cmd: s("forces", "train"), flag: "box", values: s("big")},
	{cmd: s("wine"), flag: "lr", values: s("fast")},
	{cmd: s("vision", "transfer"), flag: "size", values: s("224px")},
}

var (
	rangeWords = regexp.MustCompile(`want|use |needs|need |must|at least|at most|is a file|cannot be written|does not parse|invalid value`)
	goTrace    = regexp.MustCompile(`goroutine \d+|panic:|fatal error:|runtime\.`)
)

// memCapKB is the address-space limit of every run (ulimit -v): enough for
// the Go runtime and the backends to start, far from what the bad sizes
// would allocate.
const memCapKB = 6 << 20

// TestBadInputsAreRefusedClearly runs the binary once per bad value, under a
// memory cap and a time limit, and checks the refusal.
func TestBadInputsAreRefusedClearly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs it some 500 times")
	}
	bin := buildCLI(t)
	tmp := t.TempDir()
	file := filepath.Join(tmp, "a-file")
	if err := os.WriteFile(file, []byte("not a folder\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// No data, and no network: a value that slipped past validation would
	// fail on the data instead of being refused, and the test says so.
	env := append(os.Environ(), "PHYSNB_DATA="+filepath.Join(tmp, "no-data"), "HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9",
		"GOMLX_BACKEND=", "PHYSNB_DEVICE=cpu", "GOFLAGS=-mod=mod", "GOPROXY=off", "HOME="+tmp)

	type job struct {
		row   badFlag
		value string
		parse bool
	}
	var jobs []job
	rows := badInputs(file)
	commands := map[string]bool{}
	for _, r := range rows {
		commands[strings.Join(r.cmd[:min(2, len(r.cmd))], " ")] = true
		for _, v := range r.values {
			jobs = append(jobs, job{r, v, false})
		}
	}
	nRange := len(jobs)
	for _, r := range badParse {
		for _, v := range r.values {
			jobs = append(jobs, job{r, v, true})
		}
	}
	t.Logf("bad inputs: %d out-of-range values in %d rows over %d command lines, and %d values that do not parse; %d runs in all",
		nRange, len(rows), len(commands), len(jobs)-nRange, len(jobs))

	var failed atomic.Int32
	var mu sync.Mutex
	var slowest time.Duration
	var slowestArgs string
	work := make(chan job)
	var wg sync.WaitGroup
	for range 2 { // two at a time: the development machine has two cores
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				args := append(append([]string{}, j.row.cmd...), "--"+j.row.flag+"="+j.value)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				sh := fmt.Sprintf("ulimit -v %d && exec \"$0\" \"$@\"", memCapKB)
				cmd := exec.CommandContext(ctx, "sh", append([]string{"-c", sh, bin}, args...)...)
				cmd.Env = env
				var stdout, stderr strings.Builder
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				start := time.Now()
				err := cmd.Run()
				took := time.Since(start)
				timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
				cancel()
				mu.Lock()
				if took > slowest {
					slowest, slowestArgs = took, strings.Join(args, " ")
				}
				mu.Unlock()
				msg := stderr.String()
				var problems []string
				var exit *exec.ExitError
				switch {
				case timedOut:
					problems = append(problems, "still running after 30 s")
				case err == nil:
					problems = append(problems, "exit status 0")
				case !errors.As(err, &exit) || exit.ExitCode() != 1 && !(j.parse && exit.ExitCode() == 2):
					problems = append(problems, fmt.Sprintf("ended with %v, want exit status 1", err))
				}
				if took > 10*time.Second {
					problems = append(problems, fmt.Sprintf("took %.1f s, want a refusal within seconds", took.Seconds()))
				}
				want := j.row.want
				if want == "" {
					want = "-" + j.row.flag
				}
				if !strings.Contains(msg, want) {
					problems = append(problems, fmt.Sprintf("the message does not name %q", want))
				}
				if !rangeWords.MatchString(msg) {
					problems = append(problems, "the message states no valid range")
				}
				if goTrace.MatchString(msg + stdout.String()) {
					problems = append(problems, "a Go trace")
				}
				if strings.Contains(stdout.String(), "NaN") || strings.Contains(stdout.String(), "Inf") {
					problems = append(problems, "NaN or Inf on stdout")
				}
				if len(problems) > 0 {
					failed.Add(1)
					t.Errorf("physnb %s: %s\nstderr: %s", strings.Join(args, " "), strings.Join(problems, "; "), firstLines(msg, 4))
				}
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	t.Logf("refused clearly: %d of %d; slowest %.2f s (physnb %s)", len(jobs)-int(failed.Load()), len(jobs), slowest.Seconds(), slowestArgs)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}

// --quick sets the sizes of a short run, but a flag given explicitly wins:
// `neuralrg train --quick --batch 64` trains with batches of 64, not 128.
func TestQuickKeepsExplicitFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a flow for a few steps")
	}
	var r struct {
		Batch   int `json:"batch"`
		Epochs  int `json:"epochs"`
		Samples int `json:"samples"`
		L       int `json:"L"`
	}
	err := runJSON(t, runNeuralRG, &r, "train", "--quick", "--batch", "64", "--epochs", "3", "--samples", "64", "--local-moves", "0")
	if err != nil {
		t.Fatal(err)
	}
	if r.Batch != 64 || r.Epochs != 3 || r.Samples != 64 || r.L != 4 {
		t.Errorf("--quick --batch 64 --epochs 3 --samples 64 ran batch %d, %d epochs, %d samples, L %d; want 64, 3, 64 and quick's L 4",
			r.Batch, r.Epochs, r.Samples, r.L)
	}
}
