package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator/internal/faults"
)

// The faults' logic lives in internal/faults; these are its names in
// topo's API.
type (
	// A Fault is a fault in force on a running topology (see faults.Fault).
	Fault = faults.Fault
	// FaultKind names a fault that holds until it is lifted.
	FaultKind = faults.Kind
	// ImpairOptions say which link Impair acts on, and how (see
	// faults.ImpairOptions).
	ImpairOptions = faults.ImpairOptions
)

// Fault kinds.
const (
	FaultLinkDown  = faults.KindLinkDown  // Nodes' link carries nothing
	FaultImpair    = faults.KindImpair    // Nodes' link is impaired at runtime
	FaultPartition = faults.KindPartition // no traffic crosses between Groups
	FaultNode      = faults.KindNode      // Node's container does not run: stopped, killed or paused
)

// ErrBadFault is returned, wrapped, for a fault that names what the
// topology does not have: a node, or a link between two nodes.
var ErrBadFault = faults.ErrBad

// ErrNodeState is returned, wrapped, for a node action the node's state
// does not allow: unpausing a node that is not paused, say.
var ErrNodeState = faults.ErrNodeState

// ImpairSettings are the settings an impairment has, as
// ImpairOptions.Lift names them.
var ImpairSettings = faults.ImpairSettings

// Faults lists the faults in force on a topology, in a stable order: on
// links, and nodes that do not run.
func (o *Orchestrator) Faults(ctx context.Context, name string) ([]Fault, error) {
	links, marks, err := o.faultMarkers(ctx, name)
	if err != nil {
		return nil, err
	}
	cs, err := o.containers(ctx, name)
	if err != nil && !errors.Is(err, ErrNoTopology) {
		return nil, fmt.Errorf("faults of %s: %w", name, err)
	}
	return faults.Sort(append(links, faults.NodeFaults(cs, marks)...)), nil
}

// faultMarkers reads the markers of a topology's faults: those on links,
// and those of node actions by node.
func (o *Orchestrator) faultMarkers(ctx context.Context, name string) ([]Fault, map[string]Fault, error) {
	markers, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelHelper: name, engine.LabelFault: ""})
	if err != nil {
		return nil, nil, fmt.Errorf("faults of %s: %w", name, err)
	}
	links, nodes := []Fault{}, map[string]Fault{}
	for _, m := range markers {
		var f Fault
		if err := json.Unmarshal([]byte(m.Labels[engine.LabelFault]), &f); err != nil {
			return nil, nil, fmt.Errorf("faults of %s: marker %s: %w", name, m.Name, err)
		}
		if f.Kind == faults.KindNode {
			nodes[f.Node] = f
			continue
		}
		links = append(links, f)
	}
	return faults.Sort(links), nodes, nil
}
