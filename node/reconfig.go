package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/ring"
)

// Reconfigure makes cfg the running agent's config, in place (the
// reconfig verb): links to the neighbours cfg adds are made and started
// (on the segments it adds, bound now, or as new members of a shared
// segment), those to the neighbours it drops are taken out (what they
// hold, queued or in flight, is dropped as removed and counted), and the
// routes, foreign nodes and traffic targets become cfg's. What a running
// agent cannot change (see fixedFields) is refused with the reason, and
// nothing changes. The agent must be running.
func (a *Agent) Reconfigure(ctx context.Context, cfg *agent.Config) (agent.Reconfigured, error) {
	if cfg == nil {
		return agent.Reconfigured{}, errors.New("nil config")
	}
	if err := cfg.Validate(); err != nil {
		return agent.Reconfigured{}, err
	}
	a.reconf.Lock()
	defer a.reconf.Unlock()
	old := a.cur.Load()
	if err := fixedFields(old, cfg); err != nil {
		return agent.Reconfigured{}, err
	}
	if !a.running.Load() {
		return agent.Reconfigured{}, errors.New("the agent is not running")
	}
	foreign := foreignNodes(cfg)
	if err := a.canRewireRing(cfg, foreign); err != nil {
		return agent.Reconfigured{}, err
	}
	ch, err := a.net.Reconfigure(ctx, old, cfg, foreign)
	if err != nil {
		return agent.Reconfigured{}, err
	}
	if cfg.Traffic.Interval == 0 && old.Traffic.Interval > 0 {
		a.SetTraffic(false)
	}
	a.ready.links.Store(int32(len(a.net.Links())))
	a.tb.Store(a.newTable(cfg, foreign))
	a.rewireRing(cfg)
	a.cur.Store(cfg)
	r := agent.Reconfigured{Added: ch.Added, Removed: ch.Removed, Segments: ch.Segments, Gone: ch.Gone, Routes: len(a.tab().routes)}
	a.event(slog.LevelInfo, agent.EvReconfig, fmt.Sprintf("new config: %d links added, %d removed", len(r.Added), len(r.Removed)),
		slog.Any("added", r.Added), slog.Any("removed", r.Removed), slog.Any("segments", r.Segments), slog.Any("gone", r.Gone))
	return r, nil
}

// fixedFields reports, as an error, what cfg changes of old that a
// running agent cannot take: who it is and how it speaks (name, topology,
// role, layout, port, protocol and traffic but traffic turned off,
// secret, routing, control socket, log level), and in a ring who leads it
// and how long the token is held. A ring's members may change: the nodes
// whose ring neighbours change are rewired (rewireRing).
func fixedFields(old, cfg *agent.Config) error {
	type field struct {
		name     string
		was, now any
	}
	traffic := cfg.Traffic
	if traffic.Interval == 0 {
		traffic.Interval = old.Traffic.Interval // traffic turned off, which an agent takes as it runs
	}
	fields := []field{
		{"name", old.Name, cfg.Name}, {"topology", old.Topology, cfg.Topology}, {"role", old.Role, cfg.Role},
		{"layout", old.Layout, cfg.Layout}, {"port", old.PortOrDefault(), cfg.PortOrDefault()},
		{"traffic", old.Traffic, traffic}, {"secret", old.Secret, cfg.Secret}, {"routing", old.Routing, cfg.Routing},
		{"control socket", old.ControlSocketOrDefault(), cfg.ControlSocketOrDefault()}, {"log level", old.LogLevel, cfg.LogLevel},
		{"ring leader", ringPart(old, true), ringPart(cfg, true)}, {"token hold", ringPart(old, false), ringPart(cfg, false)},
	}
	var changed []string
	for _, f := range fields {
		if !reflect.DeepEqual(f.was, f.now) {
			changed = append(changed, f.name)
		}
	}
	if len(changed) > 0 {
		return fmt.Errorf("a running node cannot change its %s: recreate it (topo down, then topo up)", strings.Join(changed, ", "))
	}
	return nil
}

// ringPart is whether a node leads its ring (leader), or how long it
// holds the token; nil outside a ring.
func ringPart(c *agent.Config, leader bool) any {
	switch {
	case c.Ring == nil:
		return nil
	case leader:
		return c.Ring.Leader
	}
	return c.Ring.TokenHold
}

// canRewireRing refuses a config that would give a running node a token
// ring it has none of, or take away the one it has: a ring's token cannot
// pass a neighbour that runs a user's image (addRing), and the ring is
// made once, at start. Its successor must be a neighbour.
func (a *Agent) canRewireRing(cfg *agent.Config, foreign map[string]bool) error {
	if cfg.Ring == nil {
		return nil
	}
	want := !foreign[cfg.Ring.Successor] && !foreign[cfg.Ring.Predecessor]
	if want != (a.ring != nil) {
		return errors.New("a running node cannot gain or lose its token ring (a ring neighbour that runs a user's image has none): recreate it")
	}
	if want && !slices.ContainsFunc(cfg.Neighbors, func(nb agent.Neighbor) bool { return nb.Name == cfg.Ring.Successor }) {
		return fmt.Errorf("ring successor %q is not a neighbour", cfg.Ring.Successor)
	}
	return nil
}

// rewireRing hands the token ring its successor and predecessor of cfg,
// the ring's size and the leader's timeout, as a reconfiguration left the
// links: the ring grew or shrank around this node.
func (a *Agent) rewireRing(cfg *agent.Config) {
	if a.ring == nil || cfg.Ring == nil {
		return
	}
	var pred ring.Hop
	if l := a.net.Link(cfg.Ring.Predecessor); l != nil {
		pred = l // a nil *Link would make a Hop that is not nil
	}
	n := len(a.tab().routes) + 1
	a.ring.Rewire(a.net.Link(cfg.Ring.Successor), pred, n, ring.Timeout(n, a.o.tokenHold, cfg.Segments))
}
