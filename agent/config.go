// Package agent is the contract between topo and what runs in a node's
// container: the node config handed over in TOPO_NODE_CONFIG, the stats and
// counters the agent reports, the receipt of a message, the typed log event
// and its one parser, the drop reasons, and the control verbs with the
// agent's path in the node image.
//
// It imports nothing of topo's. Package node implements the agent; the
// orchestrator, wiring, compose and topotest speak to it through these
// types, so each is defined once and the JSON on the wire cannot drift
// between the two sides.
package agent

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxNameLen is the longest node name a frame can carry.
const MaxNameLen = 255

// ConfigEnv is the environment variable that carries a node's Config as JSON.
// A user's own image on a topology receives the same variable.
const ConfigEnv = "TOPO_NODE_CONFIG"

// LogLevelEnv, in a node's environment, sets the level its agent logs at
// over Config.LogLevel (its --log-level flag wins over both).
const LogLevelEnv = "TOPO_NODE_LOG_LEVEL"

// DefaultPort is the TCP and UDP port every node listens on, on each of its
// segment addresses.
const DefaultPort = 7000

// DefaultControlSocket is where the agent serves its local control channel.
// It lives on a tmpfs inside the container and is never reachable from a
// topology segment.
const DefaultControlSocket = "/run/topo/control.sock"

// ConfigVersion is the version of the Config schema below.
const ConfigVersion = 1

// Config is everything a node learns about its place in a topology.
//
// It is the contract between the orchestrator and whatever runs in a node's
// container, documented in the README, so keep it stable: add fields, never
// change the meaning of one.
type Config struct {
	Version  int    `json:"version"`
	Topology string `json:"topology"`
	Name     string `json:"name"`
	Role     string `json:"role"`   // hub, spoke, server, client or peer
	Layout   string `json:"layout"` // star, ring, bus, p2p, client-server or custom
	Port     int    `json:"port"`   // DefaultPort when zero

	// Segments are this node's addresses, one per segment it is on.
	Segments []Segment `json:"segments"`
	// Neighbors are the nodes it exchanges frames with directly.
	Neighbors []Neighbor `json:"neighbors"`
	// Routes maps every other node to the next hop toward it.
	Routes map[string]string `json:"routes"`
	// Ring is set in a ring layout only.
	Ring *Ring `json:"ring,omitempty"`
	// Secret is the topology's master secret, 64 hex digits, as older
	// versions of topo handed it to every node. topo no longer sends it
	// (each agent gets its segments' keys, Segment.Key, instead), but an
	// agent still honours it: a segment without a key then gets the key
	// SegmentKey derives from it.
	Secret string `json:"secret,omitempty"`
	// LogLevel is the level the agent logs at, when neither its
	// --log-level flag nor TOPO_NODE_LOG_LEVEL says: debug, info, warn or
	// error; "" is info.
	LogLevel string `json:"log_level,omitempty"`
	// Foreign names the other nodes of the topology that run a user's own
	// image instead of topo's agent. They say no hello and take no frames:
	// an agent sends them no traffic and drops what is addressed to them,
	// or would pass through them, with reason no_agent.
	Foreign []string `json:"foreign,omitempty"`
	// Routing is "ip" when the kernel routes every node's addresses along
	// the layout (the node's other nodes are then in its /etc/hosts), or
	// "none" when each segment stands alone.
	Routing string `json:"routing,omitempty"`

	Traffic Traffic `json:"traffic"`

	// ControlSocket is the unix socket of the control channel;
	// DefaultControlSocket when empty.
	ControlSocket string `json:"control_socket,omitempty"`
}

// Segment is one of the node's networks.
type Segment struct {
	Name string `json:"name"`
	// Addr is this node's address on it, e.g. "10.210.0.2"; where the
	// engine picks addresses (a swarm), a DNS name instead, and the node's
	// address is that of its interface inside Subnet.
	Addr   string `json:"addr"`
	Subnet string `json:"subnet"` // e.g. "10.210.0.0/29"
	// Shared is true for a bus-like segment: frames are put on it once and
	// every member sees them.
	Shared bool `json:"shared,omitempty"`
	// Broadcast is where a frame is sent to reach every member of a shared
	// segment, e.g. "10.210.0.7". When empty (as in tests on loopback) the
	// node sends one datagram to each member instead.
	Broadcast string `json:"broadcast,omitempty"`
	// Members lists the other members of a shared segment and their
	// addresses on it.
	Members []Neighbor `json:"members,omitempty"`
	// Key is the segment's key, 64 hex digits (SegmentKey of the
	// topology's secret, made anew by every `topo up`), given to agents
	// only. When it is set, the agent seals every hello and frame it sends
	// on the segment with it, and refuses (and counts) what it hears on
	// the segment without that seal, or from another address than the
	// sender's on the segment, so that nothing else on a segment can take
	// over a link or inject messages. Empty turns the proof off.
	Key string `json:"key,omitempty"`
	// Impairment is what the segment does to every frame this node sends
	// on it; absent when it does nothing. The agent applies it itself, so
	// it needs neither netem nor NET_ADMIN.
	Impairment Impairment `json:"impairment,omitzero"`
}

