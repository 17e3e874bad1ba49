package orchestrator

import "time"

// Phase is a step of bringing a topology up or down.
type Phase string

// The phases of up and down, in order.
const (
	PhaseImage      Phase = "image"
	PhaseNetworks   Phase = "networks"
	PhaseContainers Phase = "containers" // each node's container created and started
	// Deprecated: up starts each container in PhaseContainers, as soon as
	// it is created; PhaseStart is no longer reported.
	PhaseStart    Phase = "start"
	PhaseReady    Phase = "ready"
	PhaseRemove   Phase = "remove"
	PhaseRollback Phase = "rollback"
)

// Progress reports progress on one resource, or on a whole phase when
// Resource is empty.
type Progress struct {
	Topology string
	Phase    Phase
	Resource string // a network, container or node name; "" for the phase itself
	// Status is "started", "done" or "failed"; "stopped": a phase cut
	// short by an interruption or by another phase's failure, which is
	// told there; "waiting": Resource is a lock another process holds;
	// StatusWorking: Resource is a line on a step still under way (the
	// agent compiling).
	Status  string
	Done    int // resources of this phase finished so far
	Total   int // resources in this phase
	Err     error
	Elapsed time.Duration // for a finished phase; how long so far, for a wait
	// Waiting names what a phase still waits for: the nodes not ready yet.
	Waiting []string
	// LinksDown are, for the first few nodes in Waiting, the neighbours
	// their links are still down to.
	LinksDown map[string][]string
}

// StatusWorking is the Status of a line on a step still under way.
const StatusWorking = "working"

func (o *Orchestrator) emit(e Progress) { o.progress(e) }
