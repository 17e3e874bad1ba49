// Package engine is the port between topo and a container engine: the narrow
// Runtime interface, the specs and infos it takes and returns, the sentinel
// errors it wraps, the labels that are topo's only state, and the names of
// the resources it creates. It imports nothing of topo's, so that an engine
// implementation (package docker) depends on this contract and nothing else.
package engine

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"time"
)

// Labels that mark every resource topo creates. They are the only state:
// down, ls and status read them back from the engine.
const (
	LabelTopology = "topo.topology" // on everything
	LabelNode     = "topo.node"     // containers
	LabelSegment  = "topo.segment"  // networks
	LabelLayout   = "topo.layout"   // containers and networks
	LabelFile     = "topo.file"     // containers and networks: absolute path of the topology file
	LabelRole     = "topo.role"     // containers
	LabelImage    = "topo.image"    // images built by topo: "node"
	LabelPlan     = "topo.plan"     // containers: hash of the plan, to tell a changed file apart
	LabelAgent    = "topo.agent"    // containers: "true" when the node runs topo's agent
	LabelOrder    = "topo.order"    // containers and networks: index in the plan, for stable listings
	LabelHelper   = "topo.helper"   // helper containers (short-lived ones, fault markers): the topology they act on
	LabelFault    = "topo.fault"    // fault markers: the fault in force, as JSON
	LabelEvent    = "topo.event"    // containers that logged a step of a fault schedule
	LabelSchedule = "topo.schedule" // the marker of a running fault schedule: when the schedule started (RFC 3339)
	LabelPID      = "topo.pid"      // schedule markers: the process that runs the schedule
	LabelBoot     = "topo.boot"     // schedule markers: the host's boot id and pid namespace, where that pid is that process
	LabelRun      = "topo.run"      // containers and networks: the up that created them, so that its rollback removes only those
	LabelSecret   = "topo.secret"   // networks: the topology's master secret, which its segment keys derive from; never seen from inside a node
)

// Sentinel errors a Runtime returns, wrapped, so that callers need not know
// the engine's error types.
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("conflict")       // a name is taken, or a resource is in use
	ErrOverlap     = errors.New("subnet overlap") // a network's subnet overlaps an existing one
	ErrUnreachable = errors.New("docker engine unreachable")
)

