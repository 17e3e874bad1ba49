package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
)

// followWindow is how long a followed line waits for earlier lines of
// other nodes that are still on their way.
const followWindow = 300 * time.Millisecond

// follow streams every picked node's log at once and emits the lines in
// time order, each after it has waited followWindow. A node whose stream
// ends (it stopped) is streamed again once it runs, from where it was; all
// follows every node, those added later too (roster). It returns nil when
// ctx ends, or once none of its nodes has a container left. On an engine
// of several hosts, a node whose host goes down stops being followed, with
// one warning per host naming its nodes, and the others go on (lostHosts):
// the manager of a swarm cannot reach that host's logs, and its stream
// would otherwise end, hang or fail the whole follow; it is followed again
// once its host is back.
func (o *Orchestrator) follow(ctx context.Context, name string, picked []engine.ContainerInfo, all bool, ro engine.LogOptions, keep func(agent.Event) bool, emit func(LogLine) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	buf := &followBuffer{emit: emit}
	flush := buf.flush
	flushed := make(chan error, 1)
	go func() {
		tick := time.NewTicker(followWindow / 3)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				flushed <- nil
				return
			case now := <-tick.C:
				if err := flush(now.Add(-followWindow)); err != nil {
					cancel()
					flushed <- err
					return
				}
			}
		}
	}()
	lost := o.lostHosts(name, picked)
	r := newRoster(o, name, picked, all, ro)
	err := r.run(ctx, picked, lost, func(ctx context.Context, c engine.ContainerInfo, ro engine.LogOptions) (time.Time, error) {
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		lost.streaming(c, stop)
		var last time.Time
		err := o.readLogs(sctx, c, ro, keep, func(l LogLine) error {
			last = l.Received
			buf.add(l)
			return nil
		})
		if ctx.Err() == nil && lost.ended(ctx, c.ID) {
			return last, errStreamLost // lostHosts said so
		}
		return last, err
	})
	cancel()
	if ferr := <-flushed; ferr != nil {
		return ferr
	}
	if err := flush(time.Now().Add(time.Hour)); err != nil { // the rest
		return err
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("logs: %w", err)
	}
	return nil
}

// followBuffer holds a follow's lines until every line stamped before
// them has arrived too.
type followBuffer struct {
	mu      sync.Mutex
	pending []arrivedLine
	emit    func(LogLine) error
}

// arrivedLine is a line and when it arrived.
type arrivedLine struct {
	LogLine
	at time.Time
}

func (b *followBuffer) add(l LogLine) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = append(b.pending, arrivedLine{l, time.Now()})
}

// flush emits, in time order, the lines stamped before cutoff: by then
// every line stamped earlier has arrived too. A line whose stamp is off
// (an engine clock ahead of ours) goes out once it has waited long enough.
func (b *followBuffer) flush(cutoff time.Time) error {
	b.mu.Lock()
	var ready []LogLine
	keep := b.pending[:0]
	for _, a := range b.pending {
		if a.Time.Before(cutoff) || a.at.Before(cutoff.Add(-5*followWindow)) {
			ready = append(ready, a.LogLine)
		} else {
			keep = append(keep, a)
		}
	}
	b.pending = keep
	b.mu.Unlock()
	sortLines(ready)
	for _, l := range ready {
		if err := b.emit(l); err != nil {
			return err
		}
	}
	return nil
}

// hostWatch follows, for a follow on an engine of several hosts, which of
// the followed nodes' hosts are down: at each of the roster's looks, and
// at once when a node's stream fails. A node found on a host that is down
// has its stream stopped, and each host is warned about once, with the
// nodes of it that were followed; a node whose host is back may be
// streamed again.
type hostWatch struct {
	o      *Orchestrator
	name   string
	mu     sync.Mutex
	nodeOf map[string]string             // container ID: node, of those followed on a host
	stops  map[string]context.CancelFunc // by container ID
	gone   map[string]bool               // container IDs whose host is down
}

// lostHosts watches the hosts of picked, when they run on an engine of
// several hosts (a Host is set); else it watches nothing.
func (o *Orchestrator) lostHosts(name string, picked []engine.ContainerInfo) *hostWatch {
	w := &hostWatch{o: o, name: name, nodeOf: map[string]string{}, stops: map[string]context.CancelFunc{}, gone: map[string]bool{}}
	for _, c := range picked {
		if c.Host != "" {
			w.nodeOf[c.ID] = c.Labels[engine.LabelNode]
		}
	}
	return w
}

// streaming registers the stop of a container's stream, and watches the
// host of a container new to the follow (a node recreated or added).
func (w *hostWatch) streaming(c engine.ContainerInfo, stop context.CancelFunc) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c.Host != "" {
		w.nodeOf[c.ID] = c.Labels[engine.LabelNode]
	}
	w.stops[c.ID] = stop
	if w.gone[c.ID] {
		stop()
	}
}

// ended says whether a stream that ended while the follow goes on is a
// node's whose host is down, asking the engine once more if it does not
// know yet: a lost host's stream may end, or fail, before the watch's
// next look.
func (w *hostWatch) ended(ctx context.Context, id string) bool {
	w.mu.Lock()
	_, watched := w.nodeOf[id]
	w.mu.Unlock()
	if !watched {
		return false
	}
	if !w.isGone(id) {
		w.check(ctx)
	}
	return w.isGone(id)
}

func (w *hostWatch) isGone(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gone[id]
}

// check asks the engine which followed nodes are on a host that is down
// (seen).
func (w *hostWatch) check(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cs, err := w.o.rt.ListContainers(cctx, map[string]string{engine.LabelTopology: w.name})
	if err != nil {
		w.o.log.Debug("logs -f: cannot tell which hosts are down", "err", err)
		return
	}
	w.seen(cs)
}

// seen takes in the topology's containers as listed: it stops the streams
// of followed nodes newly found on a host that is down and warns, once per
// host, naming them; a node whose host is back may be streamed again.
func (w *hostWatch) seen(cs []engine.ContainerInfo) {
	w.mu.Lock()
	defer w.mu.Unlock()
	byHost := map[string][]string{}
	for _, c := range cs {
		node, followed := w.nodeOf[c.ID]
		switch {
		case !followed:
		case !c.HostDown && w.gone[c.ID]:
			delete(w.gone, c.ID)
			w.o.log.Info("logs -f: the node's host is back; following it again", "host", c.Host, "node", node)
		case c.HostDown && !w.gone[c.ID]:
			w.gone[c.ID] = true
			byHost[c.Host] = append(byHost[c.Host], node)
			if stop := w.stops[c.ID]; stop != nil {
				stop()
			}
		}
	}
	for _, h := range slices.Sorted(maps.Keys(byHost)) {
		w.o.log.Warn("logs -f: no more lines from these nodes: their host is down; the others' go on", "host", h, "nodes", strings.Join(byHost[h], ","))
	}
}
