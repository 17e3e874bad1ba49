package frame

import (
	"fmt"

	"github.com/topo-dev/topo/agent"
)

// Version is the wire format version this package writes and reads.
const Version = 1

// Limits of the format.
const (
	MaxPayload = 65536
	MaxName    = 255
	MaxPath    = 255
	// MaxFrame bounds an encoded frame: the largest payload plus room for
	// the header, names and paths of realistic topologies. A sealed frame
	// may be TrailerLen bytes longer.
	MaxFrame = 70 * 1024
)

// Broadcast is the destination (and next hop) meaning every node: the
// agent's contract, on the wire.
const Broadcast = agent.Broadcast

// DialProbe is the source of the hello a UDP "topo-node dial" sends: a
// valid frame that every agent ignores, so probing a node leaves its
// counters alone.
const DialProbe = "topo-node-dial"

// Type says what a frame is for.
type Type uint8

// Frame types.
const (
	Data     Type = 1 // a message between nodes
	Receipt  Type = 2 // the answer to a Data frame that asked for one
	Hello    Type = 3 // link handshake (TCP) and liveness (UDP)
	Token    Type = 4 // the ring's token
	Greeting Type = 5 // the server's welcome to a new client
	Bye      Type = 6 // a stopping node's farewell: its links go down at once
	// Ack tells the neighbour that sent a Data frame that it arrived: Ref
	// is the frame's ID and Payload its origin's name.
	Ack Type = 7
)

var typeNames = [...]string{Data: "data", Receipt: "receipt", Hello: "hello", Token: "token", Greeting: "greeting", Bye: "bye", Ack: "ack"}

func (t Type) String() string {
	if t >= Data && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

func (t Type) valid() bool { return t >= Data && t <= Ack }

// Flag bits.
const (
	FlagWantReceipt = 1 << 0
	FlagDelivered   = 1 << 1
	// FlagSealed says that a trailer of TrailerLen bytes follows the
	// payload: the sender's sequence number and the proof that the
	// sender knows the topology's secret (see Key).
	FlagSealed = 1 << 2
	// FlagQuiet marks a message of a burst: nodes count it but log no
	// event for it, so that a burst measures the network, not the log.
	FlagQuiet  = 1 << 3
	knownFlags = FlagWantReceipt | FlagDelivered | FlagSealed | FlagQuiet
)

// Frame is one decoded frame.
type Frame struct {
	Type        Type
	WantReceipt bool
	Quiet       bool // counted, not logged (FlagQuiet)
	TTL         uint8
	ID          uint64
	Ref         uint64
	Sent        int64 // unix nanoseconds
	Source      string
	Destination string
	NextHop     string
	Path        []string
	Payload     []byte

	// Receipt section, meaningful when Type is Receipt.
	Delivered bool
	Reason    string
	OrigPath  []string
	OrigSent  int64 // unix nanoseconds
	At        int64 // unix nanoseconds: delivered or dropped

	// Sealed and Seq are what Decode found of a trailer: whether the frame
	// had one, and the sequence number in it. Whether its proof holds is
	// Key.Verify's to say. Append ignores both: a frame is sealed as it
	// leaves a node, with Key.AppendSealed.
	Sealed bool
	Seq    uint64
}

// Sender is the node the frame was last transmitted by: the last element
// of Path, or Source when Path is empty.
func (f *Frame) Sender() string {
	if len(f.Path) > 0 {
		return f.Path[len(f.Path)-1]
	}
	return f.Source
}

// Clone returns a deep copy, so that one copy may be changed while another
// is queued.
func (f *Frame) Clone() *Frame {
	c := *f
	c.Path = append([]string(nil), f.Path...)
	c.OrigPath = append([]string(nil), f.OrigPath...)
	c.Payload = append([]byte(nil), f.Payload...)
	return &c
}
