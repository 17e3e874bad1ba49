package node

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/topo-dev/topo/agent"
)

// fakeDNS answers each name after it was asked late times, with addrs.
type fakeDNS struct {
	mu    sync.Mutex
	addrs map[string][]netip.Addr
	late  map[string]int
}

func (f *fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.late[host] > 0 {
		f.late[host]--
		return nil, errors.New("no such host")
	}
	if a, ok := f.addrs[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func ifaces(ps ...string) interfaceAddrs {
	return func() ([]netip.Prefix, error) {
		var out []netip.Prefix
		for _, p := range ps {
			out = append(out, netip.MustParsePrefix(p))
		}
		return out, nil
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// A config that names addresses gets them: its own from the interface
// inside each segment's subnet (whatever the interface is called, and
// beside others), its peers' from DNS, inside the subnet, once they answer.
func TestResolveNames(t *testing.T) {
	cfg := &agent.Config{Name: "hub",
		Segments: []agent.Segment{
			{Name: "a", Addr: "lab-a-hub", Subnet: "10.210.0.0/29"},
			{Name: "lan", Addr: "lab-lan-hub", Subnet: "10.210.0.16/28", Shared: true,
				Members: []agent.Neighbor{{Name: "n2", Addr: "lab-lan-n2", Segment: "lan"}}},
		},
		Neighbors: []agent.Neighbor{{Name: "s1", Addr: "lab-a-s1", Segment: "a", Dial: true}},
	}
	dns := &fakeDNS{
		addrs: map[string][]netip.Addr{
			"lab-a-s1":   {netip.MustParseAddr("172.18.0.9"), netip.MustParseAddr("10.210.0.3")},
			"lab-lan-n2": {netip.MustParseAddr("10.210.0.20")},
		},
		late: map[string]int{"lab-a-s1": 2},
	}
	got, err := resolveNames(context.Background(), cfg, dns, ifaces("127.0.0.1/8", "172.18.0.4/16", "10.210.0.2/29", "10.210.0.18/28"), quiet)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"own a": got.Segments[0].Addr, "own lan": got.Segments[1].Addr,
		"member n2": got.Segments[1].Members[0].Addr, "neighbour s1": got.Neighbors[0].Addr,
	}
	for what, w := range map[string]string{"own a": "10.210.0.2", "own lan": "10.210.0.18", "member n2": "10.210.0.20", "neighbour s1": "10.210.0.3"} {
		if want[what] != w {
			t.Errorf("%s: %s, want %s", what, want[what], w)
		}
	}
	if cfg.Segments[0].Addr != "lab-a-hub" || cfg.Neighbors[0].Addr != "lab-a-s1" || cfg.Segments[1].Members[0].Addr != "lab-lan-n2" {
		t.Errorf("the config given was changed: %+v", cfg)
	}
	plain := &agent.Config{Name: "x", Segments: []agent.Segment{{Name: "a", Addr: "10.0.0.2"}}}
	if got, err := resolveNames(context.Background(), plain, dns, ifaces(), quiet); err != nil || got != plain {
		t.Errorf("a config of addresses: %v, %v; want it as is", got, err)
	}
}

// A peer that never answers, or an own address that is nowhere, fails
// once the context ends, and says which.
func TestResolveNamesGivesUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := &agent.Config{Name: "hub",
		Segments:  []agent.Segment{{Name: "a", Addr: "lab-a-hub", Subnet: "10.210.0.0/29"}},
		Neighbors: []agent.Neighbor{{Name: "s1", Addr: "lab-a-s1", Segment: "a"}},
	}
	_, err := resolveNames(ctx, cfg, &fakeDNS{}, ifaces("10.210.0.2/29"), quiet)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), `peer "s1"`) {
		t.Errorf("a peer that never answers: %v", err)
	}
	_, err = resolveNames(ctx, cfg, &fakeDNS{}, ifaces("172.18.0.4/16"), quiet)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "no interface inside 10.210.0.0/29") {
		t.Errorf("no interface in the subnet: %v", err)
	}
}
