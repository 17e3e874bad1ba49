package docker

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

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
			f.tasks = append(f.tasks, swarm.Task{ID: "t" + id, ServiceID: id, NodeID: "n1",
				DesiredState: swarm.TaskStateRunning, Status: swarm.TaskStatus{State: swarm.TaskStateRunning},
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
	f := &fakeSwarm{manager: manager, services: map[string]swarm.Service{}}
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
		t.Errorf("capabilities %+v: a swarm can do none of these", caps)
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
	if c := cs[0]; c.Name != "lab-hub" || c.State != "running" || c.Networks["lab-a"].String() != "10.210.0.5" || c.Labels[engine.LabelNode] != "hub" {
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
		t.Errorf("pause: %v, want ErrUnsupported", err)
	}
	if _, err := s.RunToCompletion(ctx, engine.ContainerSpec{Name: "h"}, nil, nil); !errors.Is(err, engine.ErrUnsupported) {
		t.Errorf("a helper: %v, want ErrUnsupported", err)
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
