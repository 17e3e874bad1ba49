package faults

import (
	"maps"

	"github.com/topo-dev/topo/agent"
)

// WithCuts is want with the cuts of had added: while faults change, a link
// cut before or after the change is cut, so that the agents hear of a new
// cut before the packet filter makes it, and of a lifted one after. A way
// cut before or after is cut: one way before and the other after is both.
func WithCuts(had, want map[string]map[string]agent.LinkFault) map[string]map[string]agent.LinkFault {
	out := map[string]map[string]agent.LinkFault{}
	for n, w := range want {
		m := maps.Clone(w)
		for nb, h := range had[n] {
			lf := m[nb]
			switch {
			case h.Cut == "":
				continue
			case lf.Cut == "":
				lf.Cut, lf.Direction = h.Cut, h.Direction
			case lf.Direction != h.Direction:
				lf.Direction = "" // one way and another: both
			}
			m[nb] = lf
		}
		out[n] = m
	}
	return out
}

func SameFaults(a, b map[string]agent.LinkFault) bool {
	return maps.EqualFunc(a, b, func(x, y agent.LinkFault) bool {
		return x.Cut == y.Cut && x.Direction == y.Direction && (x.Impairment == nil) == (y.Impairment == nil) &&
			(x.Impairment == nil || *x.Impairment == *y.Impairment)
	})
}
