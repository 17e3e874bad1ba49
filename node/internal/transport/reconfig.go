package transport

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/topo-dev/topo/agent"
)

// Change is what Reconfigure did: the neighbours linked and unlinked, the
// segments joined and left.
type Change struct {
	Added, Removed, Segments, Gone []string
}

// Reconfigure makes the links those of cfg, as the agent runs: it binds
// and starts the segments cfg adds, makes and starts the links to the
// neighbours it adds (but those in skip), takes out the links to the
// neighbours it no longer has (Link.Remove: what they hold is dropped as
// removed) and closes the segments it drops. A segment or a neighbour that
// both configs have must be the same in both (but a shared segment's
// members); one that is not is refused, and nothing changes. Routes are
// the agent's.
func (a *Net) Reconfigure(ctx context.Context, old, cfg *agent.Config, skip map[string]bool) (Change, error) {
	a.rt.mu.Lock()
	defer a.rt.mu.Unlock()
	if a.rt.ctx == nil || a.rt.ctx.Err() != nil {
		return Change{}, errors.New("the agent is not running")
	}
	p, err := a.planChange(old, cfg, skip)
	if err != nil {
		return Change{}, err
	}
	for i, s := range p.newSegs {
		if err := a.bindSegment(ctx, s); err != nil {
			for _, b := range p.newSegs[:i] {
				b.close()
			}
			return Change{}, fmt.Errorf("segment %q: %w", s.name, err)
		}
	}
	added, err := a.commit(p, cfg, skip)
	if err != nil {
		return Change{}, err
	}
	for _, s := range p.newSegs {
		a.startSegment(s)
	}
	for _, l := range added {
		a.startLink(l)
	}
	for _, l := range p.removed {
		l.Remove() // first: its write loop, stopped, would drop what it holds as stopped
		a.stop(l)
	}
	for _, s := range p.gone {
		a.stop(s)
		s.close()
	}
	return p.change, nil
}

// change is a reconfiguration planned: nothing made or bound yet.
type change struct {
	byName  map[string]*Segment // the segments of the new config, kept or new
	segs    []*Segment          // in the new config's order
	newSegs []*Segment
	gone    []*Segment
	removed []*Link
	change  Change
}

// planChange checks cfg against old and the links now, and makes the
// segments cfg adds (not bound).
func (a *Net) planChange(old, cfg *agent.Config, skip map[string]bool) (*change, error) {
	v := a.view()
	was := map[string]agent.Segment{}
	for _, s := range old.Segments {
		was[s.Name] = s
	}
	have := map[string]*Segment{}
	for _, s := range v.segs {
		have[s.name] = s
	}
	p := &change{byName: map[string]*Segment{}}
	var errs []error
	for _, s := range cfg.Segments {
		if seg, ok := have[s.Name]; ok {
			errs = append(errs, sameSegment(was[s.Name], s))
			p.byName[s.Name], p.segs = seg, append(p.segs, seg)
			continue
		}
		seg, err := a.newSegment(s)
		if err != nil {
			return nil, err
		}
		p.byName[s.Name], p.segs, p.newSegs = seg, append(p.segs, seg), append(p.newSegs, seg)
		p.change.Segments = append(p.change.Segments, s.Name)
	}
	for _, s := range v.segs {
		if _, ok := p.byName[s.name]; !ok {
			p.gone = append(p.gone, s)
			p.change.Gone = append(p.change.Gone, s.name)
		}
	}
	errs = append(errs, a.planLinks(p, v, cfg, skip))
	return p, errors.Join(errs...)
}

// planLinks finds the links to remove and the neighbours to add, and
// checks that each new one has a segment. A neighbour whose link changes
// (another segment, address or side that dials) has its link removed and
// a new one made.
func (a *Net) planLinks(p *change, v *view, cfg *agent.Config, skip map[string]bool) error {
	var errs []error
	want := map[string]bool{}
	for _, nb := range cfg.Neighbors {
		if skip[nb.Name] {
			continue
		}
		if l := v.links[nb.Name]; l != nil && l.Neighbor() == nb {
			want[nb.Name] = true
			continue
		}
		if _, err := a.segmentFor(nb, p.byName, p.segs); err != nil {
			errs = append(errs, fmt.Errorf("neighbour %q: %w", nb.Name, err))
		}
		p.change.Added = append(p.change.Added, nb.Name)
	}
	for _, l := range v.list {
		if !want[l.Name()] {
			p.removed = append(p.removed, l)
			p.change.Removed = append(p.change.Removed, l.Name())
		}
	}
	return errors.Join(errs...)
}

// sameSegment reports, as an error, what changed of a segment both
// configs have that a running agent cannot change: all but a shared
// segment's members, and its impairment, which topo changes at runtime as
// a link fault (agent.LinkFault), and which the segment keeps here.
func sameSegment(was, is agent.Segment) error {
	was.Members, is.Members = nil, nil
	was.Impairment, is.Impairment = agent.Impairment{}, agent.Impairment{}
	if was.Shared && is.Shared {
		was.Broadcast, is.Broadcast = "", ""
	}
	if !segmentEqual(was, is) {
		return fmt.Errorf("segment %s changed (its address, subnet or key): a running node keeps a segment as it joined it", is.Name)
	}
	return nil
}

func segmentEqual(a, b agent.Segment) bool {
	return a.Name == b.Name && a.Addr == b.Addr && a.Subnet == b.Subnet && a.Shared == b.Shared &&
		a.Broadcast == b.Broadcast && a.Key == b.Key && a.Impairment == b.Impairment &&
		slices.Equal(a.Members, b.Members)
}

// commit makes the new links and rosters and swaps in the new view; it
// returns the links made.
func (a *Net) commit(p *change, cfg *agent.Config, skip map[string]bool) ([]*Link, error) {
	v, old := &view{links: map[string]*Link{}, segs: p.segs}, a.view()
	rosters := map[*Segment]*roster{}
	for _, s := range cfg.Segments {
		seg := p.byName[s.Name]
		r, err := newRoster(s, a.port, seg.bcast, a.o.NamedAddrs)
		if err != nil {
			return nil, err
		}
		rosters[seg] = r
	}
	var added []*Link
	for _, nb := range cfg.Neighbors {
		if skip[nb.Name] {
			continue
		}
		seg, _ := a.segmentFor(nb, p.byName, p.segs) // planLinks checked
		l := old.links[nb.Name]
		if l == nil || l.Neighbor() != nb {
			var err error
			if l, err = a.newLink(nb, seg); err != nil {
				return nil, fmt.Errorf("neighbour %q: %w", nb.Name, err)
			}
			added = append(added, l)
		}
		v.links[nb.Name], v.list = l, append(v.list, l)
		r := rosters[seg]
		r.links = append(r.links, l)
		if r.planned != nil {
			r.planned[nb.Name] = l.Peer().Addr().Unmap()
		}
	}
	for seg, r := range rosters {
		seg.r.Store(r)
	}
	a.v.Store(v)
	return added, nil
}
