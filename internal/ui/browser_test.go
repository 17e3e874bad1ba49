package ui_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/internal/ui"
	"github.com/topo-dev/topo/topotest"
)

// browser starts headless Chromium (Debian's chromium, which .ci/run
// installs) for the test; without it the test is skipped, but never in CI.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the browser tests need chromium in CI (CI=true): apt-get install chromium")
		}
		t.Skip("no chromium: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1400, 800))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	return ctx
}

// serve runs topo ui's server over a live topology.
func serve(t *testing.T, top *topotest.Topology) string {
	t.Helper()
	us := ui.New(top.Orchestrator(), ui.Options{})
	srv := httptest.NewServer(us.Handler())
	t.Cleanup(func() { us.Close(); srv.Close() })
	return srv.URL + "/?t=" + top.Name
}

// TestIntegrationBrowserStar: the page draws every node of a star, and a
// message sent from the page shows its path through the hub.
func TestIntegrationBrowserStar(t *testing.T) {
	livetest.Require(t)
	top := topotest.Up(t, "../../topologies/star.yaml", topotest.WithName(livetest.Name(t, "star")))
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(serve(t, top)),
		chromedp.WaitVisible(`.node[data-name="spoke4"]`),
		chromedp.SetValue(`#send-from`, "spoke1"),
		chromedp.SetValue(`#send-to`, "spoke3"),
		chromedp.Click(`#send-go`),
	)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#nodes .node").length`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("receipt").textContent.includes(" ms")`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("no receipt on the page: %v", err)
	}
	receipt, err := chromedp.Run(ctx, chromedp.Text(`#receipt`))
	if err != nil {
		t.Fatal(err)
	}
	// A partition from the page, and heal.
	if err := chromedp.Do(ctx, chromedp.SetValue(`#groups`, "spoke1"), chromedp.Click(`#partition-go`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("faults").textContent.includes("1 fault")`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Errorf("no partition from the page: %v", err)
	}
	if st := top.Status(t); len(st.Faults) != 1 || st.Faults[0].String() != "partition spoke1 | hub,spoke2,spoke3,spoke4" {
		t.Errorf("faults after the page's partition: %v", st.Faults)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`#heal`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("faults").textContent.includes("no faults")`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Errorf("no heal from the page: %v", err)
	}
	// Clicking a node shows its panel, and its log as lines come.
	if err := chromedp.Do(ctx, chromedp.Click(`.node[data-name="hub"] circle`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("panel-log").textContent.length > 0 &&
		document.getElementById("panel-name").textContent.startsWith("hub")`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("the hub's panel shows no log: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Sleep(1500*time.Millisecond)); err != nil { // a status, and some traffic
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if nodes != 5 {
		t.Errorf("the page draws %d nodes, want the star's 5", nodes)
	}
	if !strings.Contains(receipt, "spoke1 → hub → spoke3") {
		t.Errorf("receipt on the page: %q, want the path spoke1 → hub → spoke3", receipt)
	}
	checkScreenshot(t, shot, "star.png")
}

// TestIntegrationBrowserRing: the ring's token moves on the page.
func TestIntegrationBrowserRing(t *testing.T) {
	livetest.Require(t)
	top := topotest.Up(t, "../../topologies/ring.yaml", topotest.WithName(livetest.Name(t, "ring")))
	ctx := browser(t)
	seen := map[string]bool{}
	if err := chromedp.Do(ctx, chromedp.Navigate(serve(t, top)), chromedp.WaitVisible(`.node[data-name="node5"]`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(seen) < 3 && time.Now().Before(deadline) {
		at, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.token || ""`))
		if err != nil {
			t.Fatal(err)
		}
		if at != "" {
			seen[at] = true
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(seen) < 3 {
		t.Errorf("the token was seen at %v on the page, want it moving round the ring", seen)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	checkScreenshot(t, shot, "ring.png")
}

// checkScreenshot saves the page's picture in the test's directory, or,
// with TOPO_UI_SCREENSHOTS=DIR, there (how the README's are made), and
// checks that it is not blank: a drawing has more than one colour.
func checkScreenshot(t *testing.T, shot []byte, name string) {
	t.Helper()
	dir := os.Getenv("TOPO_UI_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	colours := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, bl, a}] = true
		}
	}
	if len(colours) < 8 || b.Dx() < 800 {
		t.Errorf("screenshot %s looks blank: %d colours, %v", name, len(colours), b)
	}
}

// TestIntegrationBrowserBus: on a bus, a message's path lights the two
// drops it crosses, to and from the shared segment.
func TestIntegrationBrowserBus(t *testing.T) {
	livetest.Require(t)
	top := topotest.Up(t, "../../topologies/bus.yaml", topotest.WithName(livetest.Name(t, "bus")))
	page := serve(t, top)
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(`.node[data-name="delta"]`),
		chromedp.SetValue(`#send-from`, "alpha"),
		chromedp.SetValue(`#send-to`, "charlie"),
		chromedp.Click(`#send-go`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("receipt").textContent.includes(" ms")`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("no receipt on the page: %v", err)
	}
	lit, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#edges .edge.path")].map((e) => e.dataset.from)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(lit) != 2 || !slices.Contains(lit, "alpha") || !slices.Contains(lit, "charlie") {
		t.Errorf("edges lit for alpha → charlie on the bus: %v, want alpha's and charlie's drops", lit)
	}
}
