package orchestrator

import (
	"context"
	"slices"
	"time"

	"github.com/topo-dev/topo/agent"
)

// settleTimeout bounds the look into the nodes' logs for a message whose
// receipt did not come back.
const settleTimeout = 5 * time.Second

// logSlack is how far before the send the look into the logs starts: the
// engine stamps the lines by its own clock, which may run behind ours.
const logSlack = time.Minute

// settle says what is known of a message whose receipt did not come back
// within waited, from the nodes' own logs, since a receipt can be lost on
// its way back (a link cut after the message went by) while the message
// was not: delivered with ReceiptLost when the destination logged its
// delivery; not delivered, with the reason and the node, when a node
// logged its drop (and did not take it back); else Unknown, never a false
// "not delivered". A failure to read the logs leaves it Unknown too.
func (o *Orchestrator) settle(ctx context.Context, name string, r *agent.Receipt, since time.Time, waited time.Duration) {
	r.WaitedMs = waited.Milliseconds()
	r.Unknown = true
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	var delivered *agent.Event
	drops := map[string]agent.Event{} // by node; a revoke takes one back
	var order []string
	err := o.Logs(ctx, name, LogsOptions{ID: r.ID, Since: since.Add(-logSlack)}, func(l LogLine) error {
		ev := agent.ParseEvent(l.Node, l.Text)
		from, _ := ev.Fields["from"].(string)
		switch {
		case ev.Event == agent.EvDeliver && ev.Node == r.To && ev.Peer == r.From:
			delivered = &ev
		case ev.Event == agent.EvDrop && from == r.From:
			drops[ev.Node] = ev
			order = append(order, ev.Node)
		case ev.Event == agent.EvRevoke:
			delete(drops, ev.Node)
		}
		return nil
	})
	if err != nil {
		return
	}
	if delivered != nil {
		r.Unknown, r.ReceiptLost, r.Delivered, r.Reason, r.DroppedAt = false, true, true, "", ""
		r.Path = pathTo(delivered.Path, r.From, r.To)
		return
	}
	for _, n := range order {
		if d, ok := drops[n]; ok {
			r.Unknown, r.ReceiptLost, r.Reason, r.DroppedAt = false, true, d.Reason, d.Node
			r.Path = pathTo(d.Path, r.From, d.Node)
			return
		}
	}
}

// pathTo is a path a node logged, from first to last both included, as a
// receipt gives it.
func pathTo(logged []string, first, last string) []string {
	p := slices.Clone(logged)
	if len(p) == 0 || p[0] != first {
		p = append([]string{first}, p...)
	}
	if p[len(p)-1] != last {
		p = append(p, last)
	}
	return p
}
