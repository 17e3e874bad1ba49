package docker_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/docker"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/internal/nodeimage"
	"github.com/topo-dev/topo/orchestrator"
)

func TestMain(m *testing.M) { livetest.Main(m, "dk") }

func TestPingUnreachable(t *testing.T) {
	for _, host := range []string{"unix:///nonexistent/docker.sock", "tcp://127.0.0.1:1"} {
		_, err := docker.New(context.Background(), docker.WithHost(host), docker.WithCallTimeout(5*time.Second))
		if !errors.Is(err, engine.ErrUnreachable) {
			t.Errorf("New(%s) = %v, want ErrUnreachable", host, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "at "+host+" (") || !strings.Contains(msg, "start the Docker daemon") || !strings.Contains(msg, "set DOCKER_HOST") {
			t.Errorf("New(%s): message does not say where and what to do: %v", host, err)
		}
		if strings.Count(strings.ToLower(msg), "daemon") != 1 || strings.Contains(msg, "\n") {
			t.Errorf("New(%s): want one line that says it once: %v", host, err)
		}
	}
}

// freeSubnetBase picks x so that 10.211.x.0/28 overlaps no network present.
func freeSubnetBase(t *testing.T, rt engine.Runtime) int {
	t.Helper()
	nets, err := rt.ListNetworks(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	start := rand.IntN(256)
	for i := range 256 {
		x := (start + i) % 256
		p := netip.MustParsePrefix(fmt.Sprintf("10.211.%d.0/28", x))
		free := true
		for _, n := range nets {
			for _, s := range n.Subnets {
				if s.Overlaps(p) {
					free = false
				}
			}
		}
		if free {
			return x
		}
	}
	t.Fatal("no free subnet in 10.211.0.0/16")
	return 0
}

// cleanupTopology removes everything labelled with topology name and then
// checks that nothing is left.
func cleanupTopology(t *testing.T, rt engine.Runtime, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		labels := map[string]string{engine.LabelTopology: name}
		cs, err := rt.ListContainers(ctx, labels)
		if err != nil {
			t.Error(err)
		}
		for _, c := range cs {
			if err := rt.RemoveContainer(ctx, c.ID); err != nil {
				t.Error(err)
			}
		}
		ns, err := rt.ListNetworks(ctx, labels)
		if err != nil {
			t.Error(err)
		}
		for _, n := range ns {
			if err := rt.RemoveNetwork(ctx, n.ID); err != nil {
				t.Error(err)
			}
		}
		cs, _ = rt.ListContainers(ctx, labels)
		ns, _ = rt.ListNetworks(ctx, labels)
		if len(cs)+len(ns) > 0 {
			t.Errorf("left behind: %d containers, %d networks labelled %s=%s", len(cs), len(ns), engine.LabelTopology, name)
		}
	})
}

// ensureImage builds a stand-in node image of the test's own, removed when
// the test ends. The runtime is under test here, not the agent, whose
// command line is its own business.
func ensureImage(t *testing.T, rt engine.Runtime) string {
	t.Helper()
	opts, _ := livetest.StandIn(t, rt)
	ref, _, err := nodeimage.Ensure(context.Background(), rt, opts)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestIntegrationImages(t *testing.T) {
	rt := livetest.Runtime(t)
	ctx := context.Background()
	ref := ensureImage(t, rt)
	ok, err := rt.ImageExists(ctx, ref)
	if err != nil || !ok {
		t.Fatalf("ImageExists(%s) = %v, %v", ref, ok, err)
	}
	ok, err = rt.ImageExists(ctx, "topo-missing-image:nope")
	if err != nil || ok {
		t.Errorf("ImageExists(missing) = %v, %v", ok, err)
	}
	list, err := rt.ListImages(ctx, map[string]string{engine.LabelImage: nodeimage.ImageKind})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, im := range list {
		for _, tag := range im.Tags {
			found = found || tag == ref
		}
	}
	if !found {
		t.Errorf("ListImages does not list %s: %+v", ref, list)
	}
	if err := rt.RemoveImage(ctx, "topo-missing-image:nope"); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("RemoveImage(missing) = %v, want ErrNotFound", err)
	}
	err = rt.BuildImage(ctx, strings.NewReader(""), []string{"topo-broken:test"}, nil)
	if err == nil {
		t.Error("BuildImage with an empty context succeeded")
	}
}

// TestIntegrationAgent runs the real agent, once it has landed, hardened on
// one segment, and talks to it with exec.
func TestIntegrationAgent(t *testing.T) {
	rt := livetest.Runtime(t)
	if m, _ := filepath.Glob(filepath.Join("..", "node", "cmd", "topo-node", "*.go")); len(m) == 0 {
		t.Skip("no agent in ./node/cmd/topo-node yet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The real agent's image is shared with the other test packages;
	// livetest.Main removes it at the very end.
	ref, _, err := nodeimage.Ensure(ctx, rt, nodeimage.Options{})
	if err != nil {
		t.Fatal(err)
	}

	name := livetest.Name(t, "agent")
	cleanupTopology(t, rt, name)
	x := freeSubnetBase(t, rt)
	seg := netip.MustParsePrefix(fmt.Sprintf("10.211.%d.0/29", x))
	labels := map[string]string{engine.LabelTopology: name}
	if _, err := rt.CreateNetwork(ctx, engine.NetworkSpec{Name: name + "-a", Subnet: seg, Labels: labels}); err != nil {
		t.Fatal(err)
	}
	ip := seg.Addr().Next().Next()
	config := fmt.Sprintf(`{"version":1,"topology":%q,"name":"solo","role":"peer","layout":"custom",`+
		`"segments":[{"name":"a","addr":%q,"subnet":%q}],"neighbors":[],"routes":{},`+
		`"traffic":{"protocol":"tcp","interval":"0s","size":0}}`, name, ip, seg)
	solo := engine.ContainerSpec{
		Name:    name + "-solo",
		Image:   ref,
		Env:     []string{"TOPO_NODE_CONFIG=" + config},
		Labels:  labels,
		Network: []engine.NetworkAttachment{{Network: name + "-a", IP: ip}},
	}
	orchestrator.Harden(&solo)
	id, err := rt.CreateContainer(ctx, solo)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code, err := rt.Exec(ctx, id, []string{"/topo-node", "ready", "--wait", "20s"}, &stdout, &stderr)
	if err != nil || code != 0 {
		logs := ""
		if rc, err := rt.Logs(ctx, id, engine.LogOptions{}); err == nil {
			b, _ := io.ReadAll(rc)
			rc.Close()
			logs = string(b)
		}
		t.Fatalf("topo-node ready = %d, %v; stdout %q stderr %q; logs:\n%s", code, err, stdout.String(), stderr.String(), logs)
	}
	stdout.Reset()
	code, err = rt.Exec(ctx, id, []string{"/topo-node", "stats"}, &stdout, &stderr)
	if err != nil || code != 0 || !strings.Contains(stdout.String(), `"solo"`) {
		t.Errorf("topo-node stats = %d, %v; stdout %q stderr %q", code, err, stdout.String(), stderr.String())
	}
}
