package ui_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/topotest"
)

// TestIntegrationBrowserCapture: a node's panel has a capture button per
// link, which downloads a pcapng of the link's next seconds, captured
// live; the page says how much it saved.
func TestIntegrationBrowserCapture(t *testing.T) {
	livetest.Require(t)
	file := filepath.Join(t.TempDir(), "pair.yaml")
	if err := os.WriteFile(file, []byte("layout: p2p\nnodes: [a, b]\ntraffic: {protocol: udp, interval: 200ms}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	top := topotest.Up(t, file, topotest.WithName(livetest.Name(t, "capture")))
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(serve(t, top)),
		chromedp.WaitVisible(`.node[data-name="b"]`),
		chromedp.Click(`.node[data-name="a"] circle`),
	)
	if err != nil {
		t.Fatal(err)
	}
	clicked, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
		const b = [...document.querySelectorAll("#panel-actions button")].find((x) => x.textContent === "capture b 10s");
		if (b) b.click();
		return !!b;
	})()`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || !clicked {
		t.Fatalf("no capture button in a's panel: %v", err)
	}
	banner, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const s = document.getElementById("banner").textContent;
		return s.startsWith("captured") || s.includes("rror") ? s : false;
	})()`, chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		t.Fatalf("the capture did not end on the page: %v", err)
	}
	m := regexp.MustCompile(`^captured a–b: ([\d,]+) bytes saved as .*-a-b\.pcapng$`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the page says %q after its capture", banner)
	}
	// 10 s of hellos and traffic every 200 ms: far more than the headers.
	if n, _ := strconv.Atoi(regexp.MustCompile(`,`).ReplaceAllString(m[1], "")); n < 2000 {
		t.Errorf("the page's capture saved %d bytes, want the packets of 10 s", n)
	}
}
