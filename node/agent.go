package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
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
	cfg      *agent.Config
	o        options
	log      *slog.Logger
	name     string
	port     int
	routes   map[string]string
	segs     []*segment
	links    map[string]*link // by neighbour name
	linkList []*link          // in config order
	ring     *ring            // ring layout only
	targets  []string         // background traffic destinations
	// foreign holds the nodes that run a user's own image; foreignLinks
	// are the neighbours among them, as stats shows them.
	foreign      map[string]bool
	foreignLinks []agent.NeighborStats
	ttl          uint8 // hop budget of the messages it originates

	cnt     counters
	queued  budget // the bytes all queues hold, against Options' total
	idBase  uint64
	idSeq   atomic.Uint64
	started atomic.Bool
	running atomic.Bool
	linksUp atomic.Int32 // links up now, for the ready event (ready.go)
	traffic atomic.Bool
	// ledgers wakes the ack loop when a ledger gets a frame while it
	// sleeps (ackArmed false): see ackLoop.
	ledgers  chan struct{}
	ackArmed atomic.Bool
	// controlSends holds a token per control send waiting for its receipt.
	controlSends chan struct{}
	// malformedLog summarizes, at most a line a second, the undecodable
	// frames anyone on a segment can send in bulk.
	malformedLog *refusalLog
	// Each segment's key seals what the agent sends and checks what it
	// hears there (seal.go); refusedLog summarizes what lacks its proof,
	// and replay keeps the datagrams heard from being heard again.
	refusedLog *refusalLog
	replay     replayFilter
	// noHelloLog and strangerLog summarize the connections rejected for
	// want of a hello, and those from nodes that are not neighbours that
	// dial this one.
	noHelloLog, strangerLog *refusalLog

	// byeMu orders hellos and byes: once said is set, no hello leaves, so
	// that none can bring a neighbour's link back after the bye.
	byeMu sync.Mutex
	said  bool
	heard atomic.Int64 // when a frame was last heard on any link, unix ns

	// spawnCtx runs a function of the running agent's context in its
	// group: a link's shaper made at runtime.
	spawnCtx func(func(context.Context) error)
	// bursts counts the messages of the bursts arriving here (burst.go).
	bursts burstTally

	mu      sync.Mutex
	pending map[uint64]*pending
	seen    dedup
	conns   map[net.Conn]struct{}
	closing bool
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
		cfg:          cfg,
		o:            o,
		log:          o.logger.With(agent.FieldNode, cfg.Name),
		name:         cfg.Name,
		port:         cfg.PortOrDefault(),
		routes:       cfg.Routes,
		links:        map[string]*link{},
		idBase:       rand.Uint64(),
		pending:      map[uint64]*pending{},
		controlSends: make(chan struct{}, maxControlSends),
		ledgers:      make(chan struct{}, 1),
	}
	a.ackArmed.Store(true) // the ack loop starts ticking
	a.malformedLog = &refusalLog{emit: func(n int, from, detail string) {
		a.event(slog.LevelWarn, agent.EvDrop, fmt.Sprintf("dropped: malformed (%d)", n), peerAttr(from),
			reasonAttr(agent.ReasonMalformed), slog.String(agent.FieldError, detail), slog.Int("count", n))
	}}
	a.refusedLog = a.newRefusedLog()
	a.noHelloLog, a.strangerLog = a.newRejectLogs()
	a.queued.limit = o.queueTotal
	a.traffic.Store(true)
	if a.routes == nil {
		a.routes = map[string]string{}
	}
	a.foreign = foreignNodes(cfg)
	byName, err := a.addSegments()
	if err != nil {
		return nil, err
	}
	if err := a.addLinks(byName); err != nil {
		return nil, err
	}
	if err := a.addRing(); err != nil {
		return nil, err
	}
	a.targets = a.trafficTargets()
	a.ttl = hopBudget(cfg, len(a.routes))
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
	if o.queueSize <= 0 {
		o.queueSize = 1
	}
	def := defaultOptions()
	if o.queueBytes <= 0 {
		o.queueBytes = def.queueBytes
	}
	if o.queueTotal <= 0 {
		o.queueTotal = def.queueTotal
	}
	// Intervals of zero would panic the tickers and random waits they feed.
	if o.backoffStart <= 0 {
		o.backoffStart = def.backoffStart
	}
	o.backoffMax = max(o.backoffMax, o.backoffStart)
	if o.helloDown <= 0 {
		o.helloDown = def.helloDown
	}
	if o.helloUp <= 0 {
		o.helloUp = def.helloUp
	}
	if o.handshake <= 0 {
		o.handshake = def.handshake
	}
	if o.heartbeat <= 0 {
		o.heartbeat = def.heartbeat
	}
	if o.deadAfter <= 0 {
		o.deadAfter = def.deadAfter
	}
	if o.ackWait <= 0 {
		o.ackWait = def.ackWait
	}
	o.deadAfter = max(o.deadAfter, 2*o.heartbeat)
	return o
}

