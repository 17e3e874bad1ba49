package ui

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

//go:embed assets
var assets embed.FS

// Orchestrator is what the server asks of topo: a source for the feeds,
// and the plans, sends and faults the page asks for.
type Orchestrator interface {
	source
	List(ctx context.Context) ([]orchestrator.TopologyInfo, error)
	AppliedPlan(ctx context.Context, name string) (*topology.Plan, error)
	Send(ctx context.Context, name string, opts orchestrator.SendOptions) (*agent.Receipt, error)
	Link(ctx context.Context, name string, opts orchestrator.LinkOptions) ([]orchestrator.Fault, error)
	Partition(ctx context.Context, name string, groups [][]string) ([]orchestrator.Fault, error)
	Heal(ctx context.Context, name string) ([]orchestrator.Fault, error)
	NodeAction(ctx context.Context, name string, opts orchestrator.NodeActionOptions) error
	Capture(ctx context.Context, name string, opts orchestrator.CaptureOptions, out io.Writer, started func(orchestrator.CapturePoint)) (*agent.CaptureSummary, error)
}

// Options configure a Server.
type Options struct {
	// Token, when set, must come with every request to the API (what it
	// reads, its stream and its actions), as the token query parameter:
	// the server listens beyond loopback. The page and its assets, which
	// hold nothing of any topology, are served without it.
	Token string
	// Topology, when set, is the only topology the server shows or acts
	// on: a request naming another is answered 404.
	Topology string
	// Addr is the address the server listens on. A request's Host header
	// must name it or loopback; when empty, loopback only.
	Addr string
	// MaxPages bounds the pages each client (address) may stream at once;
	// DefaultMaxPages when 0.
	MaxPages int
}

// DefaultMaxPages is how many pages a client may stream at once by default.
const DefaultMaxPages = 8

// maxBody bounds what an action's request may send.
const maxBody = 64 << 10

// Server serves the page, the topology's drawing, its stream, and the
// actions the page takes. It never changes a topology by itself.
type Server struct {
	o        Orchestrator
	opts     Options
	timeouts timeouts

	mu      sync.Mutex
	feeds   map[string]*feed
	streams map[string]int // client → its open streams

	caps captures // the page's captures under way

	done      chan struct{} // closed by Close: every stream ends
	closeOnce sync.Once
}

// Close ends every stream, so that the HTTP server's shutdown need not
// wait for pages that would never leave.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.done) }) }

// New returns a server over o.
func New(o Orchestrator, opts Options) *Server {
	if opts.MaxPages <= 0 {
		opts.MaxPages = DefaultMaxPages
	}
	return &Server{o: o, opts: opts, timeouts: defaultTimeouts, feeds: map[string]*feed{},
		streams: map[string]int{}, done: make(chan struct{})}
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /", s.answer(http.FileServerFS(static).ServeHTTP))
	mux.Handle("GET /api/topologies", s.answer(s.topologies))
	mux.Handle("GET /api/topology", s.answer(s.topology))
	mux.HandleFunc("GET /api/stream", s.stream)
	mux.HandleFunc("GET /api/capture", s.capture)
	mux.Handle("POST /api/send", s.answer(s.action(s.send)))
	mux.Handle("POST /api/link", s.answer(s.action(s.link)))
	mux.Handle("POST /api/node", s.answer(s.action(s.node)))
	mux.Handle("POST /api/partition", s.answer(s.action(s.partition)))
	return s.guard(mux)
}

// answer gives a request that is not a stream a deadline to be answered
// by, the server having none for all.
func (s *Server) answer(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.timeouts.answer))
		h(w, r)
	})
}

// topologies lists the running topologies; only its own for a server
// started for one.
func (s *Server) topologies(w http.ResponseWriter, r *http.Request) {
	ts, err := s.o.List(r.Context())
	if err == nil && s.opts.Topology != "" {
		ts = slices.DeleteFunc(ts, func(t orchestrator.TopologyInfo) bool { return t.Name != s.opts.Topology })
	}
	reply(w, ts, err)
}

// View is a topology as the page draws it.
type View struct {
	Plan    *topology.Plan `json:"plan"`
	Drawing Drawing        `json:"drawing"`
}

func (s *Server) topology(w http.ResponseWriter, r *http.Request) {
	name, err := s.scope(r.URL.Query().Get("t"))
	if err != nil {
		reply(w, nil, err)
		return
	}
	p, err := s.o.AppliedPlan(r.Context(), name)
	if err != nil {
		reply(w, nil, err)
		return
	}
	reply(w, View{Plan: p, Drawing: Layout(p)}, nil)
}

// stream sends the page the topology's animations, log lines and status
// as server-sent events, until the page goes. Each client may have
// MaxPages streams, whoever else streams.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	name, err := s.scope(r.URL.Query().Get("t"))
	if err != nil {
		reply(w, nil, err)
		return
	}
	who := client(r)
	if !s.takeStream(who) {
		http.Error(w, fmt.Sprintf("%d pages are open already from %s; close one", s.opts.MaxPages, who), http.StatusServiceUnavailable)
		return
	}
	defer s.releaseStream(who)
	ch, missed, err := s.subscribe(r.Context(), name)
	if err != nil {
		reply(w, nil, err)
		return
	}
	defer s.unsubscribe(name, ch)
	// The server's read timeout would end the stream's request: a stream
	// reads nothing more, and instead each write has a deadline, so that
	// a page that stopped reading is let go.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(s.timeouts.stream))
		if rc.Flush() != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case m := <-ch:
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", m.Type, m.Data); err != nil {
				return
			}
		case <-tick.C:
			// A page that fell behind hears how much it missed: the view
			// samples rather than lags.
			if n := missed(); n > 0 {
				fmt.Fprintf(w, "event: sampled\ndata: {\"missed\":%d}\n\n", n)
			}
		}
	}
}

// subscribe joins the topology's feed, starting it for the first page.
func (s *Server) subscribe(ctx context.Context, name string) (chan message, func() int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		f := s.feeds[name]
		if f == nil {
			p, err := s.o.AppliedPlan(ctx, name)
			if err != nil {
				return nil, nil, err
			}
			f = startFeed(s.o, name, newModel(p))
			s.feeds[name] = f
		}
		if ch, missed, ok := f.subscribe(); ok {
			return ch, missed, nil
		}
		delete(s.feeds, name) // stopped as its last page left: start anew
	}
}

func (s *Server) unsubscribe(name string, ch chan message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.feeds[name]; f != nil && f.unsubscribe(ch) {
		delete(s.feeds, name)
	}
}

type badRequest struct{ error }

// reply writes v as JSON, or err with a status that fits it.
func reply(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		code := http.StatusInternalServerError
		var br badRequest
		switch {
		case errors.As(err, &br), errors.Is(err, orchestrator.ErrBadFault), errors.Is(err, orchestrator.ErrNoNode):
			code = http.StatusBadRequest
		case errors.Is(err, orchestrator.ErrNoName):
			code = http.StatusBadRequest
		case errors.Is(err, orchestrator.ErrNoTopology), errors.Is(err, errElsewhere):
			code = http.StatusNotFound
		}
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}