// Runtime is the narrow slice of a container engine that topo needs.
// Package docker implements it on the Docker Engine API. Every method takes
// a context first and honours its cancellation.
type Runtime interface {
	// Ping checks that the engine answers. It returns ErrUnreachable,
	// wrapped with what to do, when it does not.
	Ping(ctx context.Context) error

	// ImageExists reports whether an image with that reference is present locally.
	ImageExists(ctx context.Context, ref string) (bool, error)
	// BuildImage builds an image from a tar build context (with a Dockerfile
	// at its root) and tags it with every tag given. It never pulls.
	BuildImage(ctx context.Context, buildContext io.Reader, tags []string, labels map[string]string) error
	// RemoveImage removes an image reference. ErrConflict when it is in use.
	RemoveImage(ctx context.Context, ref string) error
	// ListImages lists images carrying all the labels given.
	ListImages(ctx context.Context, labels map[string]string) ([]ImageInfo, error)

	// CreateNetwork creates a bridge network. ErrOverlap when the subnet is
	// taken, ErrConflict when the name is.
	CreateNetwork(ctx context.Context, spec NetworkSpec) (id string, err error)
	// RemoveNetwork removes a network by ID or name. ErrNotFound if it is gone.
	RemoveNetwork(ctx context.Context, id string) error
	// ConnectNetwork attaches a container, running or not, to a network at
	// addr (where the engine picks one when addr is not valid), as a
	// topology changed in place gives a node that stays a new segment.
	// ErrUnsupported where the engine cannot (a swarm's services).
	ConnectNetwork(ctx context.Context, network, container string, addr netip.Addr) error
	// DisconnectNetwork detaches a container from a network, as a topology
	// changed in place takes a segment away from a node that stays.
	// ErrNotFound when either is gone.
	DisconnectNetwork(ctx context.Context, network, container string) error
	// ListNetworks lists networks carrying all the labels given; with no
	// labels it lists every network (to find subnets already in use).
	// In every List method a label with an empty value matches any value.
	ListNetworks(ctx context.Context, labels map[string]string) ([]NetworkInfo, error)

	// CreateContainer creates a container attached to every network in the
	// spec, each with its fixed address, without starting it.
	// ErrConflict when the name is taken, ErrNotFound when the image is missing.
	CreateContainer(ctx context.Context, spec ContainerSpec) (id string, err error)
	StartContainer(ctx context.Context, id string) error
	// ControlContainer stops, kills, restarts, pauses or unpauses a
	// container, or starts a stopped one.
	ControlContainer(ctx context.Context, id string, action Action) error
	// RemoveContainer stops and removes a container and its anonymous volumes.
	// ErrNotFound if it is gone.
	RemoveContainer(ctx context.Context, id string) error
	// ListContainers lists containers, running or not, carrying all the
	// labels given.
	ListContainers(ctx context.Context, labels map[string]string) ([]ContainerInfo, error)
	// ContainerByName returns the container with exactly that name, ours or
	// not, with its Env and Cmd, which ListContainers leaves out.
	ContainerByName(ctx context.Context, name string) (ContainerInfo, error)

	// RunToCompletion creates a container, starts it, waits for it to exit,
	// copies its output to stdout and stderr, removes it, and returns its
	// exit code: a short-lived helper.
	RunToCompletion(ctx context.Context, spec ContainerSpec, stdout, stderr io.Writer) (exitCode int, err error)
	// RunStream runs a short-lived helper whose output is copied as it
	// comes, byte for byte (a packet capture), until it exits. When ctx
	// ends it stops the helper (SIGTERM, then SIGKILL after a grace) and
	// copies the rest of its output; it removes the helper whatever
	// happened, and returns its exit code. ctx ending is not an error.
	RunStream(ctx context.Context, spec ContainerSpec, stdout, stderr io.Writer) (exitCode int, err error)

	// Exec runs a command in a running container, copies its output to
	// stdout and stderr, and returns its exit code. An ExecInput, at most
	// one, gives it standard input and a terminal, as `docker exec -i -t`.
	Exec(ctx context.Context, id string, cmd []string, stdout, stderr io.Writer, in ...ExecInput) (exitCode int, err error)
	// Logs streams a container's output, stdout and stderr demultiplexed
	// into one stream of lines. With Follow it runs until ctx ends.
	Logs(ctx context.Context, id string, opts LogOptions) (io.ReadCloser, error)
}

// ImageInfo describes a local image.
type ImageInfo struct {
	ID     string
	Tags   []string
	Labels map[string]string
}

// NetworkSpec describes a network to create.
type NetworkSpec struct {
	Name    string
	Subnet  netip.Prefix
	Gateway netip.Addr
	Labels  map[string]string
	// Sealed asks for a segment with no way out: the host takes no
	// address on it, so a node's default route leads nowhere and only the
	// segment's members reach each other. Isolation between networks that
	// rests on the host's firewall instead has gaps: Docker 20.10 takes
	// its isolation rule out and puts it back each time it creates any
	// network. An engine without such networks ignores it.
	Sealed bool
}

// inhibitIPv4 is the Docker bridge driver's option (20.10 and later) that
// leaves the bridge without an IPv4 address on the host.
const inhibitIPv4 = "com.docker.network.bridge.inhibit_ipv4"

// BridgeOptions are the Docker bridge driver options that carry the spec:
// what the Docker runtime asks for and the compose export writes, so that
// the two cannot drift apart.
func (s NetworkSpec) BridgeOptions() map[string]string {
	if !s.Sealed {
		return nil
	}
	return map[string]string{inhibitIPv4: "true"}
}

// NetworkInfo describes an existing network.
type NetworkInfo struct {
	ID      string
	Name    string
	Subnets []netip.Prefix
	Labels  map[string]string
	Created time.Time
}

