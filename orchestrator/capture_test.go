package orchestrator_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// TestCaptureHelper: a capture runs the node image's agent in the node's
// network namespace, as root with NET_RAW and nothing else, labelled as
// a helper of the topology, on the addresses of what was asked for; its
// stdout is the capture and its last stderr line the summary.
func TestCaptureHelper(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	up, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hub, _ := up.Plan.Node("hub")
	f.streamOut = "PCAPNG"
	f.streamErr = "a warning\n" + `{"packets":3,"dropped":1,"interfaces":[{"name":"eth1","addr":"10.0.0.1","packets":3,"dropped":1}]}` + "\n"
	var out bytes.Buffer
	var where orchestrator.CapturePoint
	sum, err := o.Capture(ctx, "star", orchestrator.CaptureOptions{Target: []string{"hub", "spoke2"}, Filter: "udp", Count: 5},
		&out, func(p orchestrator.CapturePoint) { where = p })
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "PCAPNG" || sum.Packets != 3 || sum.Dropped != 1 || sum.Interfaces[0].Name != "eth1" {
		t.Errorf("capture wrote %q and summed %+v; want the helper's stdout and its summary", out.String(), sum)
	}
	link := hub.Addresses["hub-spoke2"].String()
	if where.Node != "hub" || !slices.Equal(where.Addrs, []string{link}) || where.Names[0] != "hub–spoke2" {
		t.Errorf("started at %+v, want hub %s (hub–spoke2)", where, link)
	}
	spec := f.streams[0]
	hubC := engine.ContainerName("star", "hub")
	var hubID string
	for id, c := range f.containers {
		if c.Name == hubC {
			hubID = id
		}
	}
	checks := []struct {
		what string
		ok   bool
	}{
		{"NET_RAW alone", slices.Equal(spec.CapAdd, []string{"NET_RAW"}) && slices.Equal(spec.CapDrop, []string{"ALL"})},
		{"root, read-only, no new privileges", spec.User == "0:0" && spec.ReadOnlyRoot && spec.NoNewPrivileges},
		{"in the hub's namespace", spec.JoinNetworkOf == hubID && len(spec.Network) == 0},
		{"the node image", spec.Image == "topo-node:fake"},
		{"a helper of star", spec.Labels[engine.LabelHelper] == "star" && spec.Labels[engine.LabelNode] == "hub"},
		{"named after the node", strings.HasPrefix(spec.Name, hubC+"-capture-")},
		{"the capture verb on the link's address", strings.Join(spec.Cmd, " ") ==
			"capture --addr "+link+" --name "+link+"=hub–spoke2 --filter udp --count 5"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("the capture helper is not %s: %+v", c.what, spec)
		}
	}
}

// TestCaptureTargets: a node is captured on every link, a segment on its
// first member; what names no link, node or segment fails with the names
// there are.
func TestCaptureTargets(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	f.streamErr = `{"packets":0}` + "\n"
	for _, tc := range []struct {
		target   []string
		node     string
		addrs    int
		wantErr  string
		noNodeIs bool
	}{
		{target: []string{"hub"}, node: "hub", addrs: 4},
		{target: []string{"spoke3"}, node: "spoke3", addrs: 1},
		{target: []string{"hub-spoke3"}, node: "hub", addrs: 1},
		{target: []string{"spoke3", "hub"}, node: "spoke3", addrs: 1},
		{target: []string{"spoke1", "spoke2"}, wantErr: "no link between spoke1 and spoke2: they share no segment; spoke1's neighbours are hub"},
		{target: []string{"hub", "nope"}, wantErr: `has no such node "nope"; its nodes are hub, spoke1`, noNodeIs: true},
		{target: []string{"hub", "hub"}, wantErr: "a link joins two nodes; `topo capture hub` captures every link of it"},
		{target: []string{"nope"}, wantErr: `topology star has no node or segment "nope"; its nodes are hub, spoke1, spoke2, spoke3, spoke4, its segments hub-spoke1`},
	} {
		var where orchestrator.CapturePoint
		_, err := o.Capture(ctx, "star", orchestrator.CaptureOptions{Target: tc.target}, &bytes.Buffer{}, func(p orchestrator.CapturePoint) { where = p })
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || tc.noNodeIs != errors.Is(err, orchestrator.ErrNoNode) {
				t.Errorf("capture %v: %v; want an error saying %q", tc.target, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("capture %v: %v", tc.target, err)
		case where.Node != tc.node || len(where.Addrs) != tc.addrs:
			t.Errorf("capture %v: on %+v; want %s on %d addresses", tc.target, where, tc.node, tc.addrs)
		}
	}
}

// TestCaptureHelperFails: a helper that exits non-zero fails the capture
// with what it said, not with its summary line.
func TestCaptureHelperFails(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	f.streamExit = 1
	f.streamErr = "topo-node capture: packet socket: operation not permitted (a capture needs CAP_NET_RAW)\n" + `{"packets":0,"dropped":0,"interfaces":null}` + "\n"
	_, err := o.Capture(ctx, "star", orchestrator.CaptureOptions{Target: []string{"hub"}}, &bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "exited 1: topo-node capture: packet socket: operation not permitted") || strings.Contains(err.Error(), "packets") {
		t.Errorf("a failing helper: %v", err)
	}
}
