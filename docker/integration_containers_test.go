package docker_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

func TestIntegrationRuntime(t *testing.T) {
	rt := livetest.Runtime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ref := ensureImage(t, rt)

	name := livetest.Name(t, "runtime")
	cleanupTopology(t, rt, name)
	x := freeSubnetBase(t, rt)
	labels := func(kv ...string) map[string]string {
		m := map[string]string{engine.LabelTopology: name}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}

	// Two /29 segments side by side in 10.211.x.0/28.
	segA := netip.MustParsePrefix(fmt.Sprintf("10.211.%d.0/29", x))
	segB := netip.MustParsePrefix(fmt.Sprintf("10.211.%d.8/29", x))
	netA, netB := name+"-a", name+"-b"
	for _, n := range []struct {
		name   string
		subnet netip.Prefix
	}{{netA, segA}, {netB, segB}} {
		_, err := rt.CreateNetwork(ctx, engine.NetworkSpec{
			Name:    n.name,
			Subnet:  n.subnet,
			Gateway: n.subnet.Addr().Next(),
			Labels:  labels(engine.LabelSegment, n.name),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	nets, err := rt.ListNetworks(ctx, labels())
	if err != nil || len(nets) != 2 {
		t.Fatalf("ListNetworks = %v, %v; want 2", nets, err)
	}
	for _, n := range nets {
		if len(n.Subnets) != 1 || (n.Subnets[0] != segA && n.Subnets[0] != segB) || n.Created.IsZero() {
			t.Errorf("network %+v", n)
		}
	}

	t.Run("overlap", func(t *testing.T) {
		_, err := rt.CreateNetwork(ctx, engine.NetworkSpec{
			Name: name + "-overlap", Subnet: netip.MustParsePrefix(fmt.Sprintf("10.211.%d.0/28", x)), Labels: labels(),
		})
		if !errors.Is(err, engine.ErrOverlap) {
			t.Errorf("overlapping subnet: %v, want ErrOverlap", err)
		}
	})
	t.Run("duplicate network", func(t *testing.T) {
		_, err := rt.CreateNetwork(ctx, engine.NetworkSpec{
			Name: netA, Subnet: netip.MustParsePrefix("10.212.250.0/29"), Labels: labels(),
		})
		if !errors.Is(err, engine.ErrConflict) {
			t.Errorf("duplicate network name: %v, want ErrConflict", err)
		}
	})

	ipA, ipB := segA.Addr().Next().Next(), segB.Addr().Next().Next()
	spec := engine.ContainerSpec{
		Name:   name + "-hub",
		Image:  ref,
		Env:    []string{"TOPO_TEST=1"},
		Labels: labels(engine.LabelNode, "hub"),
		Network: []engine.NetworkAttachment{
			{Network: netA, IP: ipA},
			{Network: netB, IP: ipB},
		},
	}
	orchestrator.Harden(&spec)
	spec.MemoryBytes, spec.PidsLimit = 32<<20, 64
	id, err := rt.CreateContainer(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}

	cs, err := rt.ListContainers(ctx, labels(engine.LabelNode, "hub"))
	if err != nil || len(cs) != 1 {
		t.Fatalf("ListContainers = %v, %v; want 1", cs, err)
	}
	c := cs[0]
	if c.ID != id || c.Name != spec.Name || c.Image != ref || c.State != "running" || c.Labels[engine.LabelNode] != "hub" {
		t.Errorf("container %+v", c)
	}
	if len(c.Networks) != 2 || c.Networks[netA] != ipA || c.Networks[netB] != ipB {
		t.Errorf("networks %v, want %s=%s %s=%s", c.Networks, netA, ipA, netB, ipB)
	}

	t.Run("by name", func(t *testing.T) {
		got, err := rt.ContainerByName(ctx, spec.Name)
		if err != nil || got.ID != id {
			t.Errorf("ContainerByName(%q) = %+v, %v", spec.Name, got, err)
		}
		// A prefix matches the engine's filter but is not the name.
		if _, err := rt.ContainerByName(ctx, spec.Name[:len(spec.Name)-1]); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("ContainerByName(prefix) = %v, want ErrNotFound", err)
		}
	})

	t.Run("exec", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code, err := rt.Exec(ctx, id, []string{"/topo-node", "echo", "hello", "there"}, &stdout, &stderr)
		if err != nil || code != 0 || stdout.String() != "hello there\n" || stderr.String() != "echo done\n" {
			t.Errorf("Exec = %d, %v; stdout %q stderr %q", code, err, stdout.String(), stderr.String())
		}
		code, err = rt.Exec(ctx, id, []string{"/topo-node", "exit", "3"}, nil, nil)
		if err != nil || code != 3 {
			t.Errorf("Exec exit 3 = %d, %v", code, err)
		}
		cctx, ccancel := context.WithCancel(ctx)
		ccancel()
		if _, err := rt.Exec(cctx, id, []string{"/topo-node", "echo"}, nil, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("Exec with a cancelled context = %v", err)
		}
	})

	t.Run("logs", func(t *testing.T) {
		lctx, lcancel := context.WithTimeout(ctx, 30*time.Second)
		defer lcancel()
		rc, err := rt.Logs(lctx, id, engine.LogOptions{Follow: true, Timestamps: true})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		want := map[string]bool{"standin: started as 65534": false, "standin: waiting for SIGTERM": false}
		sc := bufio.NewScanner(rc)
		for seen := 0; seen < len(want) && sc.Scan(); {
			ts, msg, _ := strings.Cut(sc.Text(), " ")
			if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
				t.Errorf("line %q has no timestamp", sc.Text())
			}
			if done, ok := want[msg]; ok && !done {
				want[msg] = true
				seen++
			}
		}
		for line, ok := range want {
			if !ok {
				t.Errorf("log line %q not seen (scan error %v)", line, sc.Err())
			}
		}
		// Closing stops a following stream.
		start := time.Now()
		rc.Close()
		if sc.Scan() {
			t.Errorf("read %q after Close", sc.Text())
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Close took %v", d)
		}

		// Without Follow the stream ends by itself.
		for _, tt := range []struct {
			opts  engine.LogOptions
			lines int
		}{
			{engine.LogOptions{Tail: "1"}, 1},
			{engine.LogOptions{}, 2},
			{engine.LogOptions{Since: time.Now().Add(time.Hour)}, 0},
		} {
			rc, err := rt.Logs(ctx, id, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if n := strings.Count(string(b), "\n"); err != nil || n != tt.lines {
				t.Errorf("Logs(%+v) = %q, %v; want %d lines", tt.opts, b, err, tt.lines)
			}
		}
		if _, err := rt.Logs(ctx, name+"-nonexistent", engine.LogOptions{}); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("Logs of a missing container: %v, want ErrNotFound", err)
		}
	})

	t.Run("duplicate name", func(t *testing.T) {
		_, err := rt.CreateContainer(ctx, spec)
		if !errors.Is(err, engine.ErrConflict) {
			t.Errorf("duplicate name: %v, want ErrConflict", err)
		}
	})

	t.Run("missing image", func(t *testing.T) {
		s := spec
		s.Name = name + "-missing"
		s.Image = "topo-missing-image:nope"
		_, err := rt.CreateContainer(ctx, s)
		if !errors.Is(err, engine.ErrNotFound) || !strings.Contains(err.Error(), s.Image) {
			t.Errorf("missing image: %v, want ErrNotFound naming the image", err)
		}
	})

	t.Run("bad attachments", func(t *testing.T) {
		s := spec
		s.Name = name + "-bad"
		tests := []struct {
			name string
			atts []engine.NetworkAttachment
			want error
		}{
			{"missing network", []engine.NetworkAttachment{{Network: netA, IP: ipA.Next()}, {Network: name + "-nonexistent", IP: ipB}}, engine.ErrNotFound},
			{"same network twice", []engine.NetworkAttachment{{Network: netA, IP: ipA.Next()}, {Network: netA, IP: ipA.Next().Next()}}, nil},
			{"address outside", []engine.NetworkAttachment{{Network: netA, IP: ipB}}, nil},
		}
		for _, tt := range tests {
			s.Network = tt.atts
			_, err := rt.CreateContainer(ctx, s)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			}
			if got, err := rt.ContainerByName(ctx, s.Name); !errors.Is(err, engine.ErrNotFound) {
				t.Errorf("%s: container left: %+v, %v", tt.name, got, err)
			}
		}
	})

	t.Run("network in use", func(t *testing.T) {
		if err := rt.RemoveNetwork(ctx, netA); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("RemoveNetwork in use: %v, want ErrConflict", err)
		}
	})

	if err := rt.RemoveContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := rt.RemoveContainer(ctx, id); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("RemoveContainer twice: %v, want ErrNotFound", err)
	}
	if err := rt.RemoveNetwork(ctx, netA); err != nil {
		t.Error(err)
	}
	if err := rt.RemoveNetwork(ctx, netA); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("RemoveNetwork twice: %v, want ErrNotFound", err)
	}
	if _, err := rt.Exec(ctx, id, []string{"true"}, nil, nil); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("Exec in a removed container: %v, want ErrNotFound", err)
	}
}

