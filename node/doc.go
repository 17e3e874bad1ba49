// Package node is the agent that runs inside every node of a topology: it
// listens on the node's segment addresses, connects to its neighbours,
// frames, routes, relays, counts and logs messages, and serves a local
// control channel for the topo-node CLI.
//
// Everything it knows comes from its Config (JSON in $TOPO_NODE_CONFIG); it
// imports nothing else of topo's and never talks to Docker.
//
// # Rooms
//
// Agent wires these together and keeps routing, sends and receipts,
// broadcasts and the counters; the rest lives under
// node/internal:
//
//   - transport: the links to the neighbours (TCP, UDP, shared segments)
//     behind one Link type, the sockets bound on each segment, the
//     handshake, hellos and byes; transport/link is one link: its queue,
//     writes and faults.
//   - ack: a link's ledger of per-hop acknowledgements.
//   - seal: the proof of a segment's key on what crosses it.
//   - shaper: a segment's or a link's impairment, applied on egress.
//   - ring: a node's part in the token ring, and its outbox.
//   - control: the control socket's protocol, its server and Client.
//   - cli: the topo-node command line (node/cmd/topo-node is its main).
//   - evlog, sock, frame, netns, trace, probe: the event log's fields, socket
//     helpers, the wire format, acting inside a node's network namespace,
//     traceroute and the probe verb.
//
// # Memory
//
// Every queue (a link's, a shaper's, a ring node's outbox) is bounded in
// bytes as well as in frames: DefaultQueueBytes each and DefaultQueueTotal
// for all of an agent's queues together (WithQueueBytes), counting each
// frame's encoding plus a small fixed overhead. A frame that does not fit
// is dropped as queue_full and counted. A queue keeps one form of a frame:
// its encoding, and of the decoded frame only the header that accounting
// needs. Stats reports what each link's queue holds (queued_bytes) and
// what all of them do.
//
// # Routing
//
// A message for this node is delivered; otherwise it goes to
// Config.Routes[destination] (no_route if missing) with its TTL decremented
// (ttl when it runs out) and this node appended to its path. A node gives
// what it originates a TTL of DefaultTTL or, in a larger topology, the
// number of nodes it knows plus two, so only a routing loop runs it out. Destination "*"
// floods: each node delivers a broadcast once and passes it to every other
// neighbour. In a ring a node sends its own messages only while it holds the
// token (package ring).
//
// # Counters
//
// Each node counts the data messages it originates, delivers, forwards,
// ignores and drops (by reason); see Counters. Every unicast message
// originated is, once the topology is at rest, delivered or dropped at
// exactly one node, so summed over the nodes originated = delivered +
// dropped. Bytes heard that do not decode as a frame (a port scan, a
// corrupt stream) are logged with reason malformed and counted in
// malformed, apart from the drops, since no agent originated them.
//
// Neighbours that go away are accounted for so: one that stops says bye,
// so that nothing more is sent to it (frames for it wait and are dropped
// as node_down), and what it hears while it stops it still delivers, or
// drops as stopped. A frame about to leave on a datagram link whose
// neighbour is in doubt (see package transport) is dropped as unconfirmed instead of
// sent into the void; one for a link that is down waits in the queue. A
// TCP link is vouched for by its connection and its heartbeats.
//
// What the kernel loses after an agent wrote it is accounted by per-hop
// acknowledgements (package ack). Runtime faults that topo tells the agent
// of (SetFaults: a cut, by link down, partition or a neighbour stopped by
// topo; an impairment) drop frames for the link at once with the fault's
// reason, or shape them by the link's own shaper.
//
// # A new config as it runs
//
// Reconfigure (the reconfig verb) makes a new config the running agent's:
// the links and segments are a view that frames are routed on without a
// lock, and a shared segment's members a roster, each swapped whole; the
// routes, foreign nodes and traffic targets a table, swapped whole too.
// Links to new neighbours start on contexts of their own; a link to a
// neighbour gone is removed (what it holds, queued or waiting for an ack,
// is dropped as removed) and its loops stopped; what a node that is no
// member of a shared segment (any more, or yet) puts on it is refused,
// so that the sender, which gets no ack, counts it once. What a running
// agent cannot change is refused before anything is.
package node
