package node

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
)

// Runtime faults on links, as topo tells them (agent.LinkFault): a cut
// link drops every frame for its neighbour at once, counted with the
// fault's reason, where the kernel's packet filter would lose them
// unseen; a runtime impairment replaces the file's for the frames this
// node sends on the link, by a shaper of the link's own.

// SetFaults makes faults, by neighbour, the agent's link faults; a link
// it does not name gets none. The agent must be running.
func (a *Agent) SetFaults(faults map[string]agent.LinkFault) error {
	var unknown []string
	for name, f := range faults {
		if a.links[name] == nil && !a.foreign[name] {
			unknown = append(unknown, name)
		}
		if err := checkFault(f); err != nil {
			return fmt.Errorf("link to %s: %w", name, err)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("no link to %s", strings.Join(unknown, ", "))
	}
	if !a.running.Load() {
		return errors.New("the agent is not running")
	}
	for _, l := range a.linkList {
		l.setFault(faults[l.name()])
	}
	return nil
}

func checkFault(f agent.LinkFault) error {
	switch f.Cut {
	case "", agent.ReasonLinkDown, agent.ReasonPartition, agent.ReasonNodeDown:
	default:
		return fmt.Errorf("cut %q, want %s, %s or %s", f.Cut, agent.ReasonLinkDown, agent.ReasonPartition, agent.ReasonNodeDown)
	}
	if imp := f.Impairment; imp != nil && (imp.Loss < 0 || imp.Loss >= 1 || imp.Delay < 0 || imp.Jitter < 0) {
		return fmt.Errorf("impairment %s out of range", imp)
	}
	return nil
}

// setFault puts f on the link, in place of what was there.
func (l *link) setFault(f agent.LinkFault) {
	l.mu.Lock()
	was := l.fault
	l.fault = f
	l.setRuntimeImpairment(f.Impairment)
	l.mu.Unlock()
	peer := peerAttr(l.name())
	switch {
	case f.Cut != "" && f.Cut != was.Cut:
		l.a.event(slog.LevelWarn, agent.EvLink, "link to "+l.name()+" cut: "+f.Cut, peer, reasonAttr(f.Cut))
		l.expire(time.Time{}, f.Cut)
	case f.Cut == "" && was.Cut != "":
		l.a.event(slog.LevelInfo, agent.EvLink, "link to "+l.name()+" no longer cut", peer)
		l.poke()
	}
	switch {
	case f.Impairment != nil && (was.Impairment == nil || *f.Impairment != *was.Impairment):
		l.a.event(slog.LevelInfo, agent.EvLink, "link to "+l.name()+" impaired: "+f.Impairment.String(), peer)
	case f.Impairment == nil && was.Impairment != nil:
		l.a.event(slog.LevelInfo, agent.EvLink, "link to "+l.name()+": runtime impairment lifted", peer)
	}
}

// setRuntimeImpairment gives the link a shaper of its own for imp, or,
// with imp nil, makes that shaper apply the file's impairment again. The
// shaper stays once made, so that frames waiting in it still leave. Call
// with l.mu held.
func (l *link) setRuntimeImpairment(imp *agent.Impairment) {
	if imp == nil {
		if l.rt != nil {
			var file agent.Impairment
			if l.seg.shaper != nil {
				file = l.seg.shaper.impairment()
			}
			l.rt.setImpairment(file)
		}
		return
	}
	if l.rt == nil {
		l.rt = newShaper(l.a, l.seg, *imp)
		l.a.spawnCtx(l.rt.run)
		return
	}
	l.rt.setImpairment(*imp)
}

// shaperNow is the shaper frames for the link go through: its own, once
// it has had a runtime impairment, else the segment's (nil: none). Call
// with l.mu held.
func (l *link) shaperNow() *shaper {
	if l.rt != nil {
		return l.rt
	}
	return l.seg.shaper
}

// downReason is why a frame for the link cannot leave: the reason it is
// cut, or why it went down. Call with l.mu held.
func (l *link) downReason() string {
	switch {
	case l.fault.Cut != "":
		return l.fault.Cut
	case !l.up && l.downWhy != "":
		return l.downWhy
	}
	return agent.ReasonLinkDown
}

// faultText is the link's runtime fault for stats. Call with l.mu held.
func (l *link) faultText() string {
	switch {
	case l.fault.Cut != "":
		return "cut: " + l.fault.Cut
	case l.fault.Impairment != nil:
		return "impaired: " + l.fault.Impairment.String()
	}
	return ""
}
