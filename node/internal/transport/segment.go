package transport

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/seal"
	"github.com/topo-dev/topo/node/internal/shaper"
	"github.com/topo-dev/topo/node/internal/transport/link"
)

// Segment is one of the node's networks with the sockets bound on it.
type Segment struct {
	name   string
	addr   netip.Addr
	subnet netip.Prefix
	shared bool
	port   int
	bcast  netip.Addr                  // shared: the broadcast address, if any
	shaper *shaper.Shaper[link.Shaped] // impaired segments only: all egress goes through it

	// Proof of the segment's key (seal.go): the node's own name and the
	// members of a shared segment, which frames heard on it may be
	// addressed to; the sealer of the segment's key (package seal); and
	// the planned address of every other node on the segment
	// (neighbours and members), which what they send must come from: nil
	// where the config named addresses (plannedFrom).
	self   string
	sealer *seal.Sealer
	// r is who is on the segment: read without a lock, replaced whole
	// when a reconfiguration changes a shared segment's members.
	r atomic.Pointer[roster]

	// wmu is held from a datagram's seal to its write, so that datagrams
	// leave in the order of their sequence numbers: sealed by one
	// goroutine and written after thousands sealed later (a write waiting
	// for room in the socket), one was older than the neighbour's replay
	// window and refused, a genuine ack among them.
	wmu sync.Mutex

	// Bound by Run.
	udp   *net.UDPConn
	bconn *net.UDPConn // shared with a broadcast address: receives broadcasts
	tcp   net.Listener

	helloT time.Time // shared: last hello put on the segment; hello loop only
	// answeredT is when a link coming up last made this node put a hello
	// on the shared segment (unix nanoseconds): see mayAnswerHello.
	answeredT atomic.Int64
}

// mayAnswerHello reports whether a link that just came up on this shared
// segment may have the node put a hello on it, so that the newcomer knows
// it at once: at most once per down interval. Every member hears that
// hello; on a bus of 250 coming up, where some member joins every second
// or so, each member answering each newcomer put some 150 frames a second
// on the segment, more than the traffic and the hellos together. On a big
// segment (helloIntervals) the newcomer waits for the members' own hellos.
func (s *Segment) mayAnswerHello(o Options) bool {
	_, every := s.helloIntervals(o)
	now := time.Now().UnixNano()
	last := s.answeredT.Load()
	return now-last >= int64(every) && s.answeredT.CompareAndSwap(last, now)
}

func newSegment(s agent.Segment, port int, named bool) (*Segment, error) {
	addr, err := netip.ParseAddr(s.Addr)
	if err != nil {
		return nil, fmt.Errorf("segment %q: addr: %w", s.Name, err)
	}
	seg := &Segment{name: s.Name, addr: addr, shared: s.Shared, port: port}
	if s.Subnet != "" {
		if seg.subnet, err = netip.ParsePrefix(s.Subnet); err != nil {
			return nil, fmt.Errorf("segment %q: subnet: %w", s.Name, err)
		}
	}
	if s.Shared && s.Broadcast != "" {
		if seg.bcast, err = netip.ParseAddr(s.Broadcast); err != nil {
			return nil, fmt.Errorf("segment %q: broadcast: %w", s.Name, err)
		}
	}
	r, err := newRoster(s, port, seg.bcast, named)
	if err != nil {
		return nil, err
	}
	seg.r.Store(r)
	return seg, nil
}

// putDests is where a frame put on the segment goes: the broadcast address,
// the members, or failing both the neighbours on the segment.
func (s *Segment) putDests() []netip.AddrPort {
	r := s.roster()
	if len(r.dests) > 0 {
		return r.dests
	}
	d := make([]netip.AddrPort, 0, len(r.links))
	for _, l := range r.links {
		d = append(d, l.Peer())
	}
	return d
}

// sendTo sends the frame encoded in b, sealed, to one address.
func (s *Segment) sendTo(b []byte, to netip.AddrPort) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.write(s.sealer.Datagram(b), to)
}

func (s *Segment) write(b []byte, to netip.AddrPort) error {
	if s.udp == nil {
		return net.ErrClosed
	}
	_, err := s.udp.WriteToUDPAddrPort(b, to)
	return err
}

// put sends b, sealed, once on a shared segment so that every member sees
// it.
func (s *Segment) put(b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	b = s.sealer.Datagram(b)
	var errs []error
	for _, d := range s.putDests() {
		if err := s.write(b, d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Name is the segment's name.
func (s *Segment) Name() string { return s.name }

// Sealer seals what leaves on the segment.
func (s *Segment) Sealer() *seal.Sealer { return s.sealer }

// Shaper is the segment's impairment's; nil when it has none.
func (s *Segment) Shaper() *shaper.Shaper[link.Shaped] { return s.shaper }

// Put puts b, sealed, on the segment for every member to see.
func (s *Segment) Put(b []byte) error { return s.put(b) }

// SendTo sends b, sealed, to one address.
func (s *Segment) SendTo(b []byte, to netip.AddrPort) error { return s.sendTo(b, to) }

func (s *Segment) close() {
	if s.udp != nil {
		_ = s.udp.Close()
	}
	if s.bconn != nil {
		_ = s.bconn.Close()
	}
	if s.tcp != nil {
		_ = s.tcp.Close()
	}
}
