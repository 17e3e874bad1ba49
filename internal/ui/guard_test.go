package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// engineOf is several running topologies as the server asks of topo. Like
// the engine's label filter, an empty name matches every topology; it
// records which topologies each action reached.
type engineOf struct {
	quietSource
	plans map[string]*topology.Plan
	mu    sync.Mutex
	acted []string // "send a"; "send *" for every topology
}

func newEngineOf(t *testing.T, names ...string) *engineOf {
	e := &engineOf{plans: map[string]*topology.Plan{}}
	for _, n := range names {
		p := plan(t, "layout: star\nnodes: 3\n")
		p.Name = n
		e.plans[n] = p
	}
	return e
}

func (e *engineOf) List(context.Context) ([]orchestrator.TopologyInfo, error) {
	var out []orchestrator.TopologyInfo
	for _, p := range e.plans {
		out = append(out, orchestrator.TopologyInfo{Name: p.Name, Layout: string(p.Layout), Nodes: len(p.Nodes)})
	}
	slices.SortFunc(out, func(a, b orchestrator.TopologyInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (e *engineOf) AppliedPlan(_ context.Context, name string) (*topology.Plan, error) {
	if name == "" {
		for _, p := range e.plans {
			return p, nil
		}
	}
	if p := e.plans[name]; p != nil {
		return p, nil
	}
	return nil, orchestrator.ErrNoTopology
}

func (e *engineOf) act(verb, name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if name == "" {
		name = "*"
	} else if e.plans[name] == nil {
		return orchestrator.ErrNoTopology
	}
	e.acted = append(e.acted, verb+" "+name)
	return nil
}

func (e *engineOf) took() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.acted
	e.acted = nil
	return out
}

func (e *engineOf) Send(_ context.Context, name string, o orchestrator.SendOptions) (*agent.Receipt, error) {
	return &agent.Receipt{From: o.From, To: o.To, Delivered: true}, e.act("send", name)
}

func (e *engineOf) Link(_ context.Context, name string, _ orchestrator.LinkOptions) ([]orchestrator.Fault, error) {
	return nil, e.act("link", name)
}

func (e *engineOf) Partition(_ context.Context, name string, _ [][]string) ([]orchestrator.Fault, error) {
	return nil, e.act("partition", name)
}

func (e *engineOf) Heal(_ context.Context, name string) ([]orchestrator.Fault, error) {
	return nil, e.act("heal", name)
}

func (e *engineOf) Capture(_ context.Context, name string, _ orchestrator.CaptureOptions, out io.Writer, _ func(orchestrator.CapturePoint)) (*agent.CaptureSummary, error) {
	if err := e.act("capture", name); err != nil {
		return nil, err
	}
	_, err := io.WriteString(out, "PCAPNG")
	return &agent.CaptureSummary{}, err
}

func (e *engineOf) NodeAction(_ context.Context, name string, _ orchestrator.NodeActionOptions) error {
	return e.act("node", name)
}

// do sends one request to h, as from host, and answers its status.
func do(h http.Handler, method, target, host, origin, body string) *httptest.ResponseRecorder {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	if strings.HasPrefix(target, "/api/stream") {
		// A stream that opens ends at once: its page has gone already.
		ctx, cancel := context.WithCancel(r.Context())
		cancel()
		r = r.WithContext(ctx)
	}
	r.Host = "localhost:7070"
	if host != "" {
		r.Host = host
	}
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestHostHeader: the server answers only requests addressed to a loopback
// name or to the address it listens on, so that a page whose own name
// rebinds to this address (DNS rebinding) cannot drive it.
func TestHostHeader(t *testing.T) {
	e := newEngineOf(t, "a")
	for _, tc := range []struct {
		addr, host string
		want       int
	}{
		{"127.0.0.1:7070", "127.0.0.1:7070", 200},
		{"127.0.0.1:7070", "localhost:7070", 200},
		{"127.0.0.1:7070", "[::1]:7070", 200},
		{"127.0.0.1:7070", "evil.example:7070", 421},
		{"127.0.0.1:7070", "rebind.evil.example", 421},
		{"192.0.2.5:7070", "192.0.2.5:7070", 200},
		{"192.0.2.5:7070", "192.0.2.6:7070", 421},
		{"192.0.2.5:7070", "evil.example:7070", 421},
		{"0.0.0.0:7070", "192.0.2.7:7070", 200},
		{"0.0.0.0:7070", "evil.example:7070", 421},
		{"", "localhost", 200},
		{"", "evil.example", 421},
	} {
		h := New(e, Options{Addr: tc.addr, Token: "k"}).Handler()
		for _, path := range []string{"/", "/api/topologies?token=k"} {
			if got := do(h, "GET", path, tc.host, "", "").Code; got != tc.want {
				t.Errorf("listening on %q, GET %s for Host %q: %d, want %d", tc.addr, path, tc.host, got, tc.want)
			}
		}
	}
	h := New(e, Options{Addr: "127.0.0.1:7070"}).Handler()
	if w := do(h, "POST", "/api/send", "evil.example:7070", "", `{"t":"a"}`); w.Code != 421 || len(e.took()) != 0 {
		t.Errorf("a send for Host evil.example: %d, want 421 and nothing sent", w.Code)
	}
}

// TestTokenGuardsEverything: beyond loopback, what the server shows, its
// stream and its actions all need the token; the page's own files do not,
// since they hold nothing of any topology.
func TestTokenGuardsEverything(t *testing.T) {
	e := newEngineOf(t, "a", "b")
	h := New(e, Options{Addr: "0.0.0.0:7070", Token: "k"}).Handler()
	host := "192.0.2.7:7070"
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/topologies", ""},
		{"GET", "/api/topology?t=a", ""},
		{"GET", "/api/stream?t=a", ""},
		{"GET", "/api/capture?t=a&a=hub&b=spoke1&seconds=1", ""},
		{"POST", "/api/send", `{"t":"a","from":"hub","to":"spoke1"}`},
		{"POST", "/api/link", `{"t":"a","a":"hub","b":"spoke1","down":true}`},
		{"POST", "/api/partition", `{"t":"a"}`},
		{"POST", "/api/node", `{"t":"a","action":"stop","node":"hub"}`},
	} {
		for _, tok := range []string{"", "?token=wrong", "&token=wrong"} {
			path := tc.path
			if tok != "" && strings.Contains(path, "?") != (tok[0] == '&') {
				continue
			}
			if w := do(h, tc.method, path+tok, host, "", tc.body); w.Code != 403 {
				t.Errorf("%s %s without the token: %d %s, want 403", tc.method, path+tok, w.Code, w.Body)
			}
		}
	}
	if acted := e.took(); len(acted) != 0 {
		t.Errorf("acted without the token: %v", acted)
	}
	for _, path := range []string{"/api/topologies?token=k", "/api/topology?t=a&token=k", "/", "/app.js"} {
		if w := do(h, "GET", path, host, "", ""); w.Code != 200 {
			t.Errorf("GET %s: %d %s, want 200", path, w.Code, w.Body)
		}
	}
	if w := do(h, "POST", "/api/send?token=k", host, "", `{"t":"a","from":"hub","to":"spoke1"}`); w.Code != 200 {
		t.Errorf("a send with the token: %d %s", w.Code, w.Body)
	}
	if acted := e.took(); !slices.Equal(acted, []string{"send a"}) {
		t.Errorf("with the token: acted %v, want [send a]", acted)
	}
}

// TestScope: a server started for one topology (-t A) shows and acts on
// A alone, whatever a request names; a server for none never takes an
// empty name, which would reach every topology.
func TestScope(t *testing.T) {
	e := newEngineOf(t, "a", "b")
	scoped := New(e, Options{Topology: "a"}).Handler()
	open := New(e, Options{}).Handler()
	for _, tc := range []struct {
		name       string
		h          http.Handler
		method     string
		path, body string
		want       int
		acted      []string
	}{
		{"-t a, a plan of b", scoped, "GET", "/api/topology?t=b", "", 404, nil},
		{"-t a, a stream of b", scoped, "GET", "/api/stream?t=b", "", 404, nil},
		{"-t a, a send on b", scoped, "POST", "/api/send", `{"t":"b","from":"hub","to":"spoke1"}`, 404, nil},
		{"-t a, a link on b", scoped, "POST", "/api/link", `{"t":"b","a":"hub","b":"spoke1"}`, 404, nil},
		{"-t a, a partition of b", scoped, "POST", "/api/partition", `{"t":"b","groups":[["hub"]]}`, 404, nil},
		{"-t a, a node of b", scoped, "POST", "/api/node", `{"t":"b","action":"stop","node":"hub"}`, 404, nil},
		{"-t a, a send naming none", scoped, "POST", "/api/send", `{"from":"hub","to":"spoke1"}`, 200, []string{"send a"}},
		{"-t a, a heal naming none", scoped, "POST", "/api/partition", `{}`, 200, []string{"heal a"}},
		{"-t a, a send naming a", scoped, "POST", "/api/send", `{"t":"a","from":"hub","to":"spoke1"}`, 200, []string{"send a"}},
		{"no -t, a plan naming none", open, "GET", "/api/topology", "", 400, nil},
		{"no -t, a stream naming none", open, "GET", "/api/stream", "", 400, nil},
		{"no -t, a send naming none", open, "POST", "/api/send", `{"from":"hub","to":"spoke1"}`, 400, nil},
		{"no -t, a heal naming none", open, "POST", "/api/partition", `{}`, 400, nil},
		{"no -t, a link naming none", open, "POST", "/api/link", `{"a":"hub","b":"spoke1","down":true}`, 400, nil},
		{"no -t, a node naming none", open, "POST", "/api/node", `{"action":"stop","node":"hub"}`, 400, nil},
		{"no -t, a send on b", open, "POST", "/api/send", `{"t":"b","from":"hub","to":"spoke1"}`, 200, []string{"send b"}},
	} {
		w := do(tc.h, tc.method, tc.path, "", "", tc.body)
		if acted := e.took(); w.Code != tc.want || !slices.Equal(acted, tc.acted) {
			t.Errorf("%s: %d %s, acted %v; want %d, acted %v", tc.name, w.Code, strings.TrimSpace(w.Body.String()), acted, tc.want, tc.acted)
		}
	}
	w := do(scoped, "GET", "/api/topology", "", "", "")
	var v struct{ Plan struct{ Name string } }
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || v.Plan.Name != "a" {
		t.Errorf("-t a, the plan of no name: %d %.100s, want a's", w.Code, w.Body)
	}
	var ts []orchestrator.TopologyInfo
	w = do(scoped, "GET", "/api/topologies", "", "", "")
	if err := json.Unmarshal(w.Body.Bytes(), &ts); err != nil || len(ts) != 1 || ts[0].Name != "a" {
		t.Errorf("-t a lists %s, want a alone", w.Body)
	}
}

// openStream opens a stream from the local address from (127.0.0.x) and
// answers its status; a stream that opened stays open until the test ends.
func openStream(t *testing.T, url, from, origin string) int {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	req, _ := http.NewRequest("GET", url, nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != 200 {
		r.Body.Close()
	} else {
		t.Cleanup(func() { r.Body.Close() })
	}
	return r.StatusCode
}

// TestStreamLimits: nobody can lock the token holder out by opening
// streams: without the token a stream is refused before it counts, a
// foreign page's is refused, and the bound is per client.
func TestStreamLimits(t *testing.T) {
	e := newEngineOf(t, "a")
	us := New(e, Options{Token: "k", Addr: "127.0.0.1:0", MaxPages: 2})
	srv := httptest.NewServer(us.Handler())
	t.Cleanup(func() { us.Close(); srv.Close() })
	for range 8 {
		if code := openStream(t, srv.URL+"/api/stream?t=a", "127.0.0.3", ""); code != 403 {
			t.Errorf("a stream without the token: %d, want 403", code)
		}
		if code := openStream(t, srv.URL+"/api/stream?t=a&token=k", "127.0.0.3", "http://evil.example"); code != 403 {
			t.Errorf("a stream from another site's page: %d, want 403", code)
		}
	}
	for i := range 3 {
		want := 200
		if i == 2 {
			want = 503
		}
		if code := openStream(t, srv.URL+"/api/stream?t=a&token=k", "127.0.0.2", ""); code != want {
			t.Errorf("stream %d of 127.0.0.2, bound 2: %d, want %d", i+1, code, want)
		}
	}
	if code := openStream(t, srv.URL+"/api/stream?t=a&token=k", "127.0.0.1", ""); code != 200 {
		t.Errorf("the owner's stream while others hold theirs: %d, want 200", code)
	}
}

// TestServerTimeouts: a client that sends its request slowly or keeps an
// idle connection is cut off, while a stream outlives the read timeout.
func TestServerTimeouts(t *testing.T) {
	e := newEngineOf(t, "a")
	us := New(e, Options{})
	us.timeouts = timeouts{readHeader: 200 * time.Millisecond, read: 300 * time.Millisecond, idle: 300 * time.Millisecond,
		answer: time.Minute, stream: time.Minute}
	srv := us.HTTPServer()
	if srv.WriteTimeout != 0 {
		t.Errorf("WriteTimeout %v: it would cut every stream", srv.WriteTimeout)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { us.Close(); srv.Close() })
	addr := ln.Addr().String()
	for name, req := range map[string]string{
		"half a header":      "GET / HTTP/1.1\r\nHost: " + addr + "\r\n",
		"half a body":        "POST /api/send HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
		"an idle connection": "GET /style.css HTTP/1.1\r\nHost: " + addr + "\r\n\r\n",
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(c, req)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second)) // the test's own bound, far beyond the server's
		_, err = io.ReadAll(c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("%s: the server kept the connection", name)
		}
		c.Close()
	}
	// The stream sends an error every second (quietSource has no status):
	// three of them span several read timeouts.
	r, err := http.Get("http://" + addr + "/api/stream?t=a")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	sc := bufio.NewScanner(r.Body)
	events := 0
	for events < 3 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: ") {
			events++
		}
	}
	if events < 3 {
		t.Errorf("the stream ended after %d events: %v", events, sc.Err())
	}
}
