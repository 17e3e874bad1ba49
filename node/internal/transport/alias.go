package transport

import "github.com/topo-dev/topo/node/internal/transport/link"

// Link is the link to one neighbour (package link).
type Link = link.Link

// Options are the links' settings (package link).
type Options = link.Options

// DefaultOptions are the links' settings unless told otherwise.
func DefaultOptions() Options { return link.DefaultOptions() }

// The defaults of Options, as package link says them.
const (
	DefaultQueueWait  = link.DefaultQueueWait
	DefaultQueueBytes = link.DefaultQueueBytes
	DefaultQueueTotal = link.DefaultQueueTotal
	DefaultHeartbeat  = link.DefaultHeartbeat
	DefaultDeadAfter  = link.DefaultDeadAfter
	DefaultAckWait    = link.DefaultAckWait
	HandshakeTimeout  = link.HandshakeTimeout
	HeldOverhead      = link.HeldOverhead
)
