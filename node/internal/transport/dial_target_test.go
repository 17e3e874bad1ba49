package transport

import (
	"log/slog"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/transport/link"
)

// A neighbour known by name is dialled by name, so that every redial asks
// the engine's DNS again; one known by address, at that address.
func TestDialTargetByName(t *testing.T) {
	o := Options{PeerNames: map[string]string{PeerKey("s1", "a"): "lab-a-s1"}}
	a := &Net{o: o}
	env := link.NewEnv("c", o, slog.New(slog.DiscardHandler), stubHost{})
	named, err := link.New(env, agent.Neighbor{Name: "s1", Addr: "10.210.0.3", Port: 7000}, &Segment{name: "a"}, link.TCP, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := link.New(env, agent.Neighbor{Name: "s2", Addr: "10.210.0.11", Port: 7000}, &Segment{name: "b"}, link.TCP, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.dialTarget(named); got != "lab-a-s1:7000" {
		t.Errorf("dial %s, want the name", got)
	}
	if got := a.dialTarget(plain); got != "10.210.0.11:7000" {
		t.Errorf("dial %s, want the address", got)
	}
}
