package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/topo-dev/topo/topology"
)

// ErrAmbiguous is returned, wrapped, when a command needs one topology and
// several are running.
var ErrAmbiguous = errors.New("several topologies are running")

// Resolve turns what a user typed after -t into a running topology's name.
// ref may be a topology file (the topology started from it), a name, or
// empty when exactly one topology is running.
func (o *Orchestrator) Resolve(ctx context.Context, ref string) (string, error) {
	tops, err := o.List(ctx)
	if err != nil {
		return "", err
	}
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
		default:
			return "", fmt.Errorf("%w (%s); say which with -t NAME", ErrAmbiguous, strings.Join(names, ", "))
		}
	}
	for _, t := range tops {
		if t.Name == ref {
			return ref, nil
		}
	}
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
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
