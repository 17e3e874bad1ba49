package agent

import "time"

// ReasonMalformed is the reason logged for bytes heard that do not decode as
// a frame. They are counted in Counters.Malformed, not as drops.
const ReasonMalformed = "malformed"

// ReasonRefused is the reason logged for hellos and frames heard on a
// segment without a valid seal of that segment's key (Segment.Key, see
// keys.go), addressed to another segment, from another address than their
// sender's planned one there, heard again (a replay), or a hello that does
// not answer its connection's challenge. They are counted in
// Counters.Refused, not as drops.
const ReasonRefused = "refused"

// Reasons a data message is dropped.
const (
	ReasonNoRoute   = "no_route"
	ReasonTTL       = "ttl"
	ReasonQueueFull = "queue_full"
	ReasonLinkDown  = "link_down"
	ReasonOversize  = "oversize"  // too big for a frame or a UDP datagram
	ReasonLoss      = "loss"      // lost to the segment's impairment
	ReasonTimeout   = "timeout"   // receipts only: no answer in time
	ReasonStopped   = "stopped"   // the agent stopped with the frame queued
	ReasonNodeDown  = "node_down" // receipts only: the destination's container is not running
	// ReasonUnconfirmed: a datagram link's neighbour had not been heard
	// from for longer than a live one ever is, so the frame was not sent.
	ReasonUnconfirmed = "unconfirmed"
	// ReasonNoToken: a ring node's message waited for the token longer
	// than the token takes to come round a whole ring (a link or node
	// further round is down).
	ReasonNoToken = "no_token"
	// ReasonNoAgent: the destination, or the next hop toward it, runs a
	// user's own image, which takes no frames (see Config.Foreign).
	ReasonNoAgent = "no_agent"
	// ReasonUnacked: the frame was sent (on a datagram link, sent again
	// when its ack was late, up to a few times in all), but the next hop
	// never acknowledged it, while the link stayed up: it was lost in the
	// network.
	ReasonUnacked = "unacked"
	// ReasonPartition: the link to the next hop is cut by a partition
	// (topo partition).
	ReasonPartition = "partition"
	// ReasonRemoved: the link to the next hop was taken out while the
	// frame was queued on it or in flight across it, by a new config
	// that no longer has that neighbour (topo up of a changed file).
	ReasonRemoved = "removed"
)

// StateForeign is the state of a link to a node that runs a user's own
// image: neither up nor down, never waited for.
const StateForeign = "foreign"

// Stats is a node's state as the control channel's stats verb reports it.
type Stats struct {
	Name      string          `json:"name"`
	Role      string          `json:"role"`
	Layout    string          `json:"layout"`
	Ready     bool            `json:"ready"`
	Counters  Counters        `json:"counters"`
	Neighbors []NeighborStats `json:"neighbors"`
	// RSSBytes is the agent's resident memory (VmRSS), or where the
	// system does not report it, the memory the Go runtime holds.
	RSSBytes int64 `json:"rss_bytes"`
	// QueuedBytes is what all the agent's queues hold (links, shapers, the
	// ring's outbox): encoded frames plus a fixed overhead each, the sum
	// that the agent bounds.
	QueuedBytes int64 `json:"queued_bytes"`
	// Outbox is how many messages this ring node has waiting for the
	// token; 0 outside a ring.
	Outbox int `json:"outbox"`
	// InFlight is how many data frames this node has sent to neighbours
	// that have not acknowledged them yet: neither delivered nor dropped
	// for the counters' invariant until they settle.
	InFlight int `json:"in_flight"`
}

// Counters count data messages only: hellos, tokens, greetings and receipts
// are not counted. Across a topology at rest, the sum of Originated equals
// the sum of Delivered plus Dropped. Broadcasts are counted apart, since
// one of them is delivered at many nodes. Malformed counts what was heard
// on the node's sockets but did not decode as a frame (a port scan, a
// corrupt stream); no agent originated it, so it is not a drop. Refused
// counts, on segments that have a key, the hellos and frames heard that
// decoded but were refused (see ReasonRefused): neither delivered,
// forwarded nor counted otherwise.
//
// The invariant holds across faults too, once what is in flight has
// settled (Stats.InFlight is 0 everywhere): every data frame sent to a
// neighbour waits for the neighbour's acknowledgement, and one that gets
// none is counted as dropped when its link goes down (link_down, or
// node_down after the neighbour's bye) or after a while with the link up
// (unacked). An acknowledgement that comes after the drop was counted (a
// paused neighbour that wakes, a TCP link that comes back) takes the drop
// back: Revoked counts those. A datagram or its acknowledgement lost now
// and then while the link stays up is not counted twice: the frame is sent
// again (a few times at most), and a copy is acknowledged again without
// being handled twice. What remains unseen is a frame
// delivered whose acknowledgement is lost for good (the neighbour killed
// right after it, or the link cut both ways in that instant): counted as
// delivered and as dropped.
//
// Fields that are zero or empty and rarely set are left out of the JSON.
type Counters struct {
	Originated      uint64            `json:"originated"`
	Delivered       uint64            `json:"delivered"`
	Forwarded       uint64            `json:"forwarded"`
	Ignored         uint64            `json:"ignored"`
	Dropped         uint64            `json:"dropped"`
	DroppedByReason map[string]uint64 `json:"dropped_by_reason,omitempty"`
	Malformed       uint64            `json:"malformed"`
	Refused         uint64            `json:"refused,omitempty"`
	// Revoked counts drops taken back: the frame was counted as dropped
	// for want of an acknowledgement, which then came. They are not in
	// Dropped.
	Revoked             uint64 `json:"revoked,omitempty"`
	BroadcastOriginated uint64 `json:"broadcast_originated,omitempty"`
	BroadcastDelivered  uint64 `json:"broadcast_delivered,omitempty"`
}

// NeighborStats is the state of the link to one neighbour.
type NeighborStats struct {
	Name      string    `json:"name"`
	Addr      string    `json:"addr"`
	Segment   string    `json:"segment"`
	Transport string    `json:"transport"` // tcp, udp or shared
	State     string    `json:"state"`     // up, down or one-way (LinkOneWay)
	Since     time.Time `json:"since"`
	Queued    int       `json:"queued"`
	// QueuedBytes is what the link's queue holds, counted as in
	// Stats.QueuedBytes.
	QueuedBytes int64 `json:"queued_bytes"`
	// Fault is the runtime fault on the link, if any: the reason it is
	// cut, or the impairment that replaces the file's.
	Fault string `json:"fault,omitempty"`
}
