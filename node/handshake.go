package node

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"

	"github.com/topo-dev/topo/node/frame"
)

// The TCP handshake. Without a secret, the dialling side writes a hello
// naming itself, and the accepting side, if that is a neighbour that dials
// it, answers with a hello: each side then takes the connection as its
// link. With a secret every hello is sealed, and a sealed hello could
// still be copied from an earlier connection, so the hellos make a
// challenge and its answer:
//
//	dialler  → hello, ID a (a fresh random number)
//	acceptor → hello, ID b (fresh), Ref a
//	dialler  → hello, Ref b
//
// The dialler takes the connection once the acceptor's hello answers a,
// the acceptor once the third hello answers b. A hello that does not
// answer its challenge is refused and counted as one without proof.

// helloNonce is a fresh challenge for the other side to answer: 0 without
// a secret, where hellos carry none.
func (a *Agent) helloNonce() uint64 {
	if a.key == nil {
		return 0
	}
	return rand.Uint64() | 1
}

// openHello is the dialling side's handshake on c, to l's neighbour.
func (a *Agent) openHello(c net.Conn, l *link) error {
	h := a.hello(l.name())
	h.ID = a.helloNonce()
	err := a.writeFrame(c, l.seg, h)
	var reply *frame.Frame
	if err == nil {
		reply, err = a.readFrame(c)
	}
	if err != nil {
		return err
	}
	if reply.Type != frame.Hello || reply.Source != l.name() {
		return fmt.Errorf("unexpected %s from %q", reply.Type, reply.Source)
	}
	if a.key == nil {
		return nil
	}
	if reply.Ref != h.ID {
		return &refusedError{f: reply, why: whyNoChallenge}
	}
	ack := a.hello(l.name())
	ack.Ref = reply.ID
	return a.writeFrame(c, l.seg, ack)
}

// answerHello is the accepting side's handshake on c, once h, the first
// hello, named l's neighbour.
func (a *Agent) answerHello(c net.Conn, l *link, h *frame.Frame) error {
	reply := a.hello(l.name())
	if a.key != nil {
		reply.ID, reply.Ref = a.helloNonce(), h.ID
	}
	if err := a.writeFrame(c, l.seg, reply); err != nil || a.key == nil {
		return err
	}
	ack, err := a.readFrame(c)
	if err == nil && (ack.Type != frame.Hello || ack.Source != l.name() || ack.Ref != reply.ID) {
		err = &refusedError{f: ack, why: whyNoChallenge}
	}
	return err
}

// writeFrame writes f on c, sealed when the topology has a secret.
func (a *Agent) writeFrame(c net.Conn, s *segment, f *frame.Frame) error {
	b, err := encodeStream(f)
	if err == nil {
		_, err = c.Write(s.sealStream(b))
	}
	return err
}

// readFrame reads the next frame on c. One that decodes but lacks a valid
// seal comes with a *refusedError; one that does not decode, with a
// *frame.Error.
func (a *Agent) readFrame(c io.Reader) (*frame.Frame, error) {
	b, err := frame.ReadRaw(c)
	if err != nil {
		return nil, err
	}
	f, err := frame.Decode(b)
	if err != nil {
		return nil, err
	}
	if why := a.proof(b, f); why != "" {
		return f, &refusedError{f: f, why: why}
	}
	return f, nil
}
