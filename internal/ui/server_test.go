package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

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
	captures          []orchestrator.CaptureOptions
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

// Capture writes a stand-in for a pcapng; a node named nope is not there.
func (f *fakeTopo) Capture(_ context.Context, name string, opts orchestrator.CaptureOptions, out io.Writer, _ func(orchestrator.CapturePoint)) (*agent.CaptureSummary, error) {
	if name != f.plan.Name {
		return nil, orchestrator.ErrNoTopology
	}
	f.captures = append(f.captures, opts)
	if slices.Contains(opts.Target, "nope") {
		return nil, fmt.Errorf("capture: %w \"nope\"", orchestrator.ErrNoNode)
	}
	_, err := io.WriteString(out, "PCAPNG")
	return &agent.CaptureSummary{Packets: 1}, err
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

// TestCaptureDownload: the page's capture button downloads a pcapng of
// the next seconds of a link, named after it; bad requests, another
// site's link and an unknown node are refused before anything is sent.
func TestCaptureDownload(t *testing.T) {
	f := &fakeTopo{plan: plan(t, "layout: star\nnodes: 3\n")}
	srv := httptest.NewServer(New(f, Options{}).Handler())
	defer srv.Close()
	get := func(path string, header ...string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r, string(b)
	}
	r, body := get("/api/capture?t=test&a=hub&b=spoke1&seconds=5", "Sec-Fetch-Site", "same-origin")
	if r.StatusCode != 200 || body != "PCAPNG" || r.Header.Get("Content-Type") != "application/x-pcapng" ||
		r.Header.Get("Content-Disposition") != `attachment; filename="test-hub-spoke1.pcapng"` {
		t.Errorf("a capture: %d %v %q", r.StatusCode, r.Header, body)
	}
	if len(f.captures) != 1 || !slices.Equal(f.captures[0].Target, []string{"hub", "spoke1"}) || f.captures[0].Duration != 5*time.Second {
		t.Errorf("captured %+v, want hub spoke1 for 5s", f.captures)
	}
	for _, tc := range []struct {
		path   string
		header []string
		code   int
		want   string
	}{
		{"/api/capture?t=test&a=hub&b=spoke1&seconds=0", nil, 400, "want 1 to 60"},
		{"/api/capture?t=test&a=hub&b=spoke1&seconds=61", nil, 400, "want 1 to 60"},
		{"/api/capture?t=test&a=hub&seconds=5", nil, 400, "two nodes"},
		{"/api/capture?t=test&a=hub&b=nope&seconds=5", nil, 400, `no such node \"nope\"`},
		{"/api/capture?t=other&a=hub&b=spoke1&seconds=5", nil, 404, ""},
		{"/api/capture?t=test&a=hub&b=spoke1&seconds=5", []string{"Sec-Fetch-Site", "cross-site"}, 403, "its own page only"},
	} {
		r, body := get(tc.path, tc.header...)
		if r.StatusCode != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s %v: %d %q, want %d saying %q", tc.path, tc.header, r.StatusCode, body, tc.code, tc.want)
		}
	}
	if len(f.captures) != 2 {
		t.Errorf("%d captures run; want 2 (the good one, the unknown node's)", len(f.captures))
	}
}
