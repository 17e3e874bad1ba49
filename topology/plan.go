package topology

import "net/netip"

// Plan is everything a runtime needs to build a topology, derived from a
// Topology by BuildPlan. It is deterministic: the same Topology and options
// always give the same Plan.
type Plan struct {
	Name     string       `json:"name"`
	Layout   Layout       `json:"layout"`
	File     string       `json:"file,omitempty"`
	Traffic  Traffic      `json:"traffic"`
	Pool     netip.Prefix `json:"pool"`
	Routing  Routing      `json:"routing"`
	LogLevel string       `json:"log_level,omitempty"` // the agents'; "" is info
	// Faults are the file's schedule, applied after the topology is ready.
	Faults   []ScheduledFault `json:"faults,omitempty"`
	Nodes    []PlanNode       `json:"nodes"`    // in file order (generated names in generation order)
	Segments []PlanSegment    `json:"segments"` // in wiring order
}

// PlanNode is one node with its wiring.
type PlanNode struct {
	Name    string            `json:"name"`
	Role    string            `json:"role"`
	Image   string            `json:"image,omitempty"`
	Command []string          `json:"command,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	// Privileged and Capabilities say what a node's own image runs with
	// (see Node).
	Privileged   bool     `json:"privileged,omitempty"`
	Capabilities []string `json:"capabilities,omitempty"`
	// Placement constrains where a cluster engine runs the node (see Node).
	Placement []string `json:"placement,omitempty"`
	// Addresses maps segment name to this node's address on it.
	Addresses map[string]netip.Addr `json:"addresses"`
	// Neighbors are the nodes this one exchanges frames with directly, as the
	// layout dictates (a client's only neighbour is its server, even on a
	// shared LAN), sorted by plan order.
	Neighbors []PlanNeighbor `json:"neighbors"`
	// Routes maps every other node to the next hop toward it along a shortest
	// path. In a ring the next hop is always the successor.
	Routes map[string]string `json:"routes"`
	// IPRoutes are the kernel routes the node gets (routing ip): one per
	// segment it is not on, through the next hop toward that segment.
	IPRoutes []IPRoute `json:"ip_routes,omitempty"`
}

// IPRoute sends the traffic for a subnet through a neighbour.
type IPRoute struct {
	To  netip.Prefix `json:"to"`
	Via netip.Addr   `json:"via"` // the next hop's address on a segment both share
	Hop string       `json:"hop"` // the next hop's name
}

// PlanNeighbor is a direct neighbour and where to reach it.
type PlanNeighbor struct {
	Name    string     `json:"name"`
	Segment string     `json:"segment"` // the segment they share
	Addr    netip.Addr `json:"addr"`    // the neighbour's address on that segment
	// Dial is true when this node opens the connection; the other side
	// accepts. Exactly one side of every neighbour pair dials: the spoke, the
	// client, the ring predecessor, else the node earlier in plan order.
	Dial bool `json:"dial"`
}

// PlanSegment is one Docker network: a point-to-point link or a shared segment.
type PlanSegment struct {
	Name    string       `json:"name"`
	Subnet  netip.Prefix `json:"subnet"`
	Gateway netip.Addr   `json:"gateway"` // first usable address, taken by the bridge
	Members []string     `json:"members"` // in plan order
	Shared  bool         `json:"shared"`  // a bus-like segment where frames are broadcast
	// ImpairFrom, when set (a member of a point-to-point segment), makes
	// Impairment hold only for what that member sends: the other's agent
	// gets none.
	ImpairFrom string     `json:"impair_from,omitempty"`
	Impairment Impairment `json:"impairment"`
}

// Node returns the plan node with that name.
func (p *Plan) Node(name string) (*PlanNode, bool) {
	for i := range p.Nodes {
		if p.Nodes[i].Name == name {
			return &p.Nodes[i], true
		}
	}
	return nil, false
}

// Segment returns the segment with that name.
func (p *Plan) Segment(name string) (*PlanSegment, bool) {
	for i := range p.Segments {
		if p.Segments[i].Name == name {
			return &p.Segments[i], true
		}
	}
	return nil, false
}

// PlanOptions change how a plan allocates addresses.
type PlanOptions struct {
	// Name overrides the topology's name.
	Name string
	// Avoid lists subnets already in use (for example by other Docker
	// networks). When the file does not set its own pool, allocation skips
	// subnets that overlap these; when it does, an overlap is an error.
	Avoid []netip.Prefix
	// EngineAddrs is how many addresses the engine takes on a segment for
	// each member, beside the member's own: 0 for one Docker engine; 1 on
	// a swarm, whose load balancer takes one on every host that runs a
	// member. Subnets grow to hold them.
	EngineAddrs int
	// Keep pins segments that run already to their subnets, by segment
	// name, so that a changed file planned beside its running topology
	// leaves what stays where it is: a segment named here keeps its subnet
	// while that is still its size and inside the pool, and no other
	// segment is put on any subnet named here (one of a segment that goes
	// still exists while a new one is made).
	Keep map[string]netip.Prefix
}
