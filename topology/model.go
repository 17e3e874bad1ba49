// Package topology reads topology files, validates them and turns them into a
// Plan: the nodes, the segments that wire them, a subnet per segment, an address
// per node and segment, and the next hop from every node toward every other.
//
// It is pure: no Docker, no network, no clock. The same file always yields the
// same Plan.
//
// # Files
//
// Load and Parse decode strictly (an unknown field is an error) and report
// every problem at once, as an ErrorList of FILE:LINE:COL: message lines.
// The rules they enforce, beyond the shape of each field:
//
//   - name (default: the file name without extension) and node names are
//     lowercase letters, digits and dashes, starting and ending with a
//     letter or digit, at most MaxNameLen and MaxNodeNameLen characters:
//     they become Docker names <topology>-<node> and <topology>-<segment>.
//     A container's name is also its hostname, so <topology>-<node> is at
//     most MaxHostnameLen characters (checked again by BuildPlan, whose
//     PlanOptions.Name may rename the topology).
//   - 2 to MaxNodes nodes, a ring at least 3, a p2p mesh at most
//     MaxMeshNodes, a custom layout at most MaxSegments links. Node names
//     are unique.
//   - star takes roles hub and spoke, client-server server and client, at
//     most one hub or server; without one the first node without a role is
//     it. Other layouts have no roles (role: peer is accepted, as that is
//     what they get).
//   - links only in layout custom, and required there: every endpoint a
//     node, no self-links, no endpoint twice in a link, no two links over
//     the same set of nodes, every node in a link, the graph connected.
//   - delay and jitter are durations like 5ms, 0 to MaxDelay; jitter is
//     not limited by delay (a jitter larger than the delay is allowed).
//     loss is a percentage with its % sign ("0.5"  is refused as ambiguous).
//     rate is in bits per second with unit bit, kbit, mbit or gbit (decimal);
//     byte units such as mbps are refused, since tc reads them as bytes.
//     Zero needs no unit anywhere.
//   - traffic.protocol is tcp or udp, interval 0 (off) or at least
//     MinInterval, size 1 to MaxSize bytes; at most MaxDatagramPayload
//     when any frame travels as a UDP datagram: protocol udp, layout bus,
//     or a custom link of three or more nodes (a shared segment).
//   - network.pool is an IPv4 CIDR inside 10.0.0.0/8, 172.16.0.0/12 or
//     192.168.0.0/16, at most a /29.
//   - a fault step's name, when given, is a name as above of at most
//     MaxStepNameLen characters, unique among the steps.
//   - expect: holds at most MaxExpectations entries, each exactly one of
//     reach: (with from:), accounting: balanced, logs: or run:; within:,
//     during:, fails: and recovers-within: (with after:) qualify a reach:
//     only. Every node named is a node of the topology; a reach: of a node
//     alone (an agent message) needs topo's agent at both ends. Windows and
//     recoveries that name fault steps are resolved to offsets from ready
//     as the file is read. Names are unique; those left out are made from
//     the check (see Expectation).
//
// # Plans
//
// BuildPlan wires the layout into segments (see PlanSegment), gives each a
// subnet from the pool (the smallest aligned block, at least a /29, that
// holds its members plus network, gateway and broadcast, first fit in
// segment order), addresses members from .2 on in plan order, and computes
// neighbours, who dials whom, and next hops (shortest paths, ties broken by
// plan order; in a ring always the successor).
package topology

import (
	"net/netip"
	"time"
)

// Layout names the shape of a topology.
type Layout string

// The layouts a topology file may name.
const (
	Star         Layout = "star"
	Ring         Layout = "ring"
	Bus          Layout = "bus"
	P2P          Layout = "p2p"
	ClientServer Layout = "client-server"
	Custom       Layout = "custom"
)

// Roles a node may have. Layouts without a centre give every node RolePeer.
const (
	RoleHub    = "hub"
	RoleSpoke  = "spoke"
	RoleServer = "server"
	RoleClient = "client"
	RolePeer   = "peer"
)

// Protocols for node traffic.
const (
	TCP = "tcp"
	UDP = "udp"
)

// Pos is a place in a topology file, for error messages.
type Pos struct {
	Line, Col int
}

// Topology is a decoded and validated topology file.
type Topology struct {
	File    string // the path it was read from, as given
	Name    string
	Layout  Layout
	Nodes   []Node
	Traffic Traffic
	Link    Impairment // the default impairment of every link
	Links   []Link     // custom layout only
	Network Network
	// LogLevel is the agents' log level: debug, info, warn or error; ""
	// leaves it to the agent (info).
	LogLevel string
	// Faults are the file's fault schedule, relative to the moment the
	// topology is ready.
	Faults []ScheduledFault
	// Expect is what must hold while the topology runs (topo test).
	Expect []Expectation

	src source // where things are in the file; zero for a Topology built in Go

	// valid is the digest of the content validation last passed (zero when
	// it never did). Parse sets it, so that BuildPlan trusts a Topology it
	// was handed while its content still matches, and validates one built
	// in Go or changed since.
	valid digest
	// pool is Network.Pool as validation parsed it, which planning uses
	// rather than parsing the text again.
	pool parsedPool
}

