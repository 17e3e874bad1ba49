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
