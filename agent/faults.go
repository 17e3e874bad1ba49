package agent

import "encoding/json"

// VerbFaults sets the faults on the agent's links, at runtime.
const VerbFaults = "faults"

// LinkFault is what topo tells an agent of the faults on its link to one
// neighbour, so that the agent counts what they drop with the right
// reason, at once, and applies to its own frames what the kernel cannot.
type LinkFault struct {
	// Cut, when set, is the reason every frame for the neighbour is
	// dropped: ReasonLinkDown (topo link down), ReasonPartition (topo
	// partition) or ReasonNodeDown (topo node stop, kill or pause).
	Cut string `json:"cut,omitempty"`
	// Direction says which way Cut holds: "" both ways; CutOut only what
	// this node sends the neighbour (topo link down --from this node): its
	// frames for the neighbour are dropped with Cut's reason, what the
	// neighbour sends still arrives; CutIn only what the neighbour sends
	// this node: this node's frames still reach it, but no ack or hello
	// comes back, so this node hands them over without waiting for acks
	// (the neighbour counts them) and keeps the link up without hellos.
	Direction string `json:"direction,omitempty"`
	// Impairment, when set, replaces the segment's impairment (the file's)
	// for the frames the agent sends the neighbour.
	Impairment *Impairment `json:"impairment,omitempty"`
}

// Directions of a one-way cut (LinkFault.Direction).
const (
	CutOut = "out"
	CutIn  = "in"
)

// LinkOneWay is the state (NeighborStats.State) of a link that carries
// frames one way only.
const LinkOneWay = "one-way"

// CutsOut says whether f drops what this node sends the neighbour.
func (f LinkFault) CutsOut() bool { return f.Cut != "" && f.Direction != CutIn }

// OneWay says whether f cuts one direction of the link only.
func (f LinkFault) OneWay() bool { return f.Cut != "" && f.Direction != "" }

// IsZero reports whether f leaves the link as the file made it.
func (f LinkFault) IsZero() bool { return f.Cut == "" && f.Impairment == nil }

// FaultsCommand is the command line that makes faults, by neighbour, the
// agent's link faults: it replaces what an earlier call set, and links it
// does not name carry as the file says.
func FaultsCommand(faults map[string]LinkFault) []string {
	b, _ := json.Marshal(faults) // maps of strings and plain structs always marshal
	return []string{Path, VerbFaults, string(b)}
}
