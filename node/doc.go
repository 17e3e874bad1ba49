// Package node is the agent that runs inside every node of a topology: it
// listens on the node's segment addresses, connects to its neighbours,
// frames, routes, relays, counts and logs messages, and serves a local
// control channel for the topo-node CLI.
//
// Everything it knows comes from its Config (JSON in $TOPO_NODE_CONFIG); it
// imports nothing else of topo's and never talks to Docker.
//
// # Links
//
// A neighbour on a point-to-point segment is reached over one long-lived TCP
// connection (traffic protocol tcp), opened by the side whose Neighbor has
// Dial set and introduced by a hello frame each way, or by datagrams (udp),
// kept alive by hellos: every 100ms while the link is down, every 500ms
// while it is up. A datagram neighbour silent for more than a hello
// interval (500ms, plus two ticks of 100ms, plus twice the segment's
// jitter: 700ms by default) is in doubt, and one silent for three (1.5s) is
// down. A node that stops says bye (a Bye frame) on every link, once on a
// shared segment, and reads on for a moment (until 5ms pass quietly, at
// most 50ms) before it closes its sockets; its neighbours take their links
// to it down at once, and only a hello brings them back. A segment's listener serves at most one connection
// per neighbour that dials in plus a small margin at a time and closes any
// more at once (logged with reason too_many_connections); an accepted
// connection that sends no hello within 5s is closed. Connections
// rejected (refused beyond the bound, closed without a hello, or from a
// node that is not a neighbour that dials) are logged a line a second at
// most per kind, each line with the count since the last. A TCP link is kept
// honest by heartbeats: a side that has written nothing for a second
// writes a hello, and a side that has read nothing, not even a hello, for
// 4s takes the link down (reason "silent for 4s"), closes the connection
// and, if it dials, dials again; so a connection cut under the agents
// (docker network disconnect, a paused neighbour) shows within seconds,
// and the frames for it wait in the queue like those of any link that is
// down. Heartbeats go around the queue and the impairment. A failed accept (out
// of file descriptors, say) is logged and retried after a pause of 5ms
// doubling up to 1s, as net/http does. Shared segments always
// use datagrams: a frame is put on the segment once (to its broadcast
// address, or to each member when there is none) and every member sees it;
// only the next hop acts, the others count and log it as ignored. On a
// segment of more than 50 members with a broadcast address, a socket
// filter in the kernel drops the frames whose next hop is another member
// before the agent wakes for them (nexthop_filter.go): they are not
// counted as ignored there, and only hellos, byes and a node's own frames
// reach it. Frames for a link that is down wait in a bounded queue (queue_full when it is full,
// link_down when they waited too long: DefaultQueueWait, 3s, shorter than
// a control send's DefaultSendTimeout, so that a send to a node behind a
// link that is down hears link_down rather than timeout).
//
// # Proof of the secret
//
// When Config.Secret is set, every hello and frame a node sends is sealed
// with it (see package frame: Sealed), and a node refuses what it hears
// without a valid seal: a hello over TCP that lacks one takes no link
// over, and a datagram that lacks one is neither delivered, forwarded nor
// counted as a message (a topo-node dial probe is ignored as ever). The
// TCP handshake is then three hellos, a challenge and its answer, so that
// a hello copied from an earlier connection does not take a link over
// either; a datagram must be addressed to its segment and carry a sequence
// number not heard before from its sender on that segment (a window of
// the last 1984 numbers), so that a copy is not heard twice. What is
// refused is counted in Counters.Refused and logged, at most a line a
// second with the count since the last (event drop, reason refused).
// Without a secret nothing is sealed and nothing refused.
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
// what all of them do. At start, topo-node run gives the Go runtime a soft
// memory limit of 75% of its container's (the cgroup's memory.max, or
// memory.limit_in_bytes under cgroup v1), unless GOMEMLIMIT is set, and
// logs it as memory_limit with the start event.
//
// # Impairment
//
// A segment may carry an Impairment (delay, jitter, loss, rate) that the
// agent applies itself, on egress, without netem or privileges: everything
// a node sends on that segment goes through one shaper goroutine with a
// bounded queue, which loses frames at random (hellos excepted), paces
// them to the rate and releases each after the delay plus or minus the
// jitter, never ahead of the frame before it. A data message lost this way
// is dropped with reason loss, and its origin gets a negative receipt if
// it asked for one and the receipt is not lost too. Unimpaired segments
// have no shaper. The TCP handshake is not delayed.
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
// token; the leader makes the token and logs its round trip (ring_rtt).
// When the token has not come back within its timeout (four unimpaired
// rounds, plus per hop the delay and jitter of both directions of the
// leader's links, at least 2s) the leader makes a new one of a newer
// generation (the token's ID). There is one token at a time: a node drops
// a token of an older generation than the newest it has seen, one that
// holds a token and is handed a newer one passes only the newer, and a
// token is never left waiting in the queue of a link that is down (it is
// dropped there, and the leader makes another once the ring is whole).
// Meanwhile they wait in the node's outbox, whose length stats shows
// (outbox). A message that has waited there for twice the leader's token
// timeout cannot be sent while the ring is broken, and is dropped:
// link_down when this node's own link to a ring neighbour is down,
// no_token when the break is further round.
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
// neighbour is in doubt (see Links) is dropped as unconfirmed instead of
// sent into the void; one for a link that is down waits in the queue. A
// TCP link is vouched for by its connection and its heartbeats.
//
// What the kernel loses after an agent wrote it is accounted by per-hop
// acknowledgements (ack.go): every data frame sent to a neighbour waits in
// its link's ledger for an Ack frame; one that gets none is dropped, at
// the node that sent it, when the link goes down (link_down, node_down) or
// after the ack wait with the link up (unacked). A late ack revokes the
// drop (Counters.Revoked), and acks of the last 15 s are sent again when a
// link comes back up, in case a cut swallowed them. Runtime faults that
// topo tells the agent of (faults.go: a cut, by link down, partition or a
// neighbour stopped by topo; an impairment) drop frames for the link at
// once with the fault's reason, or shape them by the link's own shaper.
//
// # Logs
//
// One JSON object per line: time, level, msg, node, event and, as fitting,
// peer, id, bytes, reason, path. A server logs "got connection from ADDR"
// (event connection) and its clients "received: Thank you for connecting"
// (event greeting).
//
// # Control channel
//
// A unix socket (Config.ControlSocket, DefaultControlSocket by default)
// takes one JSON ControlRequest per connection and answers one
// ControlResponse: op "send" (to, text, receipt, timeout) answers a Receipt,
// op "stats" a Stats. Client speaks it; topo-node send, stats and ready use
// Client. A send's text is at most frame.MaxPayload bytes, and at most
// agent.MaxDatagramPayload (57000) when its first hop is a datagram (UDP,
// a shared segment, or for a broadcast any link that is): a longer one is
// refused with an error before anything is sent or counted.
//
// # Probes
//
// Two verbs of topo-node need no config and no agent, so that they run in
// any container built from the node image, probes included: "dial
// HOST:PORT" exits 0 when a TCP connection succeeds and 1 with a one-word
// reason (refused, unreachable, timeout, unresolved) when it does not;
// "idle" logs one line with event idle and waits for SIGTERM.
package node
