// Package frame is the wire format topo nodes speak to each other.
//
// A frame is a compact big-endian binary record:
//
//	offset size  field
//	0      1     version (Version, currently 1)
//	1      1     type (Data, Receipt, Hello, Token, Greeting, Bye)
//	2      1     flags (bit 0 WantReceipt, bit 1 Delivered; the rest must be 0)
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
//
// A string is one length byte (at most MaxName) followed by that many bytes.
// Destination and NextHop may be Broadcast ("*"). Path lists the nodes
// that transmitted the frame so far, so its last element is the node the
// frame was heard from.
//
// Hello introduces a TCP connection, and keeps TCP and datagram links
// alive; Bye (type 6, added after the others) is what a stopping node
// sends each neighbour, so that its links go down at once instead of when
// the hellos stop. An agent older than Bye counts one as malformed.
//
// Over TCP every frame is preceded by its length as a big-endian uint32;
// over UDP a datagram holds exactly one frame. Decode rejects frames longer
// than MaxFrame, unknown versions and types, truncated fields and trailing
// bytes with an *Error naming the reason; it never panics.
package frame
