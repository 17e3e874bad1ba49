package ui

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// fakeTopo is one running topology, as the server asks of topo.
type fakeTopo struct {
	quietSource
	plan              *topology.Plan
	sends             int
	partitions, heals int
}

func (f *fakeTopo) List(context.Context) ([]orchestrator.TopologyInfo, error) {
	return []orchestrator.TopologyInfo{{Name: f.plan.Name, Layout: string(f.plan.Layout), Nodes: len(f.plan.Nodes)}}, nil
}

func (f *fakeTopo) AppliedPlan(_ context.Context, name string) (*topology.Plan, error) {
	if name != f.plan.Name {
		return nil, orchestrator.ErrNoTopology
	}
	return f.plan, nil
}

func (f *fakeTopo) Send(_ context.Context, _ string, o orchestrator.SendOptions) (*agent.Receipt, error) {
	f.sends++
	return &agent.Receipt{From: o.From, To: o.To, Delivered: true, Path: []string{o.From, "hub", o.To}}, nil
}

func (f *fakeTopo) Link(context.Context, string, orchestrator.LinkOptions) ([]orchestrator.Fault, error) {
	return nil, errors.New("no link")
}

func (f *fakeTopo) NodeAction(context.Context, string, orchestrator.NodeActionOptions) error {
	return nil
}

func (f *fakeTopo) Partition(_ context.Context, _ string, groups [][]string) ([]orchestrator.Fault, error) {
	f.partitions++
	return []orchestrator.Fault{{Kind: orchestrator.FaultPartition, Groups: groups}}, nil
}

func (f *fakeTopo) Heal(context.Context, string) ([]orchestrator.Fault, error) {
	f.heals++
	return nil, nil
}

// TestServer: the page and its assets are served from the binary; the
// drawing of a topology; actions take the token when the server has one,
// and a bounded body; an unknown topology is a 404.
func TestServer(t *testing.T) {
	f := &fakeTopo{plan: plan(t, "layout: star\nnodes: 3\n")}
	srv := httptest.NewServer(New(f, Options{Token: "s3cret"}).Handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		r, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, r.Body)
		return r.StatusCode, b.String()
	}
	post := func(path, body string) int {
		r, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	for path, want := range map[string]string{"/": "<svg id=\"view\"", "/app.js": "EventSource", "/style.css": ".edge"} {
		if code, body := get(path); code != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, want 200 with %q", path, code, want)
		}
	}
	if code, body := get("/api/topology?token=s3cret&t=" + f.plan.Name); code != 200 || !strings.Contains(body, `"drawing"`) || !strings.Contains(body, `"hub":{"x":500,"y":350}`) {
		t.Errorf("GET /api/topology: %d %s", code, body)
	}
	if code, _ := get("/api/topology?token=s3cret&t=nosuch"); code != 404 {
		t.Errorf("an unknown topology: %d, want 404", code)
	}
	send := `{"t":"test","from":"spoke1","to":"spoke2","text":"hi"}`
	if code := post("/api/send", send); code != 403 || f.sends != 0 {
		t.Errorf("a send without the token: %d, %d sends; want 403 and none", code, f.sends)
	}
	if code := post("/api/send?token=s3cret", send); code != 200 || f.sends != 1 {
		t.Errorf("a send with the token: %d, %d sends", code, f.sends)
	}
	if code := post("/api/send?token=s3cret", `{"text":"`+strings.Repeat("x", maxBody)+`"}`); code != 400 {
		t.Errorf("an oversized body: %d, want 400", code)
	}
	// Another site's page cannot act through the browser.
	for _, h := range []map[string]string{{"Content-Type": "text/plain"}, {"Content-Type": "application/json", "Origin": "http://evil.example"}} {
		req, _ := http.NewRequest("POST", srv.URL+"/api/send?token=s3cret", strings.NewReader(send))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode < 400 || f.sends != 1 {
			t.Errorf("a send with %v: %d, %d sends; want it refused", h, r.StatusCode, f.sends)
		}
	}
	if code := post("/api/link?token=s3cret", `{"t":"test","a":"hub","b":"spoke1","down":true}`); code != 500 {
		t.Errorf("a failing action: %d, want 500", code)
	}
	post("/api/partition?token=s3cret", `{"t":"test","groups":[["hub","spoke1"]]}`)
	post("/api/partition?token=s3cret", `{"t":"test"}`)
	if f.partitions != 1 || f.heals != 1 {
		t.Errorf("partition then heal from the page: %d partitions, %d heals", f.partitions, f.heals)
	}
}
