package transport

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"

	"github.com/topo-dev/topo/node/internal/frame"
)

// The TCP handshake. Without a key, the dialling side writes a hello
// naming itself, and the accepting side, if that is a neighbour that dials
// it, answers with a hello: each side then takes the connection as its
// link. With the segment's key every hello is sealed, and a sealed hello
// could still be copied from an earlier connection, so the hellos make a
// challenge and its answer:
//
//	dialler  → hello, ID a (a fresh random number)
//	acceptor → hello, ID b (fresh), Ref a
//	dialler  → hello, Ref b
//
// The dialler takes the connection once the acceptor's hello answers a,
// the acceptor once the third hello answers b. A hello that does not
// answer its challenge is refused and counted as one without proof. Only
// then does the acceptor take the connection, and close the link's old
// one if it had one (link.attach): a connection that fails any step
// leaves a link that is up as it was.

// helloNonce is a fresh challenge for the other side to answer: 0 on a
// segment without a key, where hellos carry none.
func (s *Segment) helloNonce() uint64 {
	if !s.sealer.Keyed() {
		return 0
	}
	return rand.Uint64() | 1
}

// openHello is the dialling side's handshake on c, to l's neighbour.
func (a *Net) openHello(c net.Conn, l *Link) error {
	h := a.hello(l.Name())
	h.ID = segOf(l).helloNonce()
	err := a.writeFrame(c, segOf(l), h)
	var reply *frame.Frame
	if err == nil {
		reply, err = a.readFrame(c, segOf(l))
	}
	if err != nil {
		return err
	}
	if reply.Type != frame.Hello || reply.Source != l.Name() {
		return fmt.Errorf("unexpected %s from %q", reply.Type, reply.Source)
	}
	if !segOf(l).sealer.Keyed() {
		return nil
	}
	if reply.Ref != h.ID {
		return &refusedError{f: reply, why: whyNoChallenge}
	}
	ack := a.hello(l.Name())
	ack.Ref = reply.ID
	return a.writeFrame(c, segOf(l), ack)
}

// answerHello is the accepting side's handshake on c, once h, the first
// hello, named l's neighbour.
func (a *Net) answerHello(c net.Conn, l *Link, h *frame.Frame) error {
	reply := a.hello(l.Name())
	if segOf(l).sealer.Keyed() {
		reply.ID, reply.Ref = segOf(l).helloNonce(), h.ID
	}
	if err := a.writeFrame(c, segOf(l), reply); err != nil || !segOf(l).sealer.Keyed() {
		return err
	}
	ack, err := a.readFrame(c, segOf(l))
	if err == nil && (ack.Type != frame.Hello || ack.Source != l.Name() || ack.Ref != reply.ID) {
		err = &refusedError{f: ack, why: whyNoChallenge}
	}
	return err
}

// writeFrame writes f on c, sealed when s has a key.
func (a *Net) writeFrame(c net.Conn, s *Segment, f *frame.Frame) error {
	b, err := frame.EncodeStream(f)
	if err == nil {
		_, err = c.Write(s.sealer.Stream(b))
	}
	return err
}

// readFrame reads the next frame on c, a connection on s. One that decodes
// but lacks a valid seal of s's key comes with a *refusedError; one that
// does not decode, with a *frame.Error.
func (a *Net) readFrame(c io.Reader, s *Segment) (*frame.Frame, error) {
	b, err := frame.ReadRaw(c)
	if err != nil {
		return nil, err
	}
	f, err := frame.Decode(b)
	if err != nil {
		return nil, err
	}
	if why := s.sealer.Proof(b, f); why != "" {
		return f, &refusedError{f: f, why: why}
	}
	return f, nil
}
