package node

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/topo-dev/topo/agent"
)

// Runtime faults on links, as topo tells them (agent.LinkFault): a cut
// link drops every frame for its neighbour at once, counted with the
// fault's reason, where the kernel's packet filter would lose them
// unseen; a runtime impairment replaces the file's for the frames this
// node sends on the link, by a shaper of the link's own.

// SetFaults makes faults, by neighbour, the agent's link faults; a link
// it does not name gets none. The agent must be running.
func (a *Agent) SetFaults(faults map[string]agent.LinkFault) error {
	var unknown []string
	for name, f := range faults {
		if a.net.Link(name) == nil && !a.tab().foreign[name] {
			unknown = append(unknown, name)
		}
		if err := checkFault(f); err != nil {
			return fmt.Errorf("link to %s: %w", name, err)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("no link to %s", strings.Join(unknown, ", "))
	}
	if !a.running.Load() {
		return errors.New("the agent is not running")
	}
	for _, l := range a.net.Links() {
		l.SetFault(faults[l.Name()])
	}
	return nil
}

func checkFault(f agent.LinkFault) error {
	switch f.Cut {
	case "", agent.ReasonLinkDown, agent.ReasonPartition, agent.ReasonNodeDown:
	default:
		return fmt.Errorf("cut %q, want %s, %s or %s", f.Cut, agent.ReasonLinkDown, agent.ReasonPartition, agent.ReasonNodeDown)
	}
	switch f.Direction {
	case "":
	case agent.CutOut, agent.CutIn:
		if f.Cut == "" {
			return fmt.Errorf("direction %q without a cut", f.Direction)
		}
	default:
		return fmt.Errorf("direction %q, want %s or %s", f.Direction, agent.CutOut, agent.CutIn)
	}
	if imp := f.Impairment; imp != nil && (imp.Loss < 0 || imp.Loss >= 1 || imp.Delay < 0 || imp.Jitter < 0) {
		return fmt.Errorf("impairment %s out of range", imp)
	}
	return nil
}
