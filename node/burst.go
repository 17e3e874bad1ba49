package node

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/transport"
)

// burstPause is how long a burst waits when its first hop's queue is
// half full, before it looks again.
const burstPause = 200 * time.Microsecond

// Burst sends n copies of text to node to, one after another as fast as
// the first hop takes them, and waits for the receipt of the last. The
// nodes on the way count them but log none of them (FlagQuiet): one
// `send` event says the burst began, and a `receipt` event here that its
// last message arrived. The receipt's Count says how many were sent,
// Arrived how many of them the destination had when the last arrived, and
// PerSecond how fast they arrived (Arrived over the time from the first's
// leaving to the last's arrival).
//
// A burst does not overflow its own first hop: it waits while that queue
// is half full. A message dropped further on is counted and logged there,
// as any drop. The first drop at this node ends the burst, and the
// receipt says why and how many went.
func (a *Agent) Burst(ctx context.Context, to, text string, n int) (agent.Receipt, error) {
	if n < 1 || n > agent.MaxBurst {
		return agent.Receipt{}, fmt.Errorf("node: a burst of %d messages, want 1 to %d", n, agent.MaxBurst)
	}
	if to == frame.Broadcast {
		return agent.Receipt{}, fmt.Errorf("node: a burst goes to one node, not to every node")
	}
	if err := a.checkSend(to, text); err != nil {
		return agent.Receipt{}, err
	}
	start := time.Now()
	a.event(slog.LevelInfo, agent.EvSend, fmt.Sprintf("burst of %d to %s", n, to), evlog.Peer(to),
		slog.Int(agent.FieldCount, n), evlog.Bytes(len(text)))
	payload := []byte(text)
	burst := a.ids.next()
	for i := range n - 1 {
		if err := a.waitRoom(ctx, to); err != nil {
			return agent.Receipt{From: a.name, To: to, Reason: agent.ReasonTimeout, Count: i}, nil
		}
		f := a.newData(to, payload, false)
		burstFrame(f, burst)
		if reason := a.originate(f); reason != "" {
			return agent.Receipt{From: a.name, To: to, Reason: reason, DroppedAt: a.name, Count: i}, nil
		}
	}
	if err := a.waitRoom(ctx, to); err != nil {
		return agent.Receipt{From: a.name, To: to, Reason: agent.ReasonTimeout, Count: n - 1}, nil
	}
	lastSent := time.Now()
	// The last is quiet too, so that the hops wait for room for it as
	// for the rest; its receipt is logged here.
	rc, err := a.send(ctx, to, text, true, burst)
	if err != nil {
		return rc, err
	}
	rc.Count = n
	if rc.Delivered {
		took := lastSent.Sub(start) + time.Duration(rc.OneWayMs*float64(time.Millisecond))
		if took > 0 {
			rc.PerSecond = float64(rc.Arrived) / took.Seconds()
		}
	}
	return rc, nil
}

// burstFrame makes f a message of the burst named burst (not 0): quiet,
// and with Ref naming the burst, so that its destination counts how many
// of the burst arrived (burstTally).
func burstFrame(f *frame.Frame, burst uint64) {
	if burst != 0 {
		f.Quiet, f.Ref = true, burst
	}
}

// burstTally counts the messages of each burst delivered here, by origin
// and burst, so that the receipt of a burst's last message says how many
// of them had arrived: "delivered" said only that the last one had, when
// a third of them were lost on the way.
type burstTally struct {
	mu    sync.Mutex
	n     map[burstKey]int
	order []burstKey // oldest first, to forget the oldest beyond maxTallies
}

// burstKey names a burst: its origin and the ID of its first message.
type burstKey struct {
	src string
	id  uint64
}

// maxTallies bounds the bursts a node counts at once.
const maxTallies = 64

// arrived counts f if it is a burst's message.
func (t *burstTally) arrived(f *frame.Frame) {
	if !f.Quiet || f.Ref == 0 {
		return
	}
	k := burstKey{f.Source, f.Ref}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[burstKey]int{}
	}
	if _, ok := t.n[k]; !ok {
		if len(t.order) >= maxTallies {
			delete(t.n, t.order[0])
			t.order = slices.Delete(t.order, 0, 1)
		}
		t.order = append(t.order, k)
	}
	t.n[k]++
}

// arrivedPayload is the payload of the receipt of f, delivered here: for
// a burst's message, how many of its burst arrived here so far, as 8 bytes.
func (t *burstTally) arrivedPayload(f *frame.Frame) []byte {
	if !f.Quiet || f.Ref == 0 {
		return nil
	}
	t.mu.Lock()
	n := t.n[burstKey{f.Source, f.Ref}]
	t.mu.Unlock()
	return binary.BigEndian.AppendUint64(nil, uint64(n))
}

// arrivedOf reads arrivedPayload back from a receipt: 0 for a message
// that was not a burst's.
func arrivedOf(r *frame.Frame) int {
	if len(r.Payload) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(r.Payload))
}

// enqueueBurst is l.enqueue, except that a burst's frame waits for room
// in a full queue, up to the queue's wait, instead of being dropped: the
// reader that forwards it stops reading, and TCP's own flow control slows
// the burst's origin to what the slowest hop takes. Other frames are
// dropped as queue_full, as a router's are.
func enqueueBurst(l *transport.Link, f *frame.Frame, wait time.Duration) string {
	r := l.Enqueue(f)
	for waited := time.Duration(0); r == agent.ReasonQueueFull && f.Quiet && waited < wait; waited += burstPause {
		time.Sleep(burstPause)
		r = l.Enqueue(f)
	}
	return r
}

// waitRoom waits while the queue of the first hop toward `to` (a ring's:
// its outbox) is half full, or until ctx is done.
func (a *Agent) waitRoom(ctx context.Context, to string) error {
	for a.firstHopBacklog(to) >= a.o.QueueSize/2 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(burstPause):
		}
	}
	return nil
}

func (a *Agent) firstHopBacklog(to string) int {
	if a.ring != nil {
		return a.ring.Waiting()
	}
	l := a.net.Link(a.tab().routes[to])
	if l == nil {
		return 0 // originate drops it, and says why
	}
	return l.Backlog()
}