// Impairment makes a segment behave like a slow, lossy link, on egress:
// each member applies it to the frames it sends, so a point-to-point
// segment with a delay of 20ms has a round trip of at least 40ms.
//
// A frame is lost with probability Loss (a data message so lost is dropped
// with reason "loss"; hellos are never lost, so links still come up).
// Otherwise it occupies the link for its size*8/Rate seconds after the
// frame before it, then arrives Delay later, plus or minus a uniformly
// random Jitter but never before the frame sent ahead of it: a segment
// never reorders. Frames waiting for their turn are queued, at most as
// many as a link queue holds; more are dropped with reason "queue_full".
//
// In JSON: {"delay":"20ms","jitter":"1ms","loss":0.005,"rate":10000000};
// each field is left out when zero.
type Impairment struct {
	Delay  Duration `json:"delay,omitzero"`  // one way, added to every frame
	Jitter Duration `json:"jitter,omitzero"` // delay varies by up to this much either way
	Loss   float64  `json:"loss,omitzero"`   // fraction of frames lost, 0..1
	Rate   uint64   `json:"rate,omitzero"`   // bits per second; 0: unlimited
}

// IsZero reports whether the impairment leaves frames alone.
func (i Impairment) IsZero() bool { return i == Impairment{} }

// String describes the impairment for logs, e.g.
// "delay=20ms jitter=1ms loss=0.5% rate=10000000bit/s".
func (i Impairment) String() string {
	var parts []string
	if i.Delay != 0 {
		parts = append(parts, "delay="+i.Delay.D().String())
	}
	if i.Jitter != 0 {
		parts = append(parts, "jitter="+i.Jitter.D().String())
	}
	if i.Loss != 0 {
		parts = append(parts, "loss="+strconv.FormatFloat(math.Round(i.Loss*1e4)/100, 'g', -1, 64)+"%")
	}
	if i.Rate != 0 {
		parts = append(parts, "rate="+strconv.FormatUint(i.Rate, 10)+"bit/s")
	}
	return strings.Join(parts, " ")
}

// MaxImpairmentDelay bounds an impairment's delay and jitter: longer ones
// are surely a typo, and would hold frames for longer than any link queue
// waits.
const MaxImpairmentDelay = time.Minute

func (i Impairment) validate() error {
	var errs []error
	for _, d := range []struct {
		name string
		v    Duration
	}{{"delay", i.Delay}, {"jitter", i.Jitter}} {
		switch {
		case d.v < 0:
			errs = append(errs, fmt.Errorf("%s %v is negative", d.name, d.v.D()))
		case d.v.D() > MaxImpairmentDelay:
			errs = append(errs, fmt.Errorf("%s %v is longer than %v", d.name, d.v.D(), MaxImpairmentDelay))
		}
	}
	if !(i.Loss >= 0 && i.Loss <= 1) {
		errs = append(errs, fmt.Errorf("loss %v, want a fraction from 0 to 1", i.Loss))
	}
	return errors.Join(errs...)
}

// Neighbor is a node reachable in one hop.
type Neighbor struct {
	Name    string `json:"name"`
	Addr    string `json:"addr"`              // its address on the shared segment, or a DNS name for it (a swarm)
	Segment string `json:"segment,omitempty"` // the segment they share
	Dial    bool   `json:"dial,omitempty"`    // this node opens the connection
	Port    int    `json:"port,omitempty"`    // DefaultPort when zero
}

// Ring describes a node's place in a ring.
type Ring struct {
	Successor   string `json:"successor"`
	Predecessor string `json:"predecessor"`
	// Leader creates the token when the ring starts and re-creates it when
	// it is lost.
	Leader bool `json:"leader,omitempty"`
	// TokenHold is how long a node keeps the token before passing it on;
	// DefaultTokenHold when zero.
	TokenHold Duration `json:"token_hold,omitempty"`
}

// DefaultTokenHold keeps the token long enough that a ring does not spin
// the CPU, short enough that a round of a dozen nodes stays under a second.
const DefaultTokenHold = 50 * time.Millisecond

// MinTrafficInterval is the shortest background traffic interval.
const MinTrafficInterval = 10 * time.Millisecond

// Traffic is the background traffic a node originates.
type Traffic struct {
	Protocol string   `json:"protocol"` // "tcp" or "udp"
	Interval Duration `json:"interval"` // 0: no background traffic; else at least MinTrafficInterval
	Size     int      `json:"size"`     // payload bytes
}

