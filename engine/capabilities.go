package engine

import "errors"

// ErrUnsupported is returned, wrapped with what cannot be done and why,
// when an engine cannot do what a command asks (a helper in a node's
// network namespace on a cluster, for one). Commands say so and fail
// rather than do something else.
var ErrUnsupported = errors.New("not supported by this engine")

// Capabilities say what an engine can do that the Runtime's method set
// alone does not tell: a single Docker engine can do all of it, a cluster
// engine less.
type Capabilities struct {
	// Engine names the engine in messages: "docker", "swarm".
	Engine string
	// FixedAddresses: a container gets the address its NetworkAttachment
	// names. Without it the engine picks addresses, and nodes find each
	// other by the attachment's Aliases through the engine's DNS.
	FixedAddresses bool
	// NetnsHelpers: a helper container can join a node's network
	// namespace (ContainerSpec.JoinNetworkOf, RunToCompletion), which IP
	// routing, packet-filter faults and trace need.
	NetnsHelpers bool
	// Broadcast: a datagram to a network's broadcast address reaches every
	// container on it.
	Broadcast bool
	// EngineAddrs is how many addresses of a network the engine takes for
	// itself for each container on it, at most: a swarm's load balancer
	// takes one on every host that runs a task on the network. Plans make
	// subnets larger to hold them.
	EngineAddrs int
}

// Full is what one Docker engine can do: everything.
var Full = Capabilities{Engine: "docker", FixedAddresses: true, NetnsHelpers: true, Broadcast: true}

// Capable is a Runtime that says what it can do. A Runtime that does not
// implement it can do everything (Full).
type Capable interface {
	Capabilities() Capabilities
}

// CapabilitiesOf returns what rt can do.
func CapabilitiesOf(rt Runtime) Capabilities {
	if c, ok := rt.(Capable); ok {
		return c.Capabilities()
	}
	return Full
}