// TestIntegrationLogLimit: every container topo creates keeps a bounded
// log, rotated, whatever the engine's default.
func TestIntegrationLogLimit(t *testing.T) {
	rt := livetest.Runtime(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ref := ensureImage(t, rt)
	name := livetest.Name(t, "logs")
	cleanupTopology(t, rt, name)
	id, err := rt.CreateContainer(ctx, engine.ContainerSpec{Name: name + "-n", Image: ref, Labels: map[string]string{engine.LabelTopology: name}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("docker", "inspect", "-f", "{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config \"max-size\"}} {{index .HostConfig.LogConfig.Config \"max-file\"}}", id).CombinedOutput()
	if err != nil {
		t.Fatalf("docker inspect: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "json-file 10m 3" {
		t.Errorf("log config %q, want json-file 10m 3", got)
	}
}

// TestIntegrationConcurrentRemove: two removals of one container at once
// (down, and a helper that removes itself) both end well: the engine tells
// the second "removal already in progress", which means gone.
func TestIntegrationConcurrentRemove(t *testing.T) {
	rt := livetest.Runtime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ref := ensureImage(t, rt)
	name := livetest.Name(t, "rm")
	cleanupTopology(t, rt, name)
	for i := range 5 {
		id, err := rt.CreateContainer(ctx, engine.ContainerSpec{Name: fmt.Sprintf("%s-%d", name, i), Image: ref,
			Cmd: []string{"/topo-node", "idle"}, Labels: map[string]string{engine.LabelTopology: name}})
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.StartContainer(ctx, id); err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- rt.RemoveContainer(ctx, id) }()
		}
		for range 2 {
			if err := <-errs; err != nil && !errors.Is(err, engine.ErrNotFound) {
				t.Errorf("concurrent removal of %s: %v", id, err)
			}
		}
	}
}
