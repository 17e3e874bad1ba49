package transport

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/seal"
	"github.com/topo-dev/topo/node/internal/transport/link"
)

// New makes the links of cfg's node to its neighbours, but those in
// skip (nodes that run a user's own image, which no link reaches), on the
// segments they are on; nothing is bound until Bind.
func New(cfg *agent.Config, o Options, log *slog.Logger, h Host, skip map[string]bool) (*Net, error) {
	if h == nil {
		return nil, errors.New("transport: nil host")
	}
	a := &Net{h: h, o: o, cfg: cfg, log: log, name: cfg.Name, port: cfg.PortOrDefault(),
		env: link.NewEnv(cfg.Name, o, log, h)}
	a.malformedLog = &evlog.Summary{Emit: func(n int, from, detail string) {
		a.event(slog.LevelWarn, agent.EvDrop, fmt.Sprintf("dropped: malformed (%d)", n), evlog.Peer(from),
			evlog.Reason(agent.ReasonMalformed), slog.String(agent.FieldError, detail), slog.Int("count", n))
	}}
	a.refusedLog = a.newRefusedLog()
	a.noHelloLog, a.strangerLog = a.newRejectLogs()
	v := &view{links: map[string]*Link{}}
	byName, err := a.addSegments(v, cfg.Segments)
	if err != nil {
		return nil, err
	}
	rosters := map[*Segment]*roster{}
	for _, seg := range v.segs {
		rosters[seg] = seg.roster()
	}
	if err := a.addLinks(v, byName, rosters, cfg.Neighbors, skip); err != nil {
		return nil, err
	}
	a.v.Store(v)
	return a, nil
}

// addSegments makes segs into segments of the view v, and returns them by
// name.
func (a *Net) addSegments(v *view, segs []agent.Segment) (map[string]*Segment, error) {
	byName := map[string]*Segment{}
	for _, s := range segs {
		seg, err := a.newSegment(s)
		if err != nil {
			return nil, err
		}
		v.segs = append(v.segs, seg)
		byName[s.Name] = seg
	}
	return byName, nil
}

// newSegment is the segment s of the node's config, its sealer and shaper
// made, nothing bound.
func (a *Net) newSegment(s agent.Segment) (*Segment, error) {
	seg, err := newSegment(s, a.port, a.o.NamedAddrs)
	if err != nil {
		return nil, fmt.Errorf("node %q: %w", a.name, err)
	}
	seg.self = a.name
	var key *frame.Key
	if k := a.cfg.SegmentKeyBytes(s); k != nil {
		key = frame.NewKey(k)
	}
	seg.sealer = seal.New(key, uint64(time.Now().UnixNano()))
	if !s.Impairment.IsZero() {
		seg.shaper = link.NewShaper(a.env, seg, s.Impairment)
	}
	return seg, nil
}

// addLinks makes a link to each neighbour in nbs but those in skip, on the
// segment it is on (of byName), and adds it to v and to the segment's
// roster in rosters, which nobody reads yet.
func (a *Net) addLinks(v *view, byName map[string]*Segment, rosters map[*Segment]*roster, nbs []agent.Neighbor, skip map[string]bool) error {
	for _, nb := range nbs {
		if skip[nb.Name] {
			continue
		}
		seg, err := a.segmentFor(nb, byName, v.segs)
		if err != nil {
			return fmt.Errorf("node %q: neighbour %q: %w", a.name, nb.Name, err)
		}
		if _, dup := v.links[nb.Name]; dup {
			return fmt.Errorf("node %q: neighbour %q listed twice", a.name, nb.Name)
		}
		l, err := a.newLink(nb, seg)
		if err != nil {
			return fmt.Errorf("node %q: neighbour %q: %w", a.name, nb.Name, err)
		}
		v.links[nb.Name] = l
		v.list = append(v.list, l)
		r := rosters[seg]
		r.links = append(r.links, l)
		if r.planned != nil {
			r.planned[nb.Name] = l.Peer().Addr().Unmap()
		}
	}
	return nil
}

// newLink is the link to nb on seg, of the kind the segment and the
// protocol make it.
func (a *Net) newLink(nb agent.Neighbor, seg *Segment) (*Link, error) {
	kind := link.TCP
	switch {
	case seg.shared:
		kind = link.Shared
	case a.cfg.Traffic.Protocol == "udp":
		kind = link.UDP
	}
	doubt, dead := livenessBounds(a.o, seg)
	return link.New(a.env, nb, seg, kind, doubt, dead)
}

// segmentFor finds the segment a neighbour is on: by name, else the one
// whose subnet holds its address, else the only one.
func (a *Net) segmentFor(nb agent.Neighbor, byName map[string]*Segment, segs []*Segment) (*Segment, error) {
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
	for _, s := range segs {
		if s.subnet.IsValid() && s.subnet.Contains(addr) {
			return s, nil
		}
	}
	if len(segs) == 1 {
		return segs[0], nil
	}
	return nil, fmt.Errorf("no segment holds %s", addr)
}
