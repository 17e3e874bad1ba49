package docker

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/swarm"
	"github.com/topo-dev/topo/engine"
)

// fakeSwarm is a Docker engine that manages a swarm, as far as Swarm's
// calls go: it keeps services, runs each one's task at once when it is
// scaled to one, and records what it was sent.
type fakeSwarm struct {
	mu       sync.Mutex
	manager  bool
	services map[string]swarm.Service
	tasks    []swarm.Task
	registry []string // images it was asked to look up in a registry
	nodes    []swarm.Node
	paused   map[string]bool // task containers paused, by ID
}

// fakeNodes are the fake swarm's hosts.
var fakeNodes = []swarm.Node{
	{ID: "n1", Description: swarm.NodeDescription{Hostname: "h1"}},
	{ID: "n2", Description: swarm.NodeDescription{Hostname: "h2"}, Status: swarm.NodeStatus{State: swarm.NodeStateReady}},
}

var versioned = regexp.MustCompile(`^/v[0-9.]+`)

func (f *fakeSwarm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := versioned.ReplaceAllString(r.URL.Path, "")
	w.Header().Set("Api-Version", "1.41")
	w.Header().Set("Content-Type", "application/json")
	reply := func(v any) { _ = json.NewEncoder(w).Encode(v) }
	switch {
	case path == "/_ping":
		_, _ = w.Write([]byte("OK"))
	case path == "/info":
		state := swarm.LocalNodeStateInactive
		if f.manager {
			state = swarm.LocalNodeStateActive
		}
		reply(map[string]any{"Swarm": map[string]any{"LocalNodeState": state, "ControlAvailable": f.manager, "NodeID": "n1"}})
	case path == "/nodes": // n1 is the manager; n2, where tasks run, has no EngineLabel unless a test gives it one
		reply(f.nodes)
	case path == "/nodes/n2":
		reply(f.nodes[1])
	case strings.HasSuffix(path, "/pause") || strings.HasSuffix(path, "/unpause"):
		id := strings.TrimPrefix(path[:strings.LastIndex(path, "/")], "/containers/")
		f.paused[id] = strings.HasSuffix(path, "/pause")
		w.WriteHeader(http.StatusNoContent)
	case path == "/containers/json": // the paused ones: what Swarm asks
		var out []container.Summary
		for id, p := range f.paused {
			if p {
				out = append(out, container.Summary{ID: id, State: "paused", Labels: map[string]string{swarmTaskLabel: "t" + strings.TrimPrefix(id, "c")}})
			}
		}
		reply(out)
	case path == "/services/create":
		var spec swarm.ServiceSpec
		_ = json.NewDecoder(r.Body).Decode(&spec)
		id := "svc" + spec.Name
		svc := swarm.Service{ID: id, Spec: spec}
		svc.Meta.CreatedAt = time.Unix(1, 0)
		f.services[id] = svc
		reply(swarm.ServiceCreateResponse{ID: id})
	case strings.HasSuffix(path, "/update"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/services/"), "/update")
		svc := f.services[id]
		_ = json.NewDecoder(r.Body).Decode(&svc.Spec)
		f.services[id] = svc
		if *svc.Spec.Mode.Replicated.Replicas == 1 {
			f.tasks = append(f.tasks, swarm.Task{ID: "t" + id, ServiceID: id, NodeID: "n2",
				DesiredState: swarm.TaskStateRunning, Status: swarm.TaskStatus{State: swarm.TaskStateRunning,
					ContainerStatus: &swarm.ContainerStatus{ContainerID: "c" + id}},
				NetworksAttachments: []swarm.NetworkAttachment{{
					Network:   swarm.Network{Spec: swarm.NetworkSpec{Annotations: swarm.Annotations{Name: "lab-a"}}},
					Addresses: []string{"10.210.0.5/29"}}}})
		}
		reply(swarm.ServiceUpdateResponse{})
	case strings.HasPrefix(path, "/services/"):
		id := strings.TrimPrefix(path, "/services/")
		for _, svc := range f.services {
			if svc.ID == id || svc.Spec.Name == id {
				reply(svc)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		reply(map[string]string{"message": "service " + id + " not found"})
	case path == "/services":
		var out []swarm.Service
		for _, svc := range f.services {
			out = append(out, svc)
		}
		reply(out)
	case path == "/tasks":
		reply(f.tasks)
	case strings.HasPrefix(path, "/distribution/"):
		f.registry = append(f.registry, strings.TrimPrefix(path, "/distribution/"))
		w.WriteHeader(http.StatusInternalServerError)
		reply(map[string]string{"message": "no registry here"})
	default:
		w.WriteHeader(http.StatusNotImplemented)
		reply(map[string]string{"message": "the fake does not do " + r.Method + " " + path})
	}
}

func fakeSwarmEngine(t *testing.T, manager bool) (*fakeSwarm, string) {
	f := &fakeSwarm{manager: manager, services: map[string]swarm.Service{}, nodes: slices.Clone(fakeNodes), paused: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, "tcp://" + strings.TrimPrefix(srv.URL, "http://")
}

// A node goes to a swarm as a service created with no task, never looked
// up in a registry, then scaled to one task; it reads back as a running
// container at the address Swarm gave it.
func TestSwarmAgainstAFakeEngine(t *testing.T) {
	f, host := fakeSwarmEngine(t, true)
	ctx := context.Background()
	s, err := NewSwarm(ctx, WithHost(host))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if caps := engine.CapabilitiesOf(s); caps.FixedAddresses || caps.NetnsHelpers || caps.Broadcast {
		t.Errorf("capabilities %+v: a swarm with a host whose engine it cannot reach can do none of these", caps)
	}
	id, err := s.CreateContainer(ctx, nodeSpec())
	if err != nil {
		t.Fatal(err)
	}
	if r := *f.services[id].Spec.Mode.Replicated.Replicas; r != 0 {
		t.Errorf("created with %d tasks, want 0 until started", r)
	}
	if err := s.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if len(f.registry) > 0 {
		t.Errorf("asked a registry about %v; the image is local and must stay as tagged", f.registry)
	}
	cs, err := s.ListContainers(ctx, map[string]string{engine.LabelTopology: "lab"})
	if err != nil || len(cs) != 1 {
		t.Fatalf("list: %v, %v", cs, err)
	}
	if c := cs[0]; c.Name != "lab-hub" || c.State != "running" || c.Networks["lab-a"].String() != "10.210.0.5" || c.Labels[engine.LabelNode] != "hub" ||
		c.Host != "h2" || c.MACs["lab-a"] != "02:42:0a:d2:00:05" {
		t.Errorf("the node's service as a container: %+v", c)
	}
	full, err := s.ContainerByName(ctx, "lab-hub")
	if err != nil || len(full.Env) != 1 {
		t.Errorf("by name: %+v, %v", full, err)
	}
	if _, err := s.ContainerByName(ctx, "lab-nope"); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("a missing service: %v, want ErrNotFound", err)
	}
	if err := s.ControlContainer(ctx, id, engine.ActionPause); !errors.Is(err, engine.ErrUnsupported) {
		t.Errorf("pause on a host whose engine topo cannot reach: %v, want ErrUnsupported", err)
	}
	// Next to a node on a host without EngineLabel, no helper and no exec,
	// and the error says how to label the host.
	_, err = s.RunToCompletion(ctx, engine.ContainerSpec{Name: "h", JoinNetworkOf: "lab-hub"}, nil, nil)
	if !errors.Is(err, engine.ErrUnsupported) || !strings.Contains(err.Error(), "--label-add "+EngineLabel+"=") {
		t.Errorf("a helper: %v, want ErrUnsupported saying how to label h2", err)
	}
	// A helper that rewrites a node's hosts file runs on the node's host
	// too, where the file is.
	_, err = s.RunToCompletion(ctx, engine.ContainerSpec{Name: "h", HostsOf: "lab-hub"}, nil, nil)
	if !errors.Is(err, engine.ErrUnsupported) || !strings.Contains(err.Error(), "h2") {
		t.Errorf("a hosts helper: %v, want ErrUnsupported naming the node's host h2", err)
	}
	if _, err := s.Exec(ctx, "lab-hub", []string{"true"}, nil, nil); !errors.Is(err, engine.ErrUnsupported) {
		t.Errorf("exec: %v, want ErrUnsupported", err)
	}
}

// A node on a host whose engine topo reaches (EngineLabel) is paused and
// unpaused there, and reads back as paused in between, though Swarm says
// its task runs.
func TestSwarmPausesOnTheNodesHost(t *testing.T) {
	f, host := fakeSwarmEngine(t, true)
	f.nodes[1].Spec.Labels = map[string]string{EngineLabel: host} // n2's engine: the fake again
	ctx := context.Background()
	s, err := NewSwarm(ctx, WithHost(host))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id, err := s.CreateContainer(ctx, nodeSpec())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		action engine.Action
		state  string
	}{{engine.ActionPause, "paused"}, {engine.ActionUnpause, "running"}} {
		if err := s.ControlContainer(ctx, id, step.action); err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
		if !f.paused["c"+id] != (step.state == "running") {
			t.Errorf("%s: the engine of n2 has the task's container paused: %v", step.action, f.paused["c"+id])
		}
		cs, err := s.ListContainers(ctx, map[string]string{engine.LabelTopology: "lab"})
		if err != nil || len(cs) != 1 || cs[0].State != step.state || cs[0].HostDown {
			t.Errorf("after %s: %+v, %v; want it %s, its host up", step.action, cs, err, step.state)
		}
	}
	// n2's engine stops answering before the manager notices: its node's
	// host reads as down.
	f.mu.Lock()
	f.nodes[1].Spec.Labels[EngineLabel] = "tcp://127.0.0.1:1"
	f.mu.Unlock()
	if cs, err := s.ListContainers(ctx, map[string]string{engine.LabelTopology: "lab"}); err != nil || len(cs) != 1 || !cs[0].HostDown {
		t.Errorf("with n2's engine silent: %+v, %v; want its host down", cs, err)
	}
}

// An engine that is not a swarm manager is told how to become one.
func TestSwarmNeedsAManager(t *testing.T) {
	_, host := fakeSwarmEngine(t, false)
	_, err := NewSwarm(context.Background(), WithHost(host))
	if err == nil || !strings.Contains(err.Error(), "docker swarm init") {
		t.Errorf("not a manager: %v", err)
	}
}
