package topology

import "time"

// SharedMembersAtFullRate is how many members a shared segment may have
// with every member sending at DefaultInterval. Every member hears every
// frame put on a shared segment, so what the members send together is
// what each of them reads: on a bus of 250 sending every 2 s, each agent
// would read 125 messages and as many acknowledgements a second, and 250
// of them more than two cores can serve.
const SharedMembersAtFullRate = 50

// DefaultIntervalOn is the background traffic interval a topology gets when
// its file does not set one: DefaultInterval, or on a shared segment of
// more than SharedMembersAtFullRate members, as much longer as keeps the
// segment's total to what that many members send (25 messages a second):
// 10 s on a bus of 250. A file's traffic.interval is kept as it is.
func DefaultIntervalOn(segs []PlanSegment) time.Duration {
	most := 0
	for _, s := range segs {
		if s.Shared {
			most = max(most, len(s.Members))
		}
	}
	if most <= SharedMembersAtFullRate {
		return DefaultInterval
	}
	d := DefaultInterval * time.Duration(most) / SharedMembersAtFullRate
	return d.Round(100 * time.Millisecond)
}

// ForwardsAtFullRate is how many times a second all nodes together may pass
// a background message on to the next node at DefaultInterval: a ring of
// 30 (each message goes 15 hops on average) makes 225. Every node sends,
// and each message is passed on once per hop, so a ring of 100, whose
// messages go 50 hops, made 2,500 and kept one and a half cores busy, so
// busy that a message across it timed out.
const ForwardsAtFullRate = 250

// DefaultIntervalFor is the background traffic interval a planned
// topology gets when its file does not set one: DefaultIntervalOn its
// segments, or as much longer as keeps the hops all nodes' messages make
// together to ForwardsAtFullRate a second: 20 s on a ring of 100.
func DefaultIntervalFor(p *Plan) time.Duration {
	d := DefaultIntervalOn(p.Segments)
	forwards := float64(len(p.Nodes)) * meanHops(p.Nodes) / DefaultInterval.Seconds()
	if forwards > ForwardsAtFullRate {
		scaled := time.Duration(float64(DefaultInterval) * forwards / ForwardsAtFullRate).Round(100 * time.Millisecond)
		d = max(d, scaled)
	}
	return d
}

// meanHops is how many hops a message takes on average from a node to
// another, along the planned routes.
func meanHops(nodes []PlanNode) float64 {
	routes := make(map[string]map[string]string, len(nodes))
	for _, n := range nodes {
		routes[n.Name] = n.Routes
	}
	total, pairs := 0, 0
	for _, from := range nodes {
		for to := range from.Routes {
			at, hops := from.Name, 0
			for at != to && hops < len(nodes) { // a route never loops; the bound makes sure
				at = routes[at][to]
				hops++
			}
			total += hops
			pairs++
		}
	}
	if pairs == 0 {
		return 0
	}
	return float64(total) / float64(pairs)
}