// ContainerSpec describes a container to create. Specs builds them from a
// plan; the engine layer applies them field by field.
type ContainerSpec struct {
	Name     string
	Hostname string // at most 63 characters
	Image    string
	Cmd      []string // nil: the image's default
	Env      []string // KEY=value
	Labels   map[string]string
	Network  []NetworkAttachment // the first is given at create, the rest connected before start

	// Least privilege. The agent's containers get all of it (see Specs);
	// a user's own image only the tmpfs, since it may need more.
	User            string            // "uid:gid"; empty: the image's
	ReadOnlyRoot    bool              // a read-only root filesystem
	Tmpfs           map[string]string // mount point -> mount options
	CapDrop         []string          // e.g. ALL
	CapAdd          []string          // capabilities to add back
	NoNewPrivileges bool
	MemoryBytes     int64 // 0: uncapped
	PidsLimit       int64 // 0: uncapped

	// Sysctls are namespaced kernel settings (net.*) set as the container
	// is created: the only moment a container without capabilities can
	// have them.
	Sysctls map[string]string
	// ExtraHosts are /etc/hosts entries, "name:address".
	ExtraHosts []string
	// JoinNetworkOf runs the container in the network namespace of another
	// container (its ID or name) instead of on networks of its own; Network
	// must then be empty.
	JoinNetworkOf string
	// HostsOf, for RunToCompletion alone, mounts the /etc/hosts of another
	// container (its ID or name), writable, at HostsMount in this
	// one: a hosts helper rewrites a running node's hosts file through it,
	// which the engine's copy into a container cannot (it refuses a
	// read-only root, and cannot replace a file that is a mount).
	HostsOf string
	// Placement constrains where a cluster engine may run the container,
	// in Swarm's syntax ("node.labels.rack==a"); one engine has nowhere
	// else to put it and ignores them.
	Placement []string
}

// HostsMount is where a container made with HostsOf has the other's
// /etc/hosts.
const HostsMount = "/topo-hosts"

// NetworkAttachment puts a container on a network at a fixed address, or,
// on an engine without FixedAddresses, at an address it picks, under the
// names in Aliases.
type NetworkAttachment struct {
	Network string // name
	IP      netip.Addr
	Aliases []string // DNS names of the container on this network alone
}

// ContainerInfo describes an existing container.
type ContainerInfo struct {
	ID      string
	Name    string // without the leading slash
	Image   string
	State   string // created, running, exited, ...
	Labels  map[string]string
	Created time.Time
	// Networks maps network name to the container's IPv4 address on it.
	Networks map[string]netip.Addr
	// Env (KEY=value) and Cmd are set by ContainerByName only.
	Env []string
	Cmd []string
	// ExtraHosts are the container's /etc/hosts entries ("name:address")
	// as it was made, which the engine writes again at each start; set by
	// ContainerByName only.
	ExtraHosts []string
	// ExitCode and OOMKilled say how a container that is not running
	// ended; set by ContainerByName only.
	ExitCode  int
	OOMKilled bool
	// MACs maps network name to the container's link-layer address on it;
	// set by ContainerByName only.
	MACs map[string]string
	// Host names the host that runs it, on an engine of several hosts (a
	// swarm node's hostname); "" on one engine.
	Host string
	// HostDown: that host is down, unreachable or drained, so State is
	// only the last its engine reported.
	HostDown bool
}

// Every container topo creates keeps a bounded log: LogFiles files of
// LogFileSize each, rotated by the engine's json-file driver, so that a
// chatty topology left running cannot fill the disk.
const (
	LogFileSize = "10m"
	LogFiles    = 3
)

// Action is what ControlContainer does to a container.
type Action string

// Actions on a node's container.
const (
	ActionStop    Action = "stop"
	ActionStart   Action = "start"
	ActionRestart Action = "restart"
	ActionKill    Action = "kill"
	ActionPause   Action = "pause"
	ActionUnpause Action = "unpause"
)

// Actions lists every Action, in the order a user reads them.
var Actions = []Action{ActionStop, ActionStart, ActionRestart, ActionKill, ActionPause, ActionUnpause}

// LogOptions select what Logs returns.
type LogOptions struct {
	Follow bool
	Tail   string    // "all" or a number; "" means all
	Since  time.Time // zero: from the start
	// Timestamps prefixes each line with the engine's RFC3339Nano time and a space.
	Timestamps bool
}

// ContainerName is the container of a node: <topology>-<node>.
func ContainerName(topology, node string) string { return topology + "-" + node }

// NetworkName is the network of a segment: <topology>-<segment>.
func NetworkName(topology, segment string) string { return topology + "-" + segment }
