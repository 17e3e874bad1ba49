package node

import (
	"maps"
	"sync"
	"sync/atomic"

	"github.com/topo-dev/topo/agent"
)

type counters struct {
	originated, delivered, forwarded, ignored atomic.Uint64
	malformed, refused                        atomic.Uint64
	bcastOriginated, bcastDelivered           atomic.Uint64
	mu                                        sync.Mutex
	dropped                                   map[string]uint64
	revoked                                   uint64
}

func (c *counters) drop(reason string) {
	c.mu.Lock()
	if c.dropped == nil {
		c.dropped = map[string]uint64{}
	}
	c.dropped[reason]++
	c.mu.Unlock()
}

// revoke takes back a drop counted for reason.
func (c *counters) revoke(reason string) {
	c.mu.Lock()
	if c.dropped[reason] > 0 {
		c.dropped[reason]--
		c.revoked++
	}
	c.mu.Unlock()
}

func (c *counters) snapshot() agent.Counters {
	s := agent.Counters{
		Originated:          c.originated.Load(),
		Delivered:           c.delivered.Load(),
		Forwarded:           c.forwarded.Load(),
		Ignored:             c.ignored.Load(),
		Malformed:           c.malformed.Load(),
		Refused:             c.refused.Load(),
		BroadcastOriginated: c.bcastOriginated.Load(),
		BroadcastDelivered:  c.bcastDelivered.Load(),
	}
	c.mu.Lock()
	s.DroppedByReason = maps.Clone(c.dropped)
	s.Revoked = c.revoked
	c.mu.Unlock()
	if s.DroppedByReason == nil {
		s.DroppedByReason = map[string]uint64{}
	}
	for _, n := range s.DroppedByReason {
		s.Dropped += n
	}
	return s
}

// Stats reports the node's counters and links.
func (a *Agent) Stats() agent.Stats {
	s := agent.Stats{
		Name:        a.cfg.Name,
		Role:        a.cfg.Role,
		Layout:      a.cfg.Layout,
		Counters:    a.cnt.snapshot(),
		Neighbors:   make([]agent.NeighborStats, 0, len(a.net.Links())),
		Ready:       true,
		RSSBytes:    rssBytes(),
		QueuedBytes: a.net.Queued(),
	}
	if a.ring != nil {
		s.Outbox = a.ring.Waiting()
	}
	for _, l := range a.net.Links() {
		ns := l.Stats()
		if ns.State != "up" && ns.State != agent.LinkOneWay {
			s.Ready = false // a link one-way is there, if broken
		}
		s.Neighbors = append(s.Neighbors, ns)
		s.InFlight += l.InFlight()
	}
	s.Neighbors = append(s.Neighbors, a.tab().foreignLinks...)
	return s
}

// Ready reports whether every neighbour link is up.
func (a *Agent) Ready() bool {
	for _, l := range a.net.Links() {
		if !l.IsUp() {
			return false
		}
	}
	return true
}
