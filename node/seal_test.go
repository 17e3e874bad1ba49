package node_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/frame"
)

const testSecret = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e70001"

// withSecret gives every config the topology's secret.
func withSecret(cfgs map[string]*agent.Config, secret string) map[string]*agent.Config {
	for _, c := range cfgs {
		c.Secret = secret
	}
	return cfgs
}

func testKey(t testing.TB, secret string) *frame.Key {
	t.Helper()
	b, err := hex.DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return frame.NewKey(b)
}

// sealed encodes f, sealed under k with seq; k nil leaves it unsealed.
func sealed(t testing.TB, k *frame.Key, f *frame.Frame, seq uint64) []byte {
	t.Helper()
	b, err := frame.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if k == nil {
		return b
	}
	return k.AppendSealed(nil, b, seq)
}

// stream puts a length prefix before b.
func stream(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

func refusedLogged(m *member) float64 {
	var n float64
	for _, e := range m.logs.events(agent.EvDrop) {
		if e["reason"] == agent.ReasonRefused {
			c, _ := e["count"].(float64)
			n += c
		}
	}
	return n
}

// TestSealedLayouts runs agents that share a secret over TCP, UDP, a
// shared segment and an impaired ring: every message, receipt and
// broadcast gets through, and nothing is refused.
func TestSealedLayouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    *spec
		from string
		to   []string
	}{
		{"tcp", p2pSpec("tcp", 3), "p1", []string{"p2", "p3"}},
		{"udp", p2pSpec("udp", 3), "p1", []string{"p2", "p3"}},
		{"bus", busSpec(3), "n1", []string{"n2", "n3"}},
		{"custom", customSpec("tcp"), "a", []string{"c", "e"}},
		{"ring-udp-impaired", ringSpec("udp", 3), "r1", []string{"r3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfgs := withSecret(tc.s.configs(), testSecret)
			if strings.HasPrefix(tc.name, "ring") {
				impair(cfgs, agent.Impairment{Delay: agent.Duration(2 * time.Millisecond), Jitter: agent.Duration(time.Millisecond)})
			}
			c := startConfigs(t, cfgs, order(tc.s))
			c.waitReady()
			for _, to := range tc.to {
				c.send(tc.from, to)
				c.send(to, tc.from)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if r, err := c.agent(tc.from).Send(ctx, "*", "to all", false); err != nil || !r.Sent() {
				t.Fatalf("broadcast: %+v, %v", r, err)
			}
			eventually(t, 5*time.Second, "the broadcast delivered everywhere else", func() bool {
				n := uint64(0)
				for _, st := range c.stats() {
					n += st.Counters.BroadcastDelivered
				}
				return n == uint64(len(tc.s.nodes)-1)
			})
			for name, st := range c.stats() {
				if st.Counters.Refused != 0 || st.Counters.Malformed != 0 {
					t.Errorf("%s refused %d, malformed %d; want none: %s", name, st.Counters.Refused,
						st.Counters.Malformed, tail(c.node(name).logs.String(), 10))
				}
			}
		})
	}
}
