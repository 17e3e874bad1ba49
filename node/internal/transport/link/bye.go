package link

import (
	"errors"
	"time"

	"github.com/topo-dev/topo/node/internal/frame"
)

// helloGate runs send, which sends a hello, unless the bye is said.
// ByeGrace bounds how long a stopping agent goes on reading after its
// byes, and how long a bye waits for a link's writes.
const ByeGrace = 50 * time.Millisecond

var errSaidBye = errors.New("the node said bye")

func (a *Env) helloGate(send func() error) error {
	a.byeMu.Lock()
	defer a.byeMu.Unlock()
	if a.said {
		return errSaidBye
	}
	return send()
}

// sayBye writes f on the link's connection, if it has one, waiting at most
// ByeGrace for a neighbour that does not read.
func (l *Link) sayBye(f *frame.Frame) error {
	l.mu.Lock()
	c := l.conn
	l.mu.Unlock()
	if c == nil {
		return nil
	}
	b, err := frame.EncodeStream(f)
	if err != nil {
		return err
	}
	// The bye must not land inside a frame the write loop or an inline
	// write is still writing.
	if !l.lockWrites(time.Now().Add(ByeGrace)) {
		return errWriteBusy
	}
	defer l.wmu.Unlock()
	if !l.finishRest(c) {
		return errWriteBusy
	}
	_ = c.SetWriteDeadline(time.Now().Add(ByeGrace))
	_, err = c.Write(l.seg.Sealer().Stream(b))
	return err
}

// errWriteBusy is a bye that could not go: the connection was busy with
// a write for longer than the bye may wait.
var errWriteBusy = errors.New("the link's connection stayed busy")

// lockWrites takes l.wmu, waiting until deadline at most.
func (l *Link) lockWrites(deadline time.Time) bool {
	for !l.wmu.TryLock() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}
