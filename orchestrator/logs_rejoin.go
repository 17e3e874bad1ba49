package orchestrator

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/topo-dev/topo/engine"
)

// followRejoinEvery is how often a follow looks for a node's container
// that runs again, or anew, after its stream ended, and for the hosts
// that are down (a var for tests).
var followRejoinEvery = time.Second

// A roster keeps a follow's streams, one a node: the engine ends a
// container's log stream when the container stops, so a node that is
// stopped and started again (`topo node restart`, a fault schedule's
// kill), recreated by `topo up`, or, when the follow takes every node,
// added by it, is streamed again from where its last stream ended. The
// follow ends once none of its nodes has a container left (`topo down`).
type roster struct {
	o      *Orchestrator
	name   string
	all    bool            // every node of the topology, those added included
	nodes  map[string]bool // the nodes followed, when not all
	ro     engine.LogOptions
	began  time.Time
	mu     sync.Mutex
	byNode map[string]*nodeStream
}

// nodeStream is where a node's stream is: running, and up to which line.
type nodeStream struct {
	id     string    // the container streamed last
	active bool      // a stream of it runs
	last   time.Time // the engine's stamp of the last line read
}

// errStreamLost is a stream that ended because its node's host is down.
var errStreamLost = errors.New("the node's host is down")

// streamFunc streams c's log with ro until it ends, and returns the
// engine's stamp of the last line it read.
type streamFunc func(ctx context.Context, c engine.ContainerInfo, ro engine.LogOptions) (time.Time, error)

func newRoster(o *Orchestrator, name string, picked []engine.ContainerInfo, all bool, ro engine.LogOptions) *roster {
	r := &roster{o: o, name: name, all: all, nodes: map[string]bool{}, ro: ro, began: time.Now(), byNode: map[string]*nodeStream{}}
	for _, c := range picked {
		r.nodes[c.Labels[engine.LabelNode]] = true
	}
	return r
}

// run streams picked, then every container of a followed node that runs
// and is not streamed, until ctx ends, a stream fails, or no followed
// node has a container left.
func (r *roster) run(ctx context.Context, picked []engine.ContainerInfo, lost *hostWatch, stream streamFunc) error {
	g, gctx := errgroup.WithContext(ctx)
	launch := func(c engine.ContainerInfo, ro engine.LogOptions) {
		s := r.starting(c)
		g.Go(func() error {
			last, err := stream(gctx, c, ro)
			r.ended(s, last)
			// A container removed before its stream opened is a node that
			// went (a down, a change); the roster sees it gone.
			if errors.Is(err, errStreamLost) || errors.Is(err, engine.ErrNotFound) || gctx.Err() != nil {
				return nil
			}
			return err
		})
	}
	for _, c := range picked {
		launch(c, r.ro)
	}
	g.Go(func() error { return r.watch(gctx, lost, launch) })
	err := g.Wait()
	if errors.Is(err, errFollowedGone) {
		return nil
	}
	return err
}

// errFollowedGone ends a follow none of whose nodes has a container left.
var errFollowedGone = errors.New("no followed node has a container left")

// watch looks every followRejoinEvery for containers of followed nodes
// that run and are not streamed, and launches their streams.
func (r *roster) watch(ctx context.Context, lost *hostWatch, launch func(engine.ContainerInfo, engine.LogOptions)) error {
	tick := time.NewTicker(followRejoinEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		cs, err := r.o.rt.ListContainers(ctx, map[string]string{engine.LabelTopology: r.name})
		if err != nil {
			r.o.log.Debug("logs -f: cannot list the nodes", "err", err)
			continue
		}
		lost.seen(cs)
		followed := 0
		for _, c := range cs {
			node := c.Labels[engine.LabelNode]
			if !r.all && !r.nodes[node] {
				continue
			}
			followed++
			if c.State != "running" || c.HostDown || r.streaming(node) {
				continue
			}
			launch(c, r.resume(c))
		}
		if followed == 0 && r.idle() {
			return errFollowedGone
		}
	}
}

// resume is the log options of a new stream of c: from just after the
// last line read of the same container (or from when the follow began,
// if none was), and a container new to the follow from its start.
func (r *roster) resume(c engine.ContainerInfo) engine.LogOptions {
	r.mu.Lock()
	defer r.mu.Unlock()
	ro := r.ro
	ro.Tail = ""
	s := r.byNode[c.Labels[engine.LabelNode]]
	switch {
	case s == nil || s.id != c.ID:
		ro.Since = time.Time{}
	case !s.last.IsZero():
		ro.Since = s.last.Add(time.Nanosecond)
	default:
		ro.Since = r.began
	}
	return ro
}

// starting marks c's node as streamed, from c.
func (r *roster) starting(c engine.ContainerInfo) *nodeStream {
	r.mu.Lock()
	defer r.mu.Unlock()
	node := c.Labels[engine.LabelNode]
	s := r.byNode[node]
	if s == nil || s.id != c.ID {
		s = &nodeStream{id: c.ID}
		r.byNode[node] = s
	}
	s.active = true
	return s
}

// ended marks s's stream ended, having read up to last.
func (r *roster) ended(s *nodeStream, last time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.active = false
	if last.After(s.last) {
		s.last = last
	}
}

func (r *roster) streaming(node string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.byNode[node]
	return s != nil && s.active
}

// idle reports whether no stream runs.
func (r *roster) idle() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.byNode {
		if s.active {
			return false
		}
	}
	return true
}