// addSegments makes the agent's segments from its config and returns them
// by name.
func (a *Agent) addSegments() (map[string]*segment, error) {
	byName := map[string]*segment{}
	for _, s := range a.cfg.Segments {
		seg, err := newSegment(s, a.port)
		if err != nil {
			return nil, fmt.Errorf("node %q: %w", a.cfg.Name, err)
		}
		seg.self = a.name
		if k := a.cfg.SegmentKeyBytes(s); k != nil {
			seg.key = frame.NewKey(k)
		}
		if !a.o.namedAddrs {
			seg.planned = map[string]netip.Addr{}
			for _, m := range s.Members {
				if ma, err := netip.ParseAddr(m.Addr); err == nil {
					seg.planned[m.Name] = ma.Unmap()
				}
			}
		}
		seg.seq.Store(uint64(time.Now().UnixNano()))
		if !s.Impairment.IsZero() {
			seg.shaper = newShaper(a, seg, s.Impairment)
		}
		a.segs = append(a.segs, seg)
		byName[s.Name] = seg
	}
	return byName, nil
}

// addLinks makes a link to each neighbour, on the segment it is on.
func (a *Agent) addLinks(byName map[string]*segment) error {
	cfg := a.cfg
	for _, nb := range cfg.Neighbors {
		if a.foreign[nb.Name] {
			a.foreignLinks = append(a.foreignLinks, foreignLink(nb))
			continue
		}
		seg, err := a.segmentFor(nb, byName)
		if err != nil {
			return fmt.Errorf("node %q: neighbour %q: %w", cfg.Name, nb.Name, err)
		}
		if _, dup := a.links[nb.Name]; dup {
			return fmt.Errorf("node %q: neighbour %q listed twice", cfg.Name, nb.Name)
		}
		l, err := newLink(a, nb, seg)
		if err != nil {
			return fmt.Errorf("node %q: neighbour %q: %w", cfg.Name, nb.Name, err)
		}
		a.links[nb.Name] = l
		a.linkList = append(a.linkList, l)
		seg.links = append(seg.links, l)
		if seg.planned != nil {
			seg.planned[nb.Name] = l.peer.Addr().Unmap()
		}
	}
	return nil
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
	if a.foreign[cfg.Ring.Successor] || a.foreign[cfg.Ring.Predecessor] {
		// No token can pass a node that runs a user's image: messages go
		// by their routes, and stop where the ring does, as no_agent.
		a.event(slog.LevelWarn, agent.EvToken, "no token ring: a neighbour runs its own image")
		return nil
	}
	succ := a.links[cfg.Ring.Successor]
	if succ == nil {
		return fmt.Errorf("node %q: ring successor %q is not a neighbour", cfg.Name, cfg.Ring.Successor)
	}
	a.ring = newRing(a, succ)
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

// segmentFor finds the segment a neighbour is on: by name, else the one
// whose subnet holds its address, else the only one.
func (a *Agent) segmentFor(nb agent.Neighbor, byName map[string]*segment) (*segment, error) {
	if nb.Segment != "" {
		if s, ok := byName[nb.Segment]; ok {
			return s, nil
		}
		return nil, fmt.Errorf("segment %q is not one of this node's", nb.Segment)
	}
	addr, err := netip.ParseAddr(nb.Addr)
	if err != nil {
		return nil, fmt.Errorf("addr %q: %w", nb.Addr, err)
	}
	for _, s := range a.segs {
		if s.subnet.IsValid() && s.subnet.Contains(addr) {
			return s, nil
		}
	}
	if len(a.segs) == 1 {
		return a.segs[0], nil
	}
	return nil, fmt.Errorf("no segment holds %s", addr)
}

// Name is the node's name.
func (a *Agent) Name() string { return a.name }

// SetTraffic turns background traffic on or off; it is on by default when
// Config.Traffic.Interval is set.
func (a *Agent) SetTraffic(on bool) { a.traffic.Store(on) }

func (a *Agent) newID() uint64 { return a.idBase + a.idSeq.Add(1) }

func (a *Agent) isServer() bool {
	return a.cfg.Layout == LayoutClientServer && a.cfg.Role == "server"
}

func (a *Agent) trafficTargets() []string {
	all := slices.Sorted(maps.Keys(a.routes))
	all = slices.DeleteFunc(all, func(n string) bool { return n == a.name || a.foreign[n] })
	switch a.cfg.Layout {
	case LayoutStar, LayoutClientServer:
		if a.cfg.Role == "hub" || a.cfg.Role == "server" {
			return all
		}
		var far []string
		for _, n := range all {
			if _, direct := a.links[n]; !direct {
				far = append(far, n)
			}
		}
		if len(far) > 0 {
			return far
		}
	}
	return all
}
