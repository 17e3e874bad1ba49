package link

import (
	"log/slog"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/shaper"
)

// Runtime faults on links, as topo tells them (agent.LinkFault): a cut
// link drops every frame for its neighbour at once, counted with the
// fault's reason, where the kernel's packet filter would lose them
// unseen; a runtime impairment replaces the file's for the frames this
// node sends on the link, by a shaper of the link's own.

// setFault puts f on the link, in place of what was there.
func (l *Link) SetFault(f agent.LinkFault) {
	l.mu.Lock()
	was := l.fault
	l.fault = f
	l.setRuntimeImpairment(f.Impairment)
	l.oneWayIn(was)
	l.mu.Unlock()
	peer := evlog.Peer(l.Name())
	switch {
	case f.Cut != "" && (f.Cut != was.Cut || f.Direction != was.Direction):
		msg := "link to " + l.Name() + " cut: " + f.Cut
		if f.OneWay() {
			msg = "link to " + l.Name() + " " + agent.LinkOneWay + ": " + oneWayText(f) + ": " + f.Cut
		}
		l.a.event(slog.LevelWarn, agent.EvLink, msg, peer, evlog.Reason(f.Cut), slog.String("direction", f.Direction))
		if f.CutsOut() || l.kind == TCP {
			l.expire(time.Time{}, f.Cut)
		}
		l.poke()
	case f.Cut == "" && was.Cut != "":
		l.a.event(slog.LevelInfo, agent.EvLink, "link to "+l.Name()+" no longer cut", peer)
		l.poke()
	}
	switch {
	case f.Impairment != nil && (was.Impairment == nil || *f.Impairment != *was.Impairment):
		l.a.event(slog.LevelInfo, agent.EvLink, "link to "+l.Name()+" impaired: "+f.Impairment.String(), peer)
	case f.Impairment == nil && was.Impairment != nil:
		l.a.event(slog.LevelInfo, agent.EvLink, "link to "+l.Name()+": runtime impairment lifted", peer)
	}
}

// oneWayIn makes a datagram link whose neighbour's frames no longer reach
// this node (agent.CutIn) one that sends without waiting for acks or
// hellos: none can come back. What it sent and holds in its ledger was
// had by the neighbour (which counts it) or lost in the kernel unseen, so
// it is forgotten, not counted; the link is up for what it sends. When
// that ends, the neighbour is given a dead interval to be heard again.
// Call with l.mu held.
func (l *Link) oneWayIn(was agent.LinkFault) {
	in, wasIn := l.fault.Direction == agent.CutIn, was.Direction == agent.CutIn
	if l.kind == TCP || in == wasIn {
		return
	}
	if in {
		l.ledger.Forget()
		l.setUp(true, agent.LinkOneWay)
		return
	}
	l.heard = time.Now()
}

// cutOut is the reason the frames this node sends on the link are cut, or
// "". A TCP link cut one way is cut both ways for the agent's frames: a
// stream needs the other way for its acknowledgements. Call with l.mu
// held.
func (l *Link) cutOut() string {
	if l.fault.CutsOut() || l.kind == TCP {
		return l.fault.Cut
	}
	return ""
}

// oneWayText says which way a one-way cut holds, for the event log.
func oneWayText(f agent.LinkFault) string {
	if f.Direction == agent.CutOut {
		return "what this node sends is cut"
	}
	return "what the neighbour sends is cut"
}

// setRuntimeImpairment gives the link a shaper of its own for imp, or,
// with imp nil, makes that shaper apply the file's impairment again. The
// shaper stays once made, so that frames waiting in it still leave. Call
// with l.mu held.
func (l *Link) setRuntimeImpairment(imp *agent.Impairment) {
	if imp == nil {
		if l.rt != nil {
			var file agent.Impairment
			if l.seg.Shaper() != nil {
				file = l.seg.Shaper().Impairment()
			}
			l.rt.SetImpairment(file)
		}
		return
	}
	if l.rt == nil {
		l.rt = newShaper(l.a, l.seg, *imp)
		l.a.spawnCtx(l.rt.Run)
		return
	}
	l.rt.SetImpairment(*imp)
}

// shaperNow is the shaper frames for the link go through: its own, once
// it has had a runtime impairment, else the segment's (nil: none). Call
// with l.mu held.
func (l *Link) shaperNow() *shaper.Shaper[Shaped] {
	if l.rt != nil {
		return l.rt
	}
	return l.seg.Shaper()
}

// downReason is why a frame for the link cannot leave: the reason it is
// cut, or why it went down. Call with l.mu held.
func (l *Link) downReason() string {
	switch {
	case l.cutOut() != "":
		return l.cutOut()
	case !l.up && l.ledger.DownWhy() != "":
		return l.ledger.DownWhy()
	}
	return agent.ReasonLinkDown
}

// faultText is the link's runtime fault for stats. Call with l.mu held.
func (l *Link) faultText() string {
	switch {
	case l.fault.OneWay():
		return "cut " + l.fault.Direction + ": " + l.fault.Cut
	case l.fault.Cut != "":
		return "cut: " + l.fault.Cut
	case l.fault.Impairment != nil:
		return "impaired: " + l.fault.Impairment.String()
	}
	return ""
}
