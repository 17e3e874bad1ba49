package engine

// LabelSpec is on every container and network topo up creates: hashes of
// the parts of the plan it was made from, as "key=hash" fields separated
// by spaces (a container's own settings and its wiring; a network's
// subnet, and the pool and fault schedule of its topology). An up of a
// changed file compares them with its new plan, part by part, to tell what
// changes and which resources stay untouched. A resource made by an older
// topo has none, and is compared by the plan read back from what runs.
const LabelSpec = "topo.spec"

// LabelApplied is on the marker of a topology whose running resources a
// topo up changed in place (a container created and never started, like
// the markers of faults): JSON of what each changed resource is now,
// which its own labels, fixed when it was made, no longer say. Up, status
// and the plan read back take it over those labels.
const LabelApplied = "topo.applied"
