package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/control"
)

// Run binds the node's addresses, connects to its neighbours and serves
// until ctx is done. It returns nil after a clean stop. An Agent runs once;
// to restart a node, make a new Agent from the same Config.
func (a *Agent) Run(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("node: Run called twice")
	}
	if err := a.net.Bind(ctx); err != nil {
		a.net.Close()
		return err
	}
	ctl, err := listenControl(a.o.socket)
	if err != nil {
		a.net.Close()
		return fmt.Errorf("node %q: %w", a.name, err)
	}
	g, ctx := newGroup(ctx)
	a.running.Store(true)
	a.logStart()
	a.net.Start(ctx, g.Go)
	if every := statsEvery(a.o, len(a.tab().routes)); every > 0 {
		g.Go(func() error { return statsLoop(ctx, every, a.log, a.Stats) })
	}
	if a.ring != nil {
		g.Go(func() error { return a.ring.Run(ctx) })
	}
	if a.cfg.Traffic.Interval > 0 {
		targets := func() []string { return a.tab().targets } // a reconfiguration changes them
		g.Go(func() error { return trafficLoop(ctx, a.cfg.Traffic, targets, &a.traffic, a.originate, a.newData) })
	}
	if ctl != nil {
		g.Go(func() error {
			if err := control.Serve(ctx, ctl, a, a.log, g.Go); err != nil {
				return fmt.Errorf("node %q: %w", a.name, err)
			}
			return nil
		})
	}
	g.Go(func() error {
		<-ctx.Done()
		a.running.Store(false)
		a.net.Stop()
		a.receipts.stop(a.name)
		if ctl != nil {
			_ = ctl.Close()
		}
		return nil
	})
	err = g.Wait()
	a.net.Flush()
	a.event(slog.LevelInfo, agent.EvStop, "node stopped")
	return err
}

// listenControl makes the control socket at path, unless path is "".
func listenControl(path string) (net.Listener, error) {
	if path == "" {
		return nil, nil
	}
	return control.Listen(path)
}

func (a *Agent) logStart() {
	attrs := append([]slog.Attr{slog.String("role", a.cfg.Role), slog.String("layout", a.cfg.Layout),
		slog.String("protocol", a.cfg.Traffic.Protocol), slog.Int("port", a.cfg.PortOrDefault())}, a.net.StartAttrs()...)
	if a.o.memoryLimit > 0 {
		attrs = append(attrs, slog.Int64("memory_limit", a.o.memoryLimit))
	}
	a.event(slog.LevelInfo, agent.EvStart, "node "+a.name+" started", attrs...)
	if len(a.net.Links()) == 0 {
		a.ready.event()
	}
}
