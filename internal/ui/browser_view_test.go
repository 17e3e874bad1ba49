package ui_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/internal/ui"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topotest"
)

// alsoRunning is the engine as the server sees it, with one more topology
// listed, so that the page has several to pick from whatever else runs.
type alsoRunning struct{ ui.Orchestrator }

func (a alsoRunning) List(ctx context.Context) ([]orchestrator.TopologyInfo, error) {
	ts, err := a.Orchestrator.List(ctx)
	return append(ts, orchestrator.TopologyInfo{Name: "elsewhere", Layout: "ring", Nodes: 3}), err
}

// serveWith runs topo ui's server with opts and answers its root URL.
func serveWith(t *testing.T, o ui.Orchestrator, opts ui.Options) string {
	t.Helper()
	us := ui.New(o, opts)
	srv := httptest.NewServer(us.Handler())
	t.Cleanup(func() { us.Close(); srv.Close() })
	return srv.URL + "/"
}

// ownImageStar is a star whose node names are its own, with one node that
// runs a user's own image (busybox).
func ownImageStar(t *testing.T, image string) string {
	t.Helper()
	src := fmt.Sprintf("layout: star\nnodes:\n  - {name: core, role: hub}\n  - edge1\n  - edge2\n"+
		"  - {name: box, image: %q, command: [/bin/busybox, sleep, \"3600\"]}\n", image)
	file := filepath.Join(t.TempDir(), "view.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// poll waits for a condition on the page, and says which one failed.
func poll(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// TestIntegrationBrowserLiveView, on one topology: the picker shows no
// forms; a server started for one topology (-t) shows it at /, with
// several running; the legend; a node running its own image is drawn
// apart; counters are a table; faults made elsewhere than the page are
// listed; the partition example names this topology's nodes.
func TestIntegrationBrowserLiveView(t *testing.T) {
	livetest.Require(t)
	image := livetest.Busybox(t, livetest.Runtime(t))
	top := topotest.Up(t, ownImageStar(t, image), topotest.WithName(livetest.Name(t, "view")))
	o := alsoRunning{top.Orchestrator()}
	ctx := browser(t)

	// Several run, no -t: the picker alone.
	if err := chromedp.Do(ctx, chromedp.Navigate(serveWith(t, o, ui.Options{})), chromedp.WaitVisible(`#pick`)); err != nil {
		t.Fatal(err)
	}
	if shown := eval[[]string](t, ctx, `["send", "partition", "view"].filter((id) => document.getElementById(id).getClientRects().length > 0)`); len(shown) != 0 {
		t.Errorf("the picker shows %v, want none of the topology's forms", shown)
	}

	// -t NAME, several running: / shows NAME.
	if err := chromedp.Do(ctx, chromedp.Navigate(serveWith(t, o, ui.Options{Topology: top.Name})),
		chromedp.WaitVisible(`.node[data-name="box"]`)); err != nil {
		t.Fatalf("-t %s at /: %v", top.Name, err)
	}
	if title := eval[string](t, ctx, `document.getElementById("title").textContent`); title != top.Name {
		t.Errorf("-t %s at /: title %q", top.Name, title)
	}
	keys := eval[[]string](t, ctx, `[...document.querySelectorAll("#legend li")].filter((li) => li.getClientRects().length > 0).map((li) => li.dataset.key)`)
	for _, want := range []string{"ready", "down", "own", "token", "message", "cut", "drop"} {
		if !strings.Contains(" "+strings.Join(keys, " ")+" ", " "+want+" ") {
			t.Errorf("the legend shows %v, want %q among them", keys, want)
		}
	}
	if got := eval[string](t, ctx, `[...document.querySelectorAll("#nodes .node")].map((g) => g.dataset.name + ":" + g.classList.contains("own") + ":" + g.querySelector(".shape").tagName).join(" ")`); got != "core:false:circle edge1:false:circle edge2:false:circle box:true:rect" {
		t.Errorf("nodes drawn as %q, want box (its own image) apart", got)
	}
	placeholder := eval[string](t, ctx, `document.getElementById("groups").placeholder`)
	for _, w := range strings.FieldsFunc(placeholder, func(r rune) bool { return r == ' ' || r == ',' }) {
		if _, ok := top.Plan.Node(w); !ok {
			t.Errorf("the partition example %q names %q, not a node of this topology", placeholder, w)
		}
	}
	if placeholder == "" {
		t.Error("no partition example")
	}

	// Counters as a table.
	if err := chromedp.Do(ctx, chromedp.Click(`.node[data-name="core"] .shape`)); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "core's counters as a table", `[...document.querySelectorAll("#panel-counters tr")].some((tr) => tr.cells[0].textContent === "delivered")`)

	// Faults made elsewhere than the page: a link cut by topo, a node stopped.
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := top.Orchestrator().Link(c, top.Name, orchestrator.LinkOptions{A: "core", B: "edge1", Down: true}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the cut link in the faults in force", `(() => { const s = document.getElementById("faults-list").textContent;
		return s.includes("core") && s.includes("edge1") && s.includes("down"); })()`)
	if err := top.Orchestrator().NodeAction(c, top.Name, orchestrator.NodeActionOptions{Action: engine.ActionStop, Nodes: []string{"box"}}); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, "the stopped node in the faults in force", `document.getElementById("faults-list").textContent.includes("box")`)
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	checkScreenshot(t, shot, "view.png")
}
