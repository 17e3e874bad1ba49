// Package frame is the wire format topo nodes speak to each other.
//
// A frame is a compact big-endian binary record:
//
//	offset size  field
//	0      1     version (Version, currently 1)
//	1      1     type (Data, Receipt, Hello, Token, Greeting, Bye, Ack)
//	2      1     flags (bit 0 WantReceipt, bit 1 Delivered, bit 2 Sealed,
//	             bit 3 Quiet; the rest must be 0)
//	3      1     TTL, hops left
//	4      8     ID, unique per origin (token: its generation)
//	12     8     Ref (receipt: the original ID; token: the round number)
//	20     8     Sent, unix nanoseconds when the origin sent it
//	28     ...   Source, Destination, NextHop: each a string (below)
//	       1     path length n (at most MaxPath), then n strings
//	       ...   receipt section, only when type is Receipt:
//	             8 OrigSent, 8 At (unix ns), string Reason,
//	             1 path length m, then m strings (the original's path)
//	       4     payload length p (at most MaxPayload), then p bytes
//	       ...   trailer, only when Sealed is set:
//	             8 sequence number, 16 proof
//
// A string is one length byte (at most MaxName) followed by that many bytes.
// Destination and NextHop may be Broadcast ("*"). Path lists the nodes
// that transmitted the frame so far, so its last element is the node the
// frame was heard from.
//
// Hello introduces a TCP connection, and keeps TCP and datagram links
// alive; Bye (type 6, added after the others) is what a stopping node
// sends each neighbour, so that its links go down at once instead of when
// the hellos stop. An agent older than Bye counts one as malformed. Ack
// (type 7, added after Bye) tells the neighbour that sent a Data frame
// that it arrived: Ref is the frame's ID, Payload its origin's name.
//
// Sealed (bit 2, added with Config.Secret) marks a frame proved with the
// topology's secret: a trailer of TrailerLen bytes follows the payload,
// the sender's sequence number (8 bytes) and the first 16 bytes of
// HMAC-SHA256, keyed with the secret's 32 bytes, over everything before
// the proof: the frame with the bit set, then the sequence number. So the
// proof binds every field (source, destination, next hop, ID, TTL, path,
// payload) and the number; Key seals and verifies it. A node seals each
// frame as it sends it, so a forwarded frame is sealed anew at every hop.
// The sequence numbers of a node's segment only grow (they start at its
// start time in unix nanoseconds), so that a receiver can tell a datagram
// heard before. An agent older than Sealed counts a sealed frame as
// malformed (unknown flags); an agent without a secret reads it and
// ignores the trailer.
//
// Over TCP every frame is preceded by its length as a big-endian uint32;
// over UDP a datagram holds exactly one frame. Decode rejects frames longer
// than MaxFrame (plus the trailer, when sealed), unknown versions and types, truncated fields and trailing
// bytes with an *Error naming the reason; it never panics.
package frame
