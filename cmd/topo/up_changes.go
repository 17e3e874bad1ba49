package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/topo-dev/topo/orchestrator"
)

// dryRunChange prints what up would do to a topology that runs: the
// operations from the file it runs from to this one, one a line, in the
// order they would run, and what it would make of a topology that runs
// in part; with -o json, the change typed. It says on stderr when up
// would refuse it, and why.
func (a *app) dryRunChange(c *orchestrator.Change, output string) error {
	if output == "json" {
		return writeJSON(a, struct {
			Running bool `json:"running"`
			Applies bool `json:"applies"`
			*orchestrator.Change
		}{true, c.Applies(), c})
	}
	lines := append(c.Lines(), c.Completes...)
	if len(lines) == 0 && c.Applies() {
		fmt.Fprintf(a.stdout, "%s runs as %s plans it; up would change nothing\n", c.Name, c.File)
	}
	for _, l := range lines {
		fmt.Fprintln(a.stdout, l)
	}
	if why := c.Why(); why != "" {
		fmt.Fprintf(a.stderr, "up would refuse this: %s\n", why)
	}
	fmt.Fprintf(a.stderr, "dry run: %s runs; nothing was changed\n", c.Name)
	return nil
}

// printChanged says what up changed of a topology that ran from an
// earlier version of the file, and what it completed.
func printChanged(a *app, res *orchestrator.UpResult, took time.Duration) {
	lines := append(append([]string(nil), res.Changed...), res.Completed...)
	fmt.Fprintf(a.stdout, "changed %s in %s:\n  %s\n", res.Name, took.Round(10*time.Millisecond), strings.Join(lines, "\n  "))
	printNotices(a, res.Notices)
}
