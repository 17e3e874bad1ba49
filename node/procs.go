package node

import "runtime"

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
