package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// ErrAmbiguous is returned, wrapped, when a command needs one topology and
// several are running.
var ErrAmbiguous = errors.New("several topologies are running")

// Resolve turns what a user typed after -t into a running topology's name.
// ref may be a topology file (the topology started from it), a name, or
// empty when exactly one topology is running.
func (o *Orchestrator) Resolve(ctx context.Context, ref string) (string, error) {
	name, _, err := o.ResolveWhy(ctx, ref)
	return name, err
}

// ResolveWhy is Resolve, and says why when it picked one of several
// running topologies by itself ("its file is in this directory"), so that
// the caller can tell the user which one a command acts on; why is empty
// when there was no choice to make.
func (o *Orchestrator) ResolveWhy(ctx context.Context, ref string) (name, why string, err error) {
	tops, err := o.List(ctx)
	if err != nil {
		return "", "", err
	}
	if ref == "" && len(tops) > 1 {
		if name, why, ok := startedHere(tops); ok {
			return name, why, nil
		}
	}
	name, err = resolve(tops, ref)
	return name, "", err
}

// resolve is Resolve over the running topologies tops.
func resolve(tops []TopologyInfo, ref string) (string, error) {
	names := make([]string, len(tops))
	for i, t := range tops {
		names[i] = t.Name
	}
	if ref == "" {
		switch len(tops) {
		case 0:
			return "", fmt.Errorf("nothing is running; start a topology with `topo up FILE`: %w", ErrNoTopology)
		case 1:
			return tops[0].Name, nil
		}
		return "", fmt.Errorf("%w (%s); say which with -t NAME", ErrAmbiguous, strings.Join(names, ", "))
	}
	for _, t := range tops {
		if t.Name == ref {
			return ref, nil
		}
	}
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		// A device or a huge file is refused before anything reads it.
		if err := topology.CheckFile(ref); err != nil {
			return "", err
		}
		abs, _ := filepath.Abs(ref)
		var match []string
		for _, t := range tops {
			if t.File == abs {
				match = append(match, t.Name)
			}
		}
		if len(match) == 0 {
			// Started elsewhere (a compose export, another checkout): the
			// name the file declares is the next best guess.
			if t, err := topology.Load(ref); err == nil && slices.Contains(names, t.Name) {
				return t.Name, nil
			}
		}
		switch len(match) {
		case 1:
			return match[0], nil
		case 0:
			return "", fmt.Errorf("no running topology was started from %s; `topo ls` lists the running ones: %w", ref, ErrNoTopology)
		default:
			return "", fmt.Errorf("%w from %s (%s); say which with -t NAME", ErrAmbiguous, ref, strings.Join(match, ", "))
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("topology %q is not running, and nothing else is: %w", ref, ErrNoTopology)
	}
	return "", fmt.Errorf("topology %q is not running (running: %s): %w", ref, strings.Join(names, ", "), ErrNoTopology)
}

// startedHere picks, among several running topologies, the one brought up
// from a file in the current directory, when exactly one was; failing that,
// the one brought up from a file below it (the README's quick start runs
// topologies/star.yaml from the checkout's root), when exactly one was.
// why says which of the two it was.
func startedHere(tops []TopologyInfo) (name, why string, ok bool) {
	wd, err := os.Getwd()
	if err != nil {
		return "", "", false
	}
	var here, below []string
	for _, t := range tops {
		if t.File == "" || !filepath.IsAbs(t.File) {
			continue // a compose export keeps a relative path
		}
		rel, err := filepath.Rel(wd, t.File)
		switch {
		case err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)):
		case filepath.Dir(rel) == ".":
			here = append(here, t.Name)
		default:
			below = append(below, t.Name)
		}
	}
	switch {
	case len(here) == 1:
		return here[0], "its file is in this directory", true
	case len(here) == 0 && len(below) == 1:
		return below[0], "its file is below this directory", true
	}
	return "", "", false
}

// NodeRef is a node of a running topology, as its container's labels say.
type NodeRef struct {
	Name  string
	Agent bool   // it runs topo's agent, not a user's own image
	State string // the container's state: running, exited, paused…
}

// Nodes lists a running topology's nodes in plan order, from the labels
// alone: cheap enough for shell completion.
func (o *Orchestrator) Nodes(ctx context.Context, name string) ([]NodeRef, error) {
	cs, err := o.containers(ctx, name)
	if err != nil {
		return nil, err
	}
	out := make([]NodeRef, len(cs))
	for i, c := range cs {
		out[i] = NodeRef{Name: c.Labels[engine.LabelNode], Agent: c.Labels[engine.LabelAgent] == "true", State: c.State}
	}
	return out, nil
}
