package node

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"github.com/topo-dev/topo/agent"
)

// Run binds the node's addresses, connects to its neighbours and serves
// until ctx is done. It returns nil after a clean stop. An Agent runs once;
// to restart a node, make a new Agent from the same Config.
func (a *Agent) Run(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("node: Run called twice")
	}
	if err := a.bind(ctx); err != nil {
		a.closeAll()
		return err
	}
	ctl, err := a.listenControl()
	if err != nil {
		a.closeAll()
		return err
	}
	g, ctx := newGroup(ctx)
	a.spawnCtx = func(f func(context.Context) error) { g.Go(func() error { return f(ctx) }) }
	a.running.Store(true)
	a.logStart()
	for _, s := range a.segs {
		g.Go(func() error { return a.acceptLoop(ctx, s, g.Go) })
		g.Go(func() error { return a.readUDP(ctx, s, s.udp) })
		if s.bconn != nil {
			g.Go(func() error { return a.readUDP(ctx, s, s.bconn) })
		}
		if s.shaper != nil {
			g.Go(func() error { return s.shaper.run(ctx) })
		}
	}
	datagrams := false
	for _, l := range a.linkList {
		if l.kind == kindTCP {
			l.writer = true
			g.Go(func() error { return l.writeLoop(ctx) })
		}
		if l.kind == kindTCP && l.nb.Dial {
			g.Go(func() error { return a.dialLoop(ctx, l) })
		}
		datagrams = datagrams || l.kind != kindTCP
	}
	if datagrams {
		g.Go(func() error { return a.helloLoop(ctx) })
	}
	g.Go(func() error { return a.ackLoop(ctx) })
	if every := a.statsEvery(); every > 0 {
		g.Go(func() error { return a.statsLoop(ctx, every) })
	}
	if a.ring != nil {
		g.Go(func() error { return a.ring.run(ctx) })
	}
	if a.cfg.Traffic.Interval > 0 && len(a.targets) > 0 {
		g.Go(func() error { return a.trafficLoop(ctx) })
	}
	if ctl != nil {
		g.Go(func() error { return a.serveControl(ctx, ctl, g.Go) })
	}
	g.Go(func() error {
		<-ctx.Done()
		a.running.Store(false)
		a.stopIdleLinks()
		a.sayBye()
		a.linger()
		a.settleAll()
		a.closeAll()
		a.failPending()
		if ctl != nil {
			ctl.close()
		}
		return nil
	})
	err = g.Wait()
	a.malformedLog.flush()
	a.refusedLog.flush()
	a.noHelloLog.flush()
	a.strangerLog.flush()
	a.event(slog.LevelInfo, agent.EvStop, "node stopped")
	return err
}

func (a *Agent) logStart() {
	addrs := make([]string, 0, len(a.segs))
	impaired := map[string]string{}
	for _, s := range a.segs {
		addrs = append(addrs, s.name+"="+s.addr.String())
		if s.shaper != nil {
			impaired[s.name] = s.shaper.imp.String()
		}
	}
	attrs := []slog.Attr{slog.String("role", a.cfg.Role), slog.String("layout", a.cfg.Layout),
		slog.String("protocol", a.cfg.Traffic.Protocol), slog.Int("port", a.port), slog.Any("segments", addrs)}
	if len(impaired) > 0 {
		attrs = append(attrs, slog.Any("impairment", impaired))
	}
	if a.sealed() {
		attrs = append(attrs, slog.Bool("sealed", true))
	}
	if a.o.memoryLimit > 0 {
		attrs = append(attrs, slog.Int64("memory_limit", a.o.memoryLimit))
	}
	a.event(slog.LevelInfo, agent.EvStart, "node "+a.name+" started", attrs...)
	if len(a.linkList) == 0 {
		a.readyEvent()
	}
}

// track registers a connection so that shutdown closes it; it refuses (and
// closes) c once the agent is stopping.
func (a *Agent) track(c net.Conn) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		_ = c.Close()
		return false
	}
	if a.conns == nil {
		a.conns = map[net.Conn]struct{}{}
	}
	a.conns[c] = struct{}{}
	return true
}

func (a *Agent) untrack(c net.Conn) {
	a.mu.Lock()
	delete(a.conns, c)
	a.mu.Unlock()
	_ = c.Close()
}

func (a *Agent) closeAll() {
	a.mu.Lock()
	a.closing = true
	conns := a.conns
	a.conns = nil
	a.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
	for _, s := range a.segs {
		s.close()
	}
	for _, l := range a.linkList {
		l.closeConn()
	}
}
