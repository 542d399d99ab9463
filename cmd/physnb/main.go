// Command physnb runs physnb's experiments outside notebooks (long runs, GPU
// machines), executes and exports the notebooks, manages the data sets and
// measures performance.
//
//	physnb env [--json]                        backend, devices, versions, data status
//	physnb notebooks run [--quick] [--out DIR] [NAME...]
//	physnb data list|verify|fetch [--json]
//	physnb bench [--json] [--quick] [NAME...]
//
// Each walkthrough adds its own commands (physnb help lists them all). Every
// command that produces results prints a readable summary, or one JSON object
// with stable snake_case field names when given --json; progress goes to stderr.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// command is one subcommand; files of this package register theirs in init().
type command struct {
	name    string
	summary string
	run     func(args []string) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("physnb: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// errSilent marks an error whose explanation was already printed (for example a
// JSON report with failures): main exits non-zero without printing it again.
var errSilent = errors.New("")

func usage() {
	fmt.Fprintln(os.Stderr, "physnb: literate physics + machine learning notebooks in Go.\n\nUsage: physnb COMMAND [options]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'physnb COMMAND -h' for a command's options.")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	c, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "physnb: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err := c.run(os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) { // -h: the flag package printed the usage
			return
		}
		if err != errSilent && err.Error() != "" {
			fmt.Fprintf(os.Stderr, "physnb %s: %v\n", c.name, err)
		}
		os.Exit(1)
	}
}

// splitSub returns the subcommand and its arguments, or an error listing the valid ones.
func splitSub(cmd string, args []string, valid ...string) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", nil, fmt.Errorf("needs a subcommand: %s", strings.Join(valid, ", "))
	}
	for _, v := range valid {
		if args[0] == v {
			return v, args[1:], nil
		}
	}
	return "", nil, fmt.Errorf("unknown subcommand %q of %s: use %s", args[0], cmd, strings.Join(valid, ", "))
}
