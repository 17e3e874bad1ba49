package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator/internal/faults"
)

// noteNodeFaults keeps what a node action did to nodes: a marker for a
// stop, kill or pause, none after a start, restart or unpause.
func (o *Orchestrator) noteNodeFaults(ctx context.Context, name string, opts NodeActionOptions) error {
	makes := faults.MakesFault(opts.Action)
	var image string
	if makes {
		var err error
		if image, err = o.NodeImage(ctx); err != nil {
			return err
		}
	}
	by := opts.By
	if by == "" {
		by = "topo"
	}
	at := time.Now().UTC().Truncate(time.Second)
	for _, n := range opts.Nodes {
		key := Fault{Kind: FaultNode, Node: n}.Key()
		err := o.rt.RemoveContainer(ctx, faults.MarkerName(name, key))
		if err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("node %s: forget the marker: %w", n, err)
		}
		if !makes {
			continue
		}
		js, err := json.Marshal(Fault{Kind: FaultNode, Node: n, Action: string(opts.Action), By: by, At: at})
		if err != nil {
			return err
		}
		spec := engine.ContainerSpec{Name: faults.MarkerName(name, key), Hostname: "fault", Image: image,
			Labels: map[string]string{engine.LabelHelper: name, engine.LabelFault: string(js)}}
		if _, err := o.rt.CreateContainer(ctx, spec); err != nil {
			return fmt.Errorf("node %s: keep the marker: %w", n, err)
		}
	}
	return nil
}
