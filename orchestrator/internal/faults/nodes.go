package faults

import (
	"errors"
	"fmt"
	"time"

	"github.com/topo-dev/topo/engine"
)

// Node faults. The engine's list of containers says which nodes do not
// run, but not since when nor why (it has no time of a state change, and
// a label cannot change on a container that exists). So when topo stops,
// kills or pauses a node it keeps a marker, as for faults on links, that
// says by what and when; starting or unpausing the node removes it. The
// container's state is what counts: a marker whose node runs again (or is
// in another state than its action makes) is ignored, and a node that
// stopped without topo (docker, or its own exit) is listed without one.

// ErrNodeState is returned, wrapped, for a node action the node's state
// does not allow: unpausing a node that is not paused, say.
var ErrNodeState = errors.New("the node's state does not allow that")

// nodeStateError says in topo's words why a node's state forbids an
// action; errors.Is matches it to ErrNodeState.
type nodeStateError struct{ msg string }

func (e nodeStateError) Error() string { return e.msg }

func (e nodeStateError) Is(target error) bool { return target == ErrNodeState }

// stateWord is a container's state as people say it of a node.
func stateWord(state string) string {
	switch state {
	case "exited":
		return "stopped"
	case "created":
		return "created, never started"
	}
	return state
}

// CheckNodeState says why c's state forbids act, before the engine does
// in its own words (which name the container's hash). Stop, start and
// restart the engine takes in any state.
func CheckNodeState(c engine.ContainerInfo, act engine.Action) error {
	n, st := c.Labels[engine.LabelNode], c.State
	switch {
	case act == engine.ActionUnpause && st != "paused":
		return nodeStateError{fmt.Sprintf("node %s is not paused (it is %s)", n, stateWord(st))}
	case act == engine.ActionPause && st == "paused":
		return nodeStateError{fmt.Sprintf("node %s is paused already", n)}
	case (act == engine.ActionPause || act == engine.ActionKill) && st != "running" && st != "paused":
		return nodeStateError{fmt.Sprintf("node %s is not running (it is %s)", n, stateWord(st))}
	}
	return nil
}

// actionMakes is the state a node action leaves a container in, for the
// actions that make a node fault.
var actionMakes = map[engine.Action]string{engine.ActionStop: "exited", engine.ActionKill: "exited", engine.ActionPause: "paused"}

// NodeFaults are the faults of the nodes among cs that do not run, with
// what marks says made them.
func NodeFaults(cs []engine.ContainerInfo, marks map[string]Fault) []Fault {
	var out []Fault
	for _, c := range cs {
		if c.State == "running" || c.State == "restarting" {
			continue
		}
		n := c.Labels[engine.LabelNode]
		f := Fault{Kind: KindNode, Node: n, State: c.State}
		if m, ok := marks[n]; ok && actionMakes[engine.Action(m.Action)] == c.State {
			f.Action, f.By, f.At = m.Action, m.By, m.At
		}
		out = append(out, f)
	}
	return out
}

// nodeString describes a node fault: "node spoke1 killed by topo at
// 18:50:01", or "node spoke1 stopped, not by topo (docker, or the node
// itself)". The time is local, as people read a clock; JSON has it in UTC.
func (f Fault) nodeString() string {
	if f.Action == "" {
		return fmt.Sprintf("node %s %s, not by topo (docker, or the node itself)", f.Node, stateWord(f.State))
	}
	done := map[string]string{"stop": "stopped", "kill": "killed", "pause": "paused"}[f.Action]
	s := fmt.Sprintf("node %s %s by %s", f.Node, done, f.By)
	if !f.At.IsZero() {
		s += " at " + f.At.Local().Format(time.TimeOnly)
	}
	return s
}

// MakesFault reports whether a node action makes a node fault (stop, kill,
// pause), which a marker records.
func MakesFault(act engine.Action) bool {
	_, ok := actionMakes[act]
	return ok
}
