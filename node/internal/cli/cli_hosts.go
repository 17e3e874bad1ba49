package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/topo-dev/topo/agent"
)

// cliHosts rewrites a node's hosts file in place (agent.HostsCommand),
// from a helper that has it mounted: in place, because the file is a
// bind mount, which a new file put in its stead would not replace.
func cliHosts(_ context.Context, args []string, _ Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(agent.VerbHosts, flag.ContinueOnError)
	file := fs.String("file", "", "the hosts `FILE` to rewrite")
	drop := fs.String("drop", "", "comma-separated `NAMES` whose lines go")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	entries, err := parseHostEntries(pos)
	if err != nil {
		return usageError{err}
	}
	if *file == "" {
		return usageError{errors.New("want --file FILE")}
	}
	f, err := os.OpenFile(*file, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	old, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", *file, err)
	}
	var names []string
	if *drop != "" {
		names = strings.Split(*drop, ",")
	}
	out := rewriteHosts(string(old), names, entries)
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("rewrite %s: %w", *file, err)
	}
	if _, err := f.WriteAt([]byte(out), 0); err != nil {
		return fmt.Errorf("rewrite %s: %w", *file, err)
	}
	fmt.Fprintf(stdout, "%d entries\n", len(entries))
	return nil
}

// hostEntry is one "name:address" argument.
type hostEntry struct {
	name string
	addr netip.Addr
}

func parseHostEntries(args []string) ([]hostEntry, error) {
	out := make([]hostEntry, 0, len(args))
	for _, a := range args {
		name, addr, ok := strings.Cut(a, ":")
		ip, err := netip.ParseAddr(addr)
		if !ok || name == "" || err != nil {
			return nil, fmt.Errorf("entry %q: want NAME:ADDRESS", a)
		}
		out = append(out, hostEntry{name, ip})
	}
	return out, nil
}

// rewriteHosts takes out of a hosts file every line all of whose names
// are among drop or the entries' (topo's lines for other nodes), and puts
// entries where the first one was, or at the end: Docker's own lines
// (localhost, the node's own addresses) and a user's stay as they are.
func rewriteHosts(old string, drop []string, entries []hostEntry) string {
	ours := map[string]bool{}
	for _, n := range drop {
		ours[n] = true
	}
	for _, e := range entries {
		ours[e.name] = true
	}
	lines := strings.SplitAfter(old, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	var kept []string
	at := -1
	for _, l := range lines {
		if fields := strings.Fields(strings.SplitN(l, "#", 2)[0]); len(fields) > 1 && allOf(fields[1:], ours) {
			if at < 0 {
				at = len(kept)
			}
			continue
		}
		kept = append(kept, l)
	}
	if at < 0 {
		at = len(kept)
	}
	if at > 0 && !strings.HasSuffix(kept[at-1], "\n") {
		kept[at-1] += "\n"
	}
	news := make([]string, len(entries))
	for i, e := range entries {
		news[i] = e.addr.String() + "\t" + e.name + "\n"
	}
	return strings.Join(append(append(kept[:at:at], news...), kept[at:]...), "")
}

func allOf(names []string, set map[string]bool) bool {
	for _, n := range names {
		if !set[n] {
			return false
		}
	}
	return true
}
