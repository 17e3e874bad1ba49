package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

func TestSentinelFor(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"not found", fmt.Errorf("No such container: x: %w", cerrdefs.ErrNotFound), engine.ErrNotFound},
		{"conflict", fmt.Errorf("name in use: %w", cerrdefs.ErrConflict), engine.ErrConflict},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), engine.ErrUnreachable},
		{"no socket", fmt.Errorf("dial: %w", syscall.ENOENT), engine.ErrUnreachable},
		{"canceled", fmt.Errorf("post: %w", context.Canceled), nil},
		{"other", errors.New("no such file or directory in the container"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sentinelFor(tt.err); got != tt.want {
				t.Errorf("sentinelFor(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestNetworkSentinel(t *testing.T) {
	tests := []struct {
		msg  string
		want error
	}{
		{"Error response from daemon: Pool overlaps with other one on this address space", engine.ErrOverlap},
		{"invalid pool request: Pool overlaps with other one on this address space", engine.ErrOverlap},
		{"Error response from daemon: network with name x already exists", engine.ErrConflict},
		{"Error response from daemon: something else", nil},
	}
	for _, tt := range tests {
		if got := networkSentinel(errors.New(tt.msg)); got != tt.want {
			t.Errorf("networkSentinel(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
}

func TestEngineError(t *testing.T) {
	cause := fmt.Errorf("No such image: x: %w", cerrdefs.ErrNotFound)
	err := wrap(`create container "a"`, cause)
	if !errors.Is(err, engine.ErrNotFound) || !errors.Is(err, cause) {
		t.Errorf("%v: does not match both the sentinel and the cause", err)
	}
	if got, want := err.Error(), `create container "a": No such image: x: not found`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if wrap("op", nil) != nil {
		t.Error("wrap(nil) is not nil")
	}
}

func TestIsUnreachable(t *testing.T) {
	for _, msg := range []string{
		"Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?",
		"dial unix /var/run/docker.sock: connect: permission denied",
	} {
		if !isUnreachable(errors.New(msg)) {
			t.Errorf("isUnreachable(%q) = false", msg)
		}
	}
	if isUnreachable(errors.New("Error response from daemon: boom")) {
		t.Error("an engine response counts as unreachable")
	}
}

func TestPingError(t *testing.T) {
	const tail = ": start the Docker daemon, give this user access to its socket (e.g. the docker group), or set DOCKER_HOST to an engine that runs"
	sdk := func(host string) error {
		return fmt.Errorf("Cannot connect to the Docker daemon at %s. Is the docker daemon running?", host)
	}
	sock := filepath.Join(t.TempDir(), "docker.sock")
	if err := os.WriteFile(sock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		c       Client
		err     error
		want    string
		unreach bool
	}{
		{"no socket", Client{host: "unix:///nonexistent/docker.sock"}, sdk("unix:///nonexistent/docker.sock"),
			"cannot reach the Docker engine at unix:///nonexistent/docker.sock (no socket there)" + tail, true},
		{"refused, from DOCKER_HOST", Client{host: "tcp://127.0.0.1:1", fromEnv: true}, sdk("tcp://127.0.0.1:1"),
			"cannot reach the Docker engine at DOCKER_HOST=tcp://127.0.0.1:1 (nothing answers)" + tail, true},
		{"socket, nobody listening", Client{host: "unix://" + sock}, sdk("unix://" + sock),
			"cannot reach the Docker engine at unix://" + sock + " (nothing answers)" + tail, true},
		{"permission", Client{host: "unix:///var/run/docker.sock"},
			errors.New("permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: dial unix /var/run/docker.sock: connect: permission denied"),
			"cannot reach the Docker engine at unix:///var/run/docker.sock (permission denied)" + tail, true},
		{"other connection error", Client{host: "tcp://nohost:2375"}, fmt.Errorf("error during connect:\n dial tcp: %w", syscall.ECONNREFUSED),
			"cannot reach the Docker engine at tcp://nohost:2375 (error during connect: dial tcp: connection refused)" + tail, true},
		{"engine answers badly", Client{host: "unix:///x.sock"}, errors.New("Error response from daemon: boom"),
			"ping docker engine: Error response from daemon: boom", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.pingError(tt.err)
			if got := err.Error(); got != tt.want {
				t.Errorf("message\n%s\nwant\n%s", got, tt.want)
			}
			if errors.Is(err, engine.ErrUnreachable) != tt.unreach || !errors.Is(err, tt.err) {
				t.Errorf("%v: matches ErrUnreachable %v (want %v), the cause %v", err, errors.Is(err, engine.ErrUnreachable), tt.unreach, errors.Is(err, tt.err))
			}
		})
	}
}

func TestContainerConfigHardened(t *testing.T) {
	spec := engine.ContainerSpec{
		Name:    "star-hub",
		Image:   "topo-node:abc",
		Cmd:     []string{"run"},
		Env:     []string{"A=1"},
		Labels:  map[string]string{engine.LabelTopology: "star"},
		Network: []engine.NetworkAttachment{{Network: "star-a", IP: netip.MustParseAddr("10.1.0.2")}, {Network: "star-b", IP: netip.MustParseAddr("10.1.0.10")}},
	}
	orchestrator.Harden(&spec)
	spec.PidsLimit = 100
	spec.CapAdd = []string{"NET_ADMIN"}
	cfg, host, nets := containerConfig(spec)
	if cfg.User != "65534:65534" || cfg.Hostname != "star-hub" || cfg.Image != spec.Image {
		t.Errorf("config = %+v", cfg)
	}
	if !host.ReadonlyRootfs || !slices.Equal(host.CapDrop, []string{"ALL"}) ||
		!slices.Equal(host.CapAdd, []string{"NET_ADMIN"}) ||
		!slices.Equal(host.SecurityOpt, []string{"no-new-privileges"}) ||
		host.Tmpfs["/run/topo"] != "rw,noexec,nosuid,size=1m,uid=65534,gid=65534" {
		t.Errorf("host config not hardened: %+v", host)
	}
	if host.Memory != 64<<20 || host.PidsLimit == nil || *host.PidsLimit != 100 {
		t.Errorf("limits: memory %d pids %v", host.Memory, host.PidsLimit)
	}
	if len(host.PortBindings) != 0 || len(host.Binds) != 0 || host.Privileged {
		t.Errorf("exposes the host: %+v", host)
	}
	if host.NetworkMode != "star-a" || len(nets.EndpointsConfig) != 1 ||
		nets.EndpointsConfig["star-a"].IPAMConfig.IPv4Address != "10.1.0.2" {
		t.Errorf("first network: mode %q, endpoints %+v", host.NetworkMode, nets.EndpointsConfig)
	}
}

func TestContainerConfigPlain(t *testing.T) {
	cfg, host, nets := containerConfig(engine.ContainerSpec{Name: strings.Repeat("n", 80), Image: "alpine"})
	if cfg.User != "" || host.ReadonlyRootfs || host.CapDrop != nil || host.PidsLimit != nil {
		t.Errorf("plain container hardened: %+v %+v", cfg, host)
	}
	if len(cfg.Hostname) != 63 {
		t.Errorf("hostname length %d, want 63", len(cfg.Hostname))
	}
	if host.NetworkMode != "none" || nets != nil {
		t.Errorf("no networks: mode %q, %+v", host.NetworkMode, nets)
	}
}

func TestLogsOptions(t *testing.T) {
	o := logsOptions(engine.LogOptions{Since: time.Unix(1700000000, 5000)})
	if o.Since != "1700000000.000005000" || o.Tail != "all" || !o.ShowStdout || !o.ShowStderr {
		t.Errorf("logsOptions = %+v", o)
	}
	o = logsOptions(engine.LogOptions{Tail: "10", Follow: true, Timestamps: true})
	if o.Since != "" || o.Tail != "10" || !o.Follow || !o.Timestamps {
		t.Errorf("logsOptions = %+v", o)
	}
}

func TestLineWriter(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	a := &lineWriter{mu: &mu, w: &out}
	b := &lineWriter{mu: &mu, w: &out}
	a.Write([]byte("out one\nout t"))
	b.Write([]byte("err one\n"))
	a.Write([]byte("wo\n"))
	b.Write([]byte("err tail"))
	a.Flush()
	b.Flush()
	if got, want := out.String(), "out one\nerr one\nout two\nerr tail\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A hung engine: the call ends at the caller's deadline, however far the
// per-call timeout is, or at the per-call timeout when there is none, and
// the error names the call.
func TestHungEngine(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	var conns []net.Conn
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // read nothing, answer nothing
			mu.Unlock()
		}
	}()
	for _, tc := range []struct {
		name     string
		call     time.Duration
		deadline time.Duration
	}{
		{"the command's deadline, past the call's timeout", 100 * time.Millisecond, 600 * time.Millisecond},
		{"the call's timeout, without a deadline", 300 * time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(context.Background(), WithHost("tcp://"+l.Addr().String()), WithoutPing(), WithCallTimeout(tc.call))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			done := make(chan error, 1)
			start := time.Now()
			go func() { _, err := c.ListNetworks(ctx, nil); done <- err }()
			select {
			case err := <-done:
				if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "list networks: the Docker engine did not answer in time") {
					t.Errorf("a hung call: %v", err)
				}
				if d := time.Since(start); tc.deadline > 0 && d < tc.deadline-50*time.Millisecond {
					t.Errorf("the call gave up after %v, before the command's deadline of %v", d, tc.deadline)
				}
			case <-time.After(time.Minute):
				t.Fatal("a hung call outlived its deadline by a minute")
			}
		})
	}
}

func TestContainerConfigRouting(t *testing.T) {
	_, host, _ := containerConfig(engine.ContainerSpec{Name: "n", Image: "x",
		Sysctls: map[string]string{"net.ipv4.ip_forward": "1"}, ExtraHosts: []string{"b:10.0.0.3"}})
	if host.Sysctls["net.ipv4.ip_forward"] != "1" || len(host.ExtraHosts) != 1 || host.ExtraHosts[0] != "b:10.0.0.3" {
		t.Errorf("sysctls %v, hosts %v", host.Sysctls, host.ExtraHosts)
	}
	cfg, host, nets := containerConfig(engine.ContainerSpec{Name: "n-routes", Image: "x", JoinNetworkOf: "star-spoke1"})
	if host.NetworkMode != "container:star-spoke1" || nets != nil || cfg.Hostname != "" {
		t.Errorf("a helper in a node's network: mode %q, nets %+v, hostname %q", host.NetworkMode, nets, cfg.Hostname)
	}
}

// TestStartRunsToItsEnd: a start, which joins the container's networks,
// is not cut off when the caller's context ends while the engine works on
// it (Docker 20.10 then loses count of the network's endpoints); a call
// that only reads is.
func TestStartRunsToItsEnd(t *testing.T) {
	served := make(chan bool, 2) // per request: whether it was cut off
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/_ping") {
			w.Header().Set("API-Version", "1.41")
			return
		}
		select {
		case <-time.After(300 * time.Millisecond):
			served <- false
		case <-r.Context().Done():
			served <- true
			return
		}
		if strings.HasSuffix(r.URL.Path, "/start") {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("[]"))
	}))
	defer srv.Close()
	c, err := New(context.Background(), WithHost("tcp://"+srv.Listener.Addr().String()), WithoutPing())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tc := range []struct {
		name string
		call func(context.Context) error
		cut  bool
	}{
		{"start", func(ctx context.Context) error { return c.StartContainer(ctx, "n1") }, false},
		{"list", func(ctx context.Context) error { _, err := c.ListNetworks(ctx, nil); return err }, true},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err := tc.call(ctx)
		cancel()
		if cut := <-served; cut != tc.cut {
			t.Errorf("%s: cut off %v, want %v (err %v)", tc.name, cut, tc.cut, err)
		}
		if !tc.cut && err != nil {
			t.Errorf("%s that the engine did: %v", tc.name, err)
		}
	}
}
