package orchestrator

import (
	"maps"
	"slices"
	"sync"

	"github.com/topo-dev/topo/engine"
)

// crowdedLocks returns a lock for each network that more than two of cs
// are on: a shared segment. Down removes the members of one such network
// one at a time. Docker 20.10 keeps a network's endpoint count as a
// stored counter, and under concurrent removals on one network it now
// and then loses a decrement: the network is then refused removal ("has
// active endpoints", with none listed) until the daemon restarts. Seen on
// a bus of 100 removed by 8 workers under a loaded engine; never on a
// link of two. Removals on different segments still run side by side.
func crowdedLocks(cs []engine.ContainerInfo) map[string]*sync.Mutex {
	members := map[string]int{}
	for _, c := range cs {
		for n := range c.Networks {
			members[n]++
		}
	}
	locks := map[string]*sync.Mutex{}
	for n, k := range members {
		if k > 2 {
			locks[n] = &sync.Mutex{}
		}
	}
	return locks
}

// lockCrowded takes the locks of c's crowded networks, in the order of
// their names so that two removals never wait for each other, and returns
// what releases them.
func lockCrowded(c engine.ContainerInfo, locks map[string]*sync.Mutex) (unlock func()) {
	var held []*sync.Mutex
	for _, n := range slices.Sorted(maps.Keys(c.Networks)) {
		if m := locks[n]; m != nil {
			m.Lock()
			held = append(held, m)
		}
	}
	return func() {
		for _, m := range slices.Backward(held) {
			m.Unlock()
		}
	}
}
