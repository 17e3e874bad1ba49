package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/topo-dev/topo/orchestrator"
)

// progress shows orchestrator events: one rewritten line per phase on a
// terminal, one line per step otherwise (CI logs, pipes).
type progress struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
	// running are the phases under way, in the order they started, with
	// their counts: up makes networks and containers side by side, and
	// the terminal's one line shows both.
	running []phaseCount
}

type phaseCount struct {
	phase       orchestrator.Phase
	done, total int
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, tty: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) event(e orchestrator.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Status == "waiting" && len(e.Waiting) > 0 {
		fmt.Fprintf(p.w, "%s %d/%d: waiting %s for %s\n", e.Phase, e.Done, e.Total, e.Elapsed.Round(time.Second), firstNames(e.Waiting))
		for _, n := range e.Waiting {
			if down := e.LinksDown[n]; len(down) > 0 {
				fmt.Fprintf(p.w, "  %s: links down to %s\n", n, firstNames(down))
			}
		}
		return
	}
	if e.Status == "waiting" {
		fmt.Fprintf(p.w, "%s: waiting for %s, which another topo process holds\n", e.Phase, e.Resource)
		return
	}
	if e.Status == orchestrator.StatusWorking {
		p.working(e)
		return
	}
	if e.Total == 0 && e.Resource == "" && e.Phase != orchestrator.PhaseRollback {
		return // an empty phase, e.g. no image to build
	}
	if p.tty {
		p.ttyEvent(e)
		return
	}
	switch {
	case e.Resource != "" && e.Status == "failed":
		fmt.Fprintf(p.w, "%s %s failed: %v\n", e.Phase, e.Resource, e.Err)
	case e.Resource != "":
		fmt.Fprintf(p.w, "%s %d/%d %s\n", e.Phase, e.Done, e.Total, e.Resource)
	case e.Status == "started" && e.Phase == orchestrator.PhaseRollback:
		fmt.Fprintln(p.w, "rolling back: removing what was created")
	case e.Status == "done" && e.Elapsed > 0:
		fmt.Fprintf(p.w, "%s done in %s\n", e.Phase, e.Elapsed.Round(1e6))
	}
}

func (p *progress) ttyEvent(e orchestrator.Progress) {
	const clear = "\r\033[K"
	switch {
	case e.Status == "started" && e.Phase == orchestrator.PhaseRollback:
		fmt.Fprintf(p.w, "%srolling back: removing what was created\n", clear)
		return
	case e.Status == "started":
		p.running = append(p.running, phaseCount{phase: e.Phase, total: e.Total})
	case e.Resource != "":
		p.count(e)
	case e.Status == "failed":
		p.finish(e.Phase)
		fmt.Fprintf(p.w, "%s✗ %s\n", clear, e.Phase)
	case e.Status == "stopped":
		p.finish(e.Phase)
		fmt.Fprintf(p.w, "%s- %s stopped\n", clear, e.Phase)
	case e.Status == "done":
		p.finish(e.Phase)
		fmt.Fprintf(p.w, "%s✓ %s %d/%d (%s)\n", clear, e.Phase, e.Total, e.Total, e.Elapsed.Round(1e6))
	default:
		return
	}
	if len(p.running) == 0 {
		return
	}
	parts := make([]string, len(p.running))
	for i, r := range p.running {
		parts[i] = fmt.Sprintf("%s %d/%d", r.phase, r.done, r.total)
	}
	line := strings.Join(parts, " · ")
	if e.Resource != "" {
		line += " " + e.Resource
	}
	fmt.Fprintf(p.w, "%s… %s", clear, line)
}

// working shows a line on a step still under way: on a terminal it takes
// the rewritten line until the next event; else it is a line of its own.
func (p *progress) working(e orchestrator.Progress) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K… %s: %s", e.Phase, e.Resource)
		return
	}
	fmt.Fprintf(p.w, "%s: %s\n", e.Phase, e.Resource)
}

// count records a resource's end in its phase's count.
func (p *progress) count(e orchestrator.Progress) {
	for i := range p.running {
		if p.running[i].phase == e.Phase {
			p.running[i].done, p.running[i].total = e.Done, e.Total
		}
	}
}

// finish drops a phase from the running ones.
func (p *progress) finish(phase orchestrator.Phase) {
	p.running = slices.DeleteFunc(p.running, func(r phaseCount) bool { return r.phase == phase })
}

// firstNames names the first few of names, and counts the rest: what a
// phase waits for, the nodes a command acted on.
func firstNames(names []string) string {
	const shown = 5
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
}
