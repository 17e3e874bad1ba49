package cli

import (
	"runtime"
	"runtime/debug"
)

// setProcs runs the agent's goroutines on one thread at a time, unless
// GOMAXPROCS says otherwise. An agent does little per frame; with more
// than one processor, the Go runtime wakes a second thread, which spins
// looking for work, for nearly every datagram heard. On a bus of 250,
// where every member hears every frame, that waking was most of what 250
// agents cost the machine. It returns the setting in force.
func setProcs(env Env) int {
	if env("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0) // the runtime applied it at start
	}
	runtime.GOMAXPROCS(1)
	return 1
}

// gcPercent is the agent's GOGC. Go's default of 100 lets the heap grow
// to 4 MB before its first collection, and an agent's live heap is one or
// two: on a bus of 250, each agent held 6.4 MB of anonymous memory at
// 100 and 4.9 MB at 25, with the same CPU (0.40 cores for all 250
// against 0.43). A hub's heap is bigger and is collected more often.
const gcPercent = 25

// setGC sets the collector's target, unless GOGC says otherwise, and
// returns the setting in force.
func setGC(env Env) int {
	if env("GOGC") != "" {
		old := debug.SetGCPercent(100)
		debug.SetGCPercent(old) // the runtime applied GOGC at start
		return old
	}
	debug.SetGCPercent(gcPercent)
	return gcPercent
}