// parsedPool is a pool's text and the prefix it parses to. The text is
// kept to notice a caller who changed Network.Pool after validation.
type parsedPool struct {
	text   string
	prefix netip.Prefix
}

// Node is one node of a topology.
type Node struct {
	Name    string
	Role    string // always set after Load: hub/spoke, server/client, or peer
	Image   string // a user's own image in place of the built-in node; empty for ours
	Command []string
	Env     map[string]string
	// Privileged runs a node's own image with Docker's default privileges
	// instead of topo's least privilege (no capabilities, no new
	// privileges, memory and pids limits). It is not Docker's --privileged.
	Privileged bool
	// Capabilities are Linux capabilities a node's own image keeps, e.g.
	// NET_RAW for ping; written without CAP_.
	Capabilities []string
	// Placement constrains which host of a cluster runs the node, in
	// Swarm's syntax ("node.labels.rack==a"); one engine ignores it.
	Placement []string
	Pos       Pos

	rolePos Pos // where role: was given, for late errors
}

// Link is one entry of a custom layout's links: two endpoints make a
// point-to-point link, three or more a shared segment.
type Link struct {
	Endpoints  []string
	Impairment Impairment // already merged over the topology's default
	// From, when set (one of two Endpoints), makes Impairment hold only
	// for what From sends the other end.
	From string
	Pos  Pos

	endpointPos []Pos // where each endpoint was written, for late errors
}

// Impairment is what a link does to the frames that cross it.
// The zero value is a perfect link.
type Impairment struct {
	Delay  time.Duration `json:"delay,omitempty"`
	Jitter time.Duration `json:"jitter,omitempty"`
	Loss   float64       `json:"loss,omitempty"` // a fraction, 0..1
	Rate   uint64        `json:"rate,omitempty"` // bits per second; 0 means unlimited
}

// IsZero reports whether the impairment leaves frames alone.
func (i Impairment) IsZero() bool { return i == Impairment{} }

// Traffic is the background traffic every node originates.
type Traffic struct {
	Protocol string        `json:"protocol"` // TCP or UDP
	Interval time.Duration `json:"interval"` // 0 turns background traffic off
	Size     int           `json:"size"`     // payload bytes
}

// Network holds the address settings of a topology.
type Network struct {
	Pool string // a private IPv4 CIDR; DefaultPool when the file gives none
	// PoolSet is true when the file named the pool itself. Then the pool is
	// binding; otherwise a runtime may move the topology to a free block.
	PoolSet bool
	// Routing is how IP crosses the topology: RoutingIP (the default when
	// empty) routes every node's addresses along the layout's paths;
	// RoutingNone leaves each segment on its own.
	Routing Routing
	// RoutingSet is true when the file chose the routing itself, so that
	// an engine that cannot route (swarm) refuses it rather than leave the
	// default out.
	RoutingSet bool
}

// Routing is a topology's IP routing mode.
type Routing string

// Routing modes.
const (
	RoutingIP   Routing = "ip"
	RoutingNone Routing = "none"
)

// Defaults.
const (
	DefaultPool     = "10.210.0.0/16"
	DefaultInterval = 2 * time.Second
	DefaultSize     = 64
	MaxSize         = 65536
	// MaxDatagramPayload is the largest traffic.size when frames travel as
	// UDP datagrams (protocol udp, or a shared segment, which always uses
	// datagrams). A datagram carries at most 65507 bytes, and the frame
	// header shares them with the payload: 28 fixed bytes, three names and
	// a path of up to 255 names (a message's hop budget grows with the
	// node count), each name 1+MaxNodeNameLen bytes, and a 4-byte length:
	// 8031 bytes at worst, which leaves 57476. A larger payload could be
	// dropped as oversize on a long path.
	MaxDatagramPayload = 57000
	MaxNameLen         = 40
	// MaxHostnameLen is the longest container name, <topology>-<node>: the
	// name is also the container's hostname, and a DNS label (RFC 1123)
	// holds at most 63 characters.
	MaxHostnameLen = 63
	// MaxMeshNodes is the largest p2p full mesh we build: n(n-1)/2 networks
	// grow fast and Docker serializes network creation.
	MaxMeshNodes = 12
	// MaxSegments is the most segments (Docker networks) a topology may
	// have: Docker creates networks one at a time, about 70ms each. A ring
	// of MaxNodes nodes has exactly this many; only a custom layout can
	// ask for more.
	MaxSegments = MaxNodes
)

// Capabilities are the Linux capabilities a node's own image may keep.
var Capabilities = []string{
	"AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN",
	"DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE",
	"LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYSLOG",
	"SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE",
	"SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "WAKE_ALARM",
}
