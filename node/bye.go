package node

import (
	"errors"
	"log/slog"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
)

// After its byes a stopping agent goes on reading until it has heard
// nothing for byeQuiet, but no longer than byeGrace, so that what its
// neighbours sent before they heard the byes is still delivered, or
// dropped and counted (as stopped), rather than left unread in a socket
// that is closed.
const (
	byeGrace = 50 * time.Millisecond
	byeQuiet = 5 * time.Millisecond
)

// linger waits, after the byes, for the neighbours to fall quiet.
func (a *Agent) linger() {
	if a.o.noBye || len(a.linkList) == 0 {
		return
	}
	end := time.Now().Add(byeGrace)
	for {
		now := time.Now()
		if now.After(end) || now.Sub(time.Unix(0, a.heard.Load())) >= byeQuiet {
			return
		}
		time.Sleep(byeQuiet / 2)
	}
}

func (a *Agent) bye(to string) *frame.Frame {
	return &frame.Frame{Type: frame.Bye, Source: a.name, Destination: to, NextHop: to, Path: []string{a.name}}
}

// sayBye tells every neighbour that this node is stopping, so that their
// links to it go down at once rather than once its hellos are missed: a
// bye on each TCP connection and to each UDP neighbour, and one put on
// each shared segment. It goes around the queues and shapers, which are
// stopping too, and waits for nothing.
func (a *Agent) sayBye() {
	a.byeMu.Lock()
	defer a.byeMu.Unlock()
	a.said = true
	if a.o.noBye || len(a.linkList) == 0 {
		return
	}
	shared := map[*segment]bool{}
	for _, l := range a.linkList {
		var err error
		switch l.kind {
		case kindTCP:
			err = l.sayBye(a.bye(l.name()))
		case kindUDP:
			var b []byte
			if b, err = frame.Encode(a.bye(l.name())); err == nil {
				err = l.seg.sendTo(b, l.peer)
			}
		case kindShared:
			shared[l.seg] = true
		}
		if err != nil {
			a.event(slog.LevelDebug, agent.EvLink, "bye to "+l.name()+" failed", peerAttr(l.name()), errAttr(err))
		}
	}
	for s := range shared {
		b, err := frame.Encode(a.bye(frame.Broadcast))
		if err == nil {
			err = s.put(b)
		}
		if err != nil {
			a.event(slog.LevelDebug, agent.EvLink, "bye on "+s.name+" failed", errAttr(err))
		}
	}
}

// helloGate runs send, which sends a hello, unless the bye is said.
func (a *Agent) helloGate(send func() error) error {
	a.byeMu.Lock()
	defer a.byeMu.Unlock()
	if a.said {
		return errSaidBye
	}
	return send()
}

var errSaidBye = errors.New("the node said bye")

// sayBye writes f on the link's connection, if it has one, waiting at most
// byeGrace for a neighbour that does not read.
func (l *link) sayBye(f *frame.Frame) error {
	l.mu.Lock()
	c := l.conn
	l.mu.Unlock()
	if c == nil {
		return nil
	}
	b, err := encodeStream(f)
	if err != nil {
		return err
	}
	// The bye must not land inside a frame the write loop or an inline
	// write is still writing.
	if !l.lockWrites(time.Now().Add(byeGrace)) {
		return errWriteBusy
	}
	defer l.wmu.Unlock()
	if !l.finishRest(c) {
		return errWriteBusy
	}
	_ = c.SetWriteDeadline(time.Now().Add(byeGrace))
	_, err = c.Write(l.seg.sealStream(b))
	return err
}

// errWriteBusy is a bye that could not go: the connection was busy with
// a write for longer than the bye may wait.
var errWriteBusy = errors.New("the link's connection stayed busy")

// lockWrites takes l.wmu, waiting until deadline at most.
func (l *link) lockWrites(deadline time.Time) bool {
	for !l.wmu.TryLock() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}
