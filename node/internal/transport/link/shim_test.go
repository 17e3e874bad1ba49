package link

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/seal"
	"github.com/topo-dev/topo/node/internal/shaper"
)

// LayoutP2P is the layout of the tests' configs.
const LayoutP2P = "p2p"

// stubHost is the agent above the links in these tests: it counts what
// they hand up.
type stubHost struct {
	running atomic.Bool

	mu      sync.Mutex
	dropped map[string]uint64
	revoked uint64
}

func (h *stubHost) DropQueued(f *frame.Frame, _ int, _ *Link, reason string, _ error) {
	if f.Type != frame.Data || f.Destination == frame.Broadcast {
		return
	}
	h.mu.Lock()
	h.dropped[reason]++
	h.mu.Unlock()
}

func (h *stubHost) LinkChanged(bool) {}

func (h *stubHost) Revoked(reason string) {
	h.mu.Lock()
	h.dropped[reason]--
	h.revoked++
	h.mu.Unlock()
}

// stubSeg is a segment without sockets: what is sent on it is lost.
type stubSeg struct {
	name string
	sh   *shaper.Shaper[Shaped]
}

func (s *stubSeg) Name() string                        { return s.name }
func (s *stubSeg) Sealer() *seal.Sealer                { return nil }
func (s *stubSeg) Shaper() *shaper.Shaper[Shaped]      { return s.sh }
func (s *stubSeg) Put([]byte) error                    { return errors.New("no socket") }
func (s *stubSeg) SendTo([]byte, netip.AddrPort) error { return errors.New("no socket") }

// Option changes the links' settings in these tests.
type Option func(*Options)

func WithQueue(size int, wait time.Duration) Option {
	return func(o *Options) { o.QueueSize, o.QueueWait = size, wait }
}

func WithQueueBytes(perQueue, total int64) Option {
	return func(o *Options) { o.QueueBytes, o.QueueTotal = perQueue, total }
}

func WithAckWait(d time.Duration) Option { return func(o *Options) { o.AckWait = d } }

// testNet is the links of a config's node over a stubHost and stubSegs.
type testNet struct {
	*Env
	links map[string]*Link
}

// newTestNet makes the links of cfg, each of the kind its protocol says.
func newTestNet(cfg *agent.Config, opts ...Option) (*testNet, error) {
	o := DefaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	o = o.Filled()
	env := NewEnv(cfg.Name, o, slog.New(slog.DiscardHandler), &stubHost{dropped: map[string]uint64{}})
	n := &testNet{Env: env, links: map[string]*Link{}}
	kind := TCP
	if cfg.Traffic.Protocol == "udp" {
		kind = UDP
	}
	seg := &stubSeg{name: "ab"}
	if len(cfg.Segments) > 0 && !cfg.Segments[0].Impairment.IsZero() {
		seg.sh = NewShaper(env, seg, cfg.Segments[0].Impairment)
	}
	for _, nb := range cfg.Neighbors {
		l, err := New(env, nb, seg, kind, o.HelloUp, 3*o.HelloUp)
		if err != nil {
			return nil, err
		}
		n.links[nb.Name] = l
	}
	return n, nil
}

// Run runs the links until ctx is done, as the agent's Run does.
func (a *testNet) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	spawn := func(f func() error) { wg.Add(1); go func() { defer wg.Done(); _ = f() }() }
	a.Start(ctx, spawn)
	for _, l := range a.links {
		if l.kind == TCP {
			l.StartWriter(ctx, spawn)
		}
	}
	a.h.(*stubHost).running.Store(true)
	<-ctx.Done()
	a.h.(*stubHost).running.Store(false)
	a.Stop()
	a.SettleAll()
	wg.Wait()
	return nil
}

// Stats is what the stub host counted, as the agent's Stats says it.
func (a *testNet) Stats() agent.Stats {
	h := a.h.(*stubHost)
	h.mu.Lock()
	defer h.mu.Unlock()
	s := agent.Stats{Counters: agent.Counters{DroppedByReason: map[string]uint64{}, Revoked: h.revoked}}
	for r, n := range h.dropped {
		if n > 0 {
			s.Counters.DroppedByReason[r] = n
			s.Counters.Dropped += n
		}
	}
	for _, l := range a.links {
		s.InFlight += l.InFlight()
	}
	return s
}

// newData is a new data message from this node to to.
func (a *testNet) newData(to string, payload []byte, wantReceipt bool) *frame.Frame {
	return &frame.Frame{Type: frame.Data, WantReceipt: wantReceipt, TTL: 16, ID: rand.Uint64(),
		Sent: time.Now().UnixNano(), Source: a.name, Destination: to, Payload: payload}
}

// bye is a bye from this node to to.
func (a *testNet) bye(to string) *frame.Frame {
	return &frame.Frame{Type: frame.Bye, Source: a.name, Destination: to, NextHop: to, Path: []string{a.name}}
}
