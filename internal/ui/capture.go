package ui

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

// Bounds of the page's captures: a download of the next seconds of a
// link, a few at a time, since each runs a helper container.
const (
	maxCaptureSeconds = 60
	maxCaptures       = 4
)

// captures counts the captures under way; a server's own.
type captures struct {
	mu sync.Mutex
	n  int
}

func (c *captures) take() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n >= maxCaptures {
		return false
	}
	c.n++
	return true
}

func (c *captures) release() {
	c.mu.Lock()
	c.n--
	c.mu.Unlock()
}

// capture answers GET /api/capture?t=T&a=A&b=B&seconds=N with a pcapng of
// the next N seconds of the link between A and B, as a download, streamed
// as it is captured. Until the capture's first bytes an error is answered
// as any other; after them the download just ends.
func (s *Server) capture(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name, err := s.scope(q.Get("t"))
	if err != nil {
		reply(w, nil, err)
		return
	}
	a, b := q.Get("a"), q.Get("b")
	secs, serr := strconv.Atoi(q.Get("seconds"))
	switch {
	case a == "" || b == "":
		reply(w, nil, badRequest{fmt.Errorf("capture: want the link's two nodes, a and b")})
		return
	case serr != nil || secs < 1 || secs > maxCaptureSeconds:
		reply(w, nil, badRequest{fmt.Errorf("capture: seconds %q: want 1 to %d", q.Get("seconds"), maxCaptureSeconds)})
		return
	}
	// A link on another site's page would run a capture with nothing
	// said: a download starts from this server's own page (or a URL typed).
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		http.Error(w, "this server captures for its own page only", http.StatusForbidden)
		return
	}
	if !s.caps.take() {
		http.Error(w, fmt.Sprintf("%d captures are under way; wait for one to end", maxCaptures), http.StatusServiceUnavailable)
		return
	}
	defer s.caps.release()
	d := time.Duration(secs) * time.Second
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Now().Add(d + s.timeouts.answer))
	out := &download{w: w, rc: rc, file: fmt.Sprintf("%s-%s-%s.pcapng", name, a, b)}
	_, err = s.o.Capture(r.Context(), name, orchestrator.CaptureOptions{Target: []string{a, b}, Duration: d, SnapLen: agent.DefaultSnapLen}, out, nil)
	if err != nil && !out.started {
		reply(w, nil, err)
	}
}

// download sends a pcapng as an attachment: the headers go with its first
// bytes, so that an error before them is still answered as one.
type download struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	file    string
	started bool
}

var _ io.Writer = (*download)(nil)

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", "application/x-pcapng")
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", d.file))
		h.Set("Cache-Control", "no-store")
		d.w.WriteHeader(http.StatusOK)
	}
	n, err := d.w.Write(p)
	if err == nil {
		_ = d.rc.Flush()
	}
	return n, err
}
