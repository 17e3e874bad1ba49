package node

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/ring"
	"github.com/topo-dev/topo/node/internal/transport"
)

// Layout names as they appear in Config.Layout.
const (
	LayoutStar         = "star"
	LayoutRing         = "ring"
	LayoutBus          = "bus"
	LayoutP2P          = "p2p"
	LayoutClientServer = "client-server"
	LayoutCustom       = "custom"
)

// DefaultTTL is the least hop budget of a new message. An agent that knows
// more nodes gives its messages (data, receipts and broadcasts) a budget of
// at least the number of nodes it knows plus two, so that no loop-free path
// through the topology runs out of hops: a ring's longest path has one hop
// fewer than the ring has nodes.
const DefaultTTL = 16

// ErrNotRunning is returned by Send when the agent is not running.
var ErrNotRunning = errors.New("node: agent is not running")

// Agent is one running node. Make it with New, start it with Run.
type Agent struct {
	cfg  *agent.Config
	o    options
	log  *slog.Logger
	name string
	net  *transport.Net // the links to the neighbours
	ring *ring.Ring     // ring layout only
	// tb is what the config says of the rest of the topology (routes,
	// foreign nodes): read on every frame without a lock, replaced whole
	// by Reconfigure (reconfig.go).
	tb atomic.Pointer[table]
	// cur is the config the agent runs now; Reconfigure holds reconf.
	cur    atomic.Pointer[agent.Config]
	reconf sync.Mutex

	cnt     counters
	ids     ids
	started atomic.Bool
	running atomic.Bool
	ready   readiness // links up now, for the ready event (ready.go)
	traffic atomic.Bool
	// bursts counts the messages of the bursts arriving here (burst.go).
	bursts burstTally

	receipts receipts // the Sends waiting for receipts
	seen     dedup    // the broadcasts had
}

// New checks cfg and prepares an agent; nothing is bound until Run.
func New(cfg *agent.Config, opts ...Option) (*Agent, error) {
	if cfg == nil {
		return nil, errors.New("node: nil config")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := resolveOptions(cfg, opts)
	a := &Agent{
		cfg:  cfg,
		o:    o,
		log:  o.logger.With(agent.FieldNode, cfg.Name),
		name: cfg.Name,
		ids:  ids{base: rand.Uint64()},
	}
	a.traffic.Store(true)
	a.cur.Store(cfg)
	foreign := foreignNodes(cfg)
	var err error
	if a.net, err = transport.New(cfg, o.Options, a.log, host{a}, foreign); err != nil {
		return nil, err
	}
	a.tb.Store(a.newTable(cfg, foreign))
	a.ready.links.Store(int32(len(a.net.Links())))
	a.ready.event = func() { readyEvent(a) }
	if err := a.addRing(); err != nil {
		return nil, err
	}
	return a, nil
}

// resolveOptions applies opts over the defaults and fills what they leave
// unset from cfg, or from the defaults again.
func resolveOptions(cfg *agent.Config, opts []Option) options {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if !o.socketSet {
		o.socket = cfg.ControlSocketOrDefault()
	}
	if o.tokenHold == 0 && cfg.Ring != nil {
		o.tokenHold = cfg.Ring.TokenHold.D()
	}
	if o.tokenHold == 0 {
		o.tokenHold = agent.DefaultTokenHold
	}
	o.Options = o.Options.Filled()
	return o
}

// addRing sets up the token ring in the ring layout, once the links exist.
func (a *Agent) addRing() error {
	cfg := a.cfg
	if cfg.Layout != LayoutRing {
		return nil
	}
	if cfg.Ring == nil {
		return fmt.Errorf("node %q: ring layout without ring settings", cfg.Name)
	}
	if a.tab().foreign[cfg.Ring.Successor] || a.tab().foreign[cfg.Ring.Predecessor] {
		// No token can pass a node that runs a user's image: messages go
		// by their routes, and stop where the ring does, as no_agent.
		a.event(slog.LevelWarn, agent.EvToken, "no token ring: a neighbour runs its own image")
		return nil
	}
	succ := a.net.Link(cfg.Ring.Successor)
	if succ == nil {
		return fmt.Errorf("node %q: ring successor %q is not a neighbour", cfg.Name, cfg.Ring.Successor)
	}
	c := ring.Config{Name: a.name, Nodes: len(a.tab().routes) + 1, Succ: succ, Leader: cfg.Ring.Leader,
		Hold: a.o.tokenHold, Timeout: ring.Timeout(len(a.tab().routes)+1, a.o.tokenHold, cfg.Segments),
		QueueSize: a.o.QueueSize, Overhead: transport.HeldOverhead, Log: a.log}
	if pred := a.net.Link(cfg.Ring.Predecessor); pred != nil {
		c.Pred = pred // a nil *Link would make a Hop that is not nil
	}
	a.ring = ring.New(c, ringHost{a})
	return nil
}

// hopBudget is the TTL of the messages a node originates: DefaultTTL, or
// enough for a path through every node it knows of, up to what a frame
// holds.
func hopBudget(cfg *agent.Config, routes int) uint8 {
	known := max(routes, len(cfg.Neighbors))
	for _, s := range cfg.Segments {
		known = max(known, len(s.Members))
	}
	return uint8(min(max(DefaultTTL, known+2), math.MaxUint8))
}

// Name is the node's name.
func (a *Agent) Name() string { return a.name }

// SetTraffic turns background traffic on or off; it is on by default when
// Config.Traffic.Interval is set.
func (a *Agent) SetTraffic(on bool) { a.traffic.Store(on) }

// ids numbers the frames a node originates: from a random base, so that
// a restarted node's IDs do not repeat the last one's.
type ids struct {
	base uint64
	seq  atomic.Uint64
}

func (i *ids) next() uint64 { return i.base + i.seq.Add(1) }

// isServer reports whether cfg's node is the server of a client-server
// layout, which greets every client.
func isServer(cfg *agent.Config) bool {
	return cfg.Layout == LayoutClientServer && cfg.Role == "server"
}

// trafficTargets are the destinations of cfg's node's background traffic:
// the nodes it has routes to (but those that run their own image), and of
// a spoke or client only those it has no direct link to, if any.
func trafficTargets(cfg *agent.Config, routes map[string]string, foreign map[string]bool, direct func(string) bool) []string {
	all := slices.Sorted(maps.Keys(routes))
	all = slices.DeleteFunc(all, func(n string) bool { return n == cfg.Name || foreign[n] })
	switch cfg.Layout {
	case LayoutStar, LayoutClientServer:
		if cfg.Role == "hub" || cfg.Role == "server" {
			return all
		}
		var far []string
		for _, n := range all {
			if !direct(n) {
				far = append(far, n)
			}
		}
		if len(far) > 0 {
			return far
		}
	}
	return all
}
