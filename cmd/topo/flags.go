package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/topology"
)

// topologyFlag registers -t/--topology, completed with running topologies.
func topologyFlag(a *app, cmd *cobra.Command, p *string) {
	cmd.Flags().StringVarP(p, "topology", "t", "", "the topology: a file or a name (default: the only one running)")
	_ = cmd.RegisterFlagCompletionFunc("topology", a.completeTopologies)
}

// completeTopologies completes the names of running topologies.
func (a *app) completeTopologies(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	o, closeFn, err := a.open(cmd.Context(), false)
	defer closeFn()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	tops, err := o.List(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	names := make([]string, len(tops))
	for i, t := range tops {
		names[i] = t.Name
	}
	return names, cobra.ShellCompDirectiveDefault
}

// maxEcho bounds how much of what a user typed an error repeats: enough to
// recognise it, not a screenful.
const maxEcho = 64

// clip shortens s for an error message, marking the cut with "…".
func clip(s string) string {
	r := []rune(s)
	if len(r) <= maxEcho {
		return s
	}
	return string(r[:maxEcho]) + "…"
}

// checkRef refuses, before anything is read or Docker is asked, a topology
// reference that can be neither: an existing path that is not a regular
// file of at most topology.MaxFileSize bytes, or something that exists
// nowhere and is not a valid topology name (which is also what keeps a
// name like x/../../y from ever becoming a path).
func checkRef(ref string) error {
	if ref == "" {
		return nil
	}
	if _, err := os.Stat(ref); err == nil {
		if err := topology.CheckFile(ref); err != nil {
			return usageError{err}
		}
		return nil
	}
	if topology.CheckName(ref) == nil {
		return nil
	}
	if strings.ContainsRune(ref, filepath.Separator) || strings.ContainsRune(ref, '/') || filepath.Ext(ref) != "" {
		return usageError{fmt.Errorf("%s: no such file, and not a topology name; `topo ls` lists the running ones by name", clip(ref))}
	}
	return usageError{topology.CheckName(ref)}
}

// checkWorkers refuses a --max-workers below 1, which once passed silently
// for the default.
func checkWorkers(cmd string, n int) error {
	if n < 1 {
		return usageError{fmt.Errorf("%s: --max-workers %d: want 1 or more", cmd, n)}
	}
	return nil
}

// minUpTimeout is the least --timeout up takes: under it the deadline
// passes before the engine has answered its first question, and the error
// blamed the engine for what was a bad flag.
const minUpTimeout = time.Second

// checkUpTimeout refuses a --timeout given as zero or less, or too short
// for any up; changed says whether the flag was given at all.
func checkUpTimeout(changed bool, d time.Duration) error {
	const def = "leave it out for the default (2m, or 4s a node above 30 nodes)"
	switch {
	case !changed:
		return nil
	case d <= 0:
		return usageError{fmt.Errorf("up: --timeout %v: must be positive, like 5m; or %s", d, def)}
	case d < minUpTimeout:
		return usageError{fmt.Errorf("up: --timeout %v is too short: an up takes seconds; give %v or more, or %s", d, minUpTimeout, def)}
	}
	return nil
}
