package docker

import (
	"errors"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/swarm"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// nodeSpec is a node's container spec as the orchestrator makes it for a
// swarm: hardened, on two networks under aliases, pinned to a rack.
func nodeSpec() engine.ContainerSpec {
	c := engine.ContainerSpec{
		Name: "lab-hub", Hostname: "lab-hub", Image: "topo-node:abc",
		Env:    []string{"TOPO_NODE_CONFIG={}"},
		Labels: map[string]string{engine.LabelTopology: "lab", engine.LabelNode: "hub"},
		Network: []engine.NetworkAttachment{
			{Network: "lab-a", Aliases: []string{"lab-a-hub"}},
			{Network: "lab-b", Aliases: []string{"lab-b-hub"}},
		},
		Placement: []string{"node.labels.rack==a"},
	}
	orchestrator.Harden(&c)
	return c
}

func TestServiceSpec(t *testing.T) {
	s, err := serviceSpec(nodeSpec(), 0)
	if err != nil {
		t.Fatal(err)
	}
	cs := s.TaskTemplate.ContainerSpec
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"name", s.Annotations.Name, "lab-hub"},
		{"service labels", s.Annotations.Labels[engine.LabelNode], "hub"},
		{"container labels", cs.Labels[engine.LabelTopology], "lab"},
		{"image, the local tag as is", cs.Image, "topo-node:abc"},
		{"no entrypoint override", len(cs.Command), 0},
		{"user", cs.User, "65534:65534"},
		{"read-only root", cs.ReadOnly, true},
		{"capabilities dropped", strings.Join(cs.CapabilityDrop, ","), "ALL"},
		{"no new privileges", cs.Privileges != nil && cs.Privileges.NoNewPrivileges, true},
		{"memory", s.TaskTemplate.Resources.Limits.MemoryBytes, int64(64 << 20)},
		{"pids", s.TaskTemplate.Resources.Limits.Pids, int64(128)},
		{"tmpfs", cs.Mounts[0].Type, mount.TypeTmpfs},
		{"tmpfs size", cs.Mounts[0].TmpfsOptions.SizeBytes, int64(1 << 20)},
		{"tmpfs writable by the agent's user", cs.Mounts[0].TmpfsOptions.Mode, os.ModeSticky | 0o777},
		{"not started", *s.Mode.Replicated.Replicas, uint64(0)},
		{"never restarted by swarm", s.TaskTemplate.RestartPolicy.Condition, swarm.RestartPolicyConditionNone},
		{"log capped", s.TaskTemplate.LogDriver.Options["max-size"], engine.LogFileSize},
		{"names resolve to the task", s.EndpointSpec.Mode, swarm.ResolutionModeDNSRR},
		{"placement", strings.Join(s.TaskTemplate.Placement.Constraints, ","), "node.labels.rack==a"},
		{"networks", len(s.TaskTemplate.Networks), 2},
		{"alias", strings.Join(s.TaskTemplate.Networks[1].Aliases, ","), "lab-b-hub"},
		{"network", s.TaskTemplate.Networks[1].Target, "lab-b"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
	plain := nodeSpec()
	plain.Placement, plain.Cmd, plain.ExtraHosts = nil, []string{"/bin/sh", "-c", "x"}, []string{"b:10.0.0.3"}
	s, _ = serviceSpec(plain, 1)
	if s.TaskTemplate.Placement != nil || !slices.Equal(s.TaskTemplate.ContainerSpec.Args, plain.Cmd) ||
		!slices.Equal(s.TaskTemplate.ContainerSpec.Hosts, []string{"10.0.0.3 b"}) || *s.Mode.Replicated.Replicas != 1 {
		t.Errorf("a plain spec: %+v", s)
	}
}

// What a service cannot be is refused, never done otherwise.
func TestServiceSpecRefuses(t *testing.T) {
	fixed := nodeSpec()
	fixed.Network[0].IP = netip.MustParseAddr("10.210.0.2")
	helper := engine.ContainerSpec{Name: "lab-hub-routes", JoinNetworkOf: "lab-hub"}
	for _, spec := range []engine.ContainerSpec{fixed, helper} {
		if _, err := serviceSpec(spec, 0); !errors.Is(err, engine.ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", spec.Name, err)
		}
	}
}

func TestOverlayOptions(t *testing.T) {
	o, err := overlayOptions(engine.NetworkSpec{Name: "lab-a", Subnet: netip.MustParsePrefix("10.210.0.0/29"),
		Gateway: netip.MustParseAddr("10.210.0.1"), Labels: map[string]string{engine.LabelSegment: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if o.Driver != "overlay" || o.Scope != "swarm" || !o.Attachable || o.IPAM.Config[0].Subnet != "10.210.0.0/29" ||
		o.IPAM.Config[0].Gateway != "10.210.0.1" || o.Labels[engine.LabelSegment] != "a" {
		t.Errorf("overlay options: %+v", o)
	}
	if _, err := overlayOptions(engine.NetworkSpec{Name: "x"}); err == nil {
		t.Error("a network without a subnet was accepted")
	}
}

func TestCurrentTask(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(s), 0) }
	old := swarm.Task{ID: "old", ServiceID: "s", DesiredState: swarm.TaskStateShutdown, Status: swarm.TaskStatus{State: swarm.TaskStateShutdown}}
	old.Meta.CreatedAt = at(2)
	cur := swarm.Task{ID: "cur", ServiceID: "s", DesiredState: swarm.TaskStateRunning, Status: swarm.TaskStatus{State: swarm.TaskStateStarting}}
	cur.Meta.CreatedAt = at(1)
	other := swarm.Task{ID: "other", ServiceID: "t", DesiredState: swarm.TaskStateRunning}
	if got := currentTask([]swarm.Task{old, other, cur}, "s"); got == nil || got.ID != "cur" {
		t.Errorf("current task: %+v, want the one meant to run", got)
	}
	if got := currentTask([]swarm.Task{old, other}, "s"); got == nil || got.ID != "old" || taskContainerState(got) != "exited" {
		t.Errorf("a stopped service's task: %+v", got)
	}
	if got := currentTask(nil, "s"); got != nil || taskContainerState(got) != "created" {
		t.Errorf("a service never started: %+v", got)
	}
}
