package main

import (
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
)

// captureStdout runs f and returns what it printed on stdout. Commands print
// their reports with fmt.Print*, so the test swaps os.Stdout for a pipe.
func captureStdout(t *testing.T, f func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []byte)
	go func() { // drain while f runs, so a large report cannot block on a full pipe
		b, _ := io.ReadAll(r)
		done <- b
	}()
	old := os.Stdout
	os.Stdout = w
	errRun := f()
	os.Stdout = old
	w.Close()
	return string(<-done), errRun
}

// runJSON runs a command function with args plus --json and decodes what it
// printed into v. It returns the command's error; output that is present but
// not JSON fails the test, since --json promises machine-readable output even
// for reports that end in an error (as `data verify` does).
func runJSON(t *testing.T, run func([]string) error, v any, args ...string) error {
	t.Helper()
	out, runErr := captureStdout(t, func() error { return run(append(args, "--json")) })
	if strings.TrimSpace(out) == "" {
		if runErr == nil {
			t.Fatalf("%v --json printed nothing", args)
		}
		return runErr
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v --json: output is not JSON: %v\n%s", args, err, out)
	}
	return runErr
}