// MaxDatagramPayload is the longest message text an agent sends where its
// frames travel as UDP datagrams (protocol udp, a shared segment): a
// datagram holds 65507 bytes, and the frame's header, names, path and seal
// share them. An agent refuses a longer message whose first hop is a
// datagram (see node.Agent.Send).
const MaxDatagramPayload = 57000

// Duration is a time.Duration that reads and writes as "2s" in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a Go duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("duration: want a string like \"2s\" or nanoseconds")
	}
	*d = Duration(n)
	return nil
}

// ParseConfig decodes and checks a JSON config.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("node config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks the fields the agent cannot run without.
func (c *Config) Validate() error {
	var errs []error
	if c.Version != ConfigVersion {
		errs = append(errs, fmt.Errorf("version %d, want %d", c.Version, ConfigVersion))
	}
	if c.Name == "" {
		errs = append(errs, errors.New("name is empty"))
	}
	errs = append(errs, checkName("name", c.Name), checkPort("port", c.Port))
	if len(c.Segments) == 0 {
		errs = append(errs, errors.New("no segments"))
	}
	for _, s := range c.Segments {
		errs = append(errs, checkKey(fmt.Sprintf("segment %.20q: key", s.Name), s.Key))
		if err := s.Impairment.validate(); err != nil {
			errs = append(errs, fmt.Errorf("segment %q: impairment: %w", s.Name, err))
		}
		for _, m := range s.Members {
			errs = append(errs, m.validate(fmt.Sprintf("segment %q: member", s.Name)))
		}
	}
	for _, nb := range c.Neighbors {
		errs = append(errs, nb.validate("neighbour"))
	}
	for _, to := range slices.Sorted(maps.Keys(c.Routes)) {
		errs = append(errs, checkName("route to", to), checkName(fmt.Sprintf("route to %.20q: next hop", to), c.Routes[to]))
	}
	if c.Ring != nil && c.Ring.TokenHold < 0 {
		errs = append(errs, fmt.Errorf("ring token_hold %v is negative", c.Ring.TokenHold.D()))
	}
	if iv := c.Traffic.Interval.D(); iv < 0 || (iv > 0 && iv < MinTrafficInterval) {
		errs = append(errs, fmt.Errorf("traffic interval %v, want 0 (none) or at least %v", iv, MinTrafficInterval))
	}
	switch c.Traffic.Protocol {
	case "tcp", "udp":
	default:
		errs = append(errs, fmt.Errorf("traffic protocol %q, want tcp or udp", c.Traffic.Protocol))
	}
	errs = append(errs, checkSecret(c.Secret))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("node config: %w", err)
	}
	return nil
}

func (nb Neighbor) validate(what string) error {
	return errors.Join(checkName(what, nb.Name), checkPort(fmt.Sprintf("%s %.20q: port", what, nb.Name), nb.Port))
}

// checkName rejects a node name that a frame cannot carry.
func checkName(what, name string) error {
	if len(name) > MaxNameLen {
		return fmt.Errorf("%s %.20q… is %d bytes, longer than %d", what, name, len(name), MaxNameLen)
	}
	return nil
}

// SecretLen is the length of Config.Secret: 64 hex digits, 32 bytes.
const SecretLen = 64

// checkSecret accepts an empty secret or 64 hex digits. It never quotes
// the secret: a config error is printed and logged.
func checkSecret(s string) error {
	if s == "" {
		return nil
	}
	if len(s) != SecretLen {
		return fmt.Errorf("secret of %d characters, want %d hex digits (or none)", len(s), SecretLen)
	}
	if _, err := hex.DecodeString(s); err != nil {
		return fmt.Errorf("secret is not hex: want %d hex digits (or none)", SecretLen)
	}
	return nil
}

// SecretKey returns the secret's 32 bytes, or nil when there is none.
// Call it on a config that Validate accepts.
func (c *Config) SecretKey() []byte {
	if c.Secret == "" {
		return nil
	}
	b, err := hex.DecodeString(c.Secret)
	if err != nil {
		return nil
	}
	return b
}

// checkPort accepts 0 (the default) and the ports a socket can have.
func checkPort(what string, port int) error {
	if port < 0 || port > 65535 {
		return fmt.Errorf("%s %d, want 1 to 65535 (0: %d)", what, port, DefaultPort)
	}
	return nil
}

// PortOrDefault returns the node's listening port.
func (c *Config) PortOrDefault() int {
	if c.Port == 0 {
		return DefaultPort
	}
	return c.Port
}

// ControlSocketOrDefault returns the control socket path.
func (c *Config) ControlSocketOrDefault() string {
	if c.ControlSocket == "" {
		return DefaultControlSocket
	}
	return c.ControlSocket
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
