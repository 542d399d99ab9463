package main

import (
	"os/exec"
	"strings"
	"testing"
)

// -h prints a command's options and exits 0: asking for help is not an error.
func TestHelpExitsZero(t *testing.T) {
	bin := buildCLI(t)
	for _, args := range [][]string{{"bench", "-h"}, {"data", "verify", "-h"}, {"notebooks", "run", "-h"}, {"env", "-h"}} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Errorf("physnb %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if !strings.Contains(string(out), "-json") || strings.Contains(string(out), "flag: help requested") {
			t.Errorf("physnb %s: want the options, without \"flag: help requested\":\n%s", strings.Join(args, " "), out)
		}
	}
}
