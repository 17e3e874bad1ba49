package node_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
	"github.com/topo-dev/topo/node/internal/control"
)

// TestZeroIntervals gives the agent zero backoff and hello intervals: it
// keeps its defaults instead of panicking in a ticker or random wait.
func TestZeroIntervals(t *testing.T) {
	zero := []node.Option{node.WithBackoff(0, 0), node.WithHelloInterval(0, 0)}
	t.Run("tcp-redial", func(t *testing.T) {
		c := startConfigs(t, p2pSpec("tcp", 2).configs(), []string{"p1"}, zero...) // p2 absent: dials fail
		eventually(t, 30*time.Second, "p1 to redial", func() bool {
			n := 0
			for _, l := range c.node("p1").logs.events(agent.EvLink) {
				if l["level"] == "DEBUG" {
					n++
				}
			}
			return n >= 2
		})
	})
	t.Run("udp-hellos", func(t *testing.T) {
		c := startSpec(t, p2pSpec("udp", 2), zero...)
		c.waitReady()
		c.send("p1", "p2")
	})
}

// TestSendTimeoutZero asks for a receipt that never comes with a timeout
// of 0: client and agent both take it as DefaultSendTimeout, so the answer
// is a receipt with reason timeout, not a control error.
func TestSendTimeoutZero(t *testing.T) {
	t.Parallel()
	cfgs := p2pSpec("tcp", 2).configs()
	sock := filepath.Join(t.TempDir(), "control.sock")
	// p2 absent: the message waits, for longer than the send timeout.
	startConfigs(t, cfgs, []string{"p1"}, node.WithControlSocket(sock), node.WithQueue(256, time.Minute))
	cl := control.Client{Socket: sock}
	eventually(t, 10*time.Second, "the control socket", func() bool {
		_, err := cl.Stats(context.Background())
		return err == nil
	})
	start := time.Now()
	r, err := cl.Send(context.Background(), "p2", "x", true, 0)
	if err != nil {
		t.Fatalf("send with timeout 0: %v", err)
	}
	if r.Delivered || r.Reason != agent.ReasonTimeout {
		t.Errorf("receipt %+v, want reason timeout", r)
	}
	if d := time.Since(start); d < agent.DefaultSendTimeout {
		t.Errorf("answered after %v, before the default timeout %v", d, agent.DefaultSendTimeout)
	}
}
