// Package faults is the logic of the faults topo puts on a running
// topology, apart from the engine: what a fault is and how it is kept (a
// marker's label), checking a verb against the plan (a link, a partition's
// groups, an impairment's settings) and what it makes of the faults in
// force, how the faults in force fold into what each way between two
// nodes suffers, and from that the packet filters and shaping a helper
// installs in a node's network namespace and what each agent is told of
// its links. It is pure: the orchestrator reads the live topology, keeps
// the markers, runs the helpers and tells the agents (see Host).
package faults
