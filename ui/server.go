package ui

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
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
}

// Options configure a Server.
type Options struct {
	// Token, when set, must come with every action (send, link, node), as
	// the token query parameter: the server listens beyond loopback.
	Token string
	// MaxPages bounds the pages streaming at once; DefaultMaxPages when 0.
	MaxPages int
}

// DefaultMaxPages is how many pages may stream at once by default.
const DefaultMaxPages = 8

// maxBody bounds what an action's request may send.
const maxBody = 64 << 10

// Server serves the page, the topology's drawing, its stream, and the
// actions the page takes. It never changes a topology by itself.
type Server struct {
	o     Orchestrator
	opts  Options
	pages chan struct{}

	mu    sync.Mutex
	feeds map[string]*feed

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
	return &Server{o: o, opts: opts, pages: make(chan struct{}, opts.MaxPages), feeds: map[string]*feed{},
		done: make(chan struct{})}
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/topologies", s.topologies)
	mux.HandleFunc("GET /api/topology", s.topology)
	mux.HandleFunc("GET /api/stream", s.stream)
	mux.HandleFunc("POST /api/send", s.action(s.send))
	mux.HandleFunc("POST /api/link", s.action(s.link))
	mux.HandleFunc("POST /api/node", s.action(s.node))
	mux.HandleFunc("POST /api/partition", s.action(s.partition))
	return mux
}

func (s *Server) topologies(w http.ResponseWriter, r *http.Request) {
	ts, err := s.o.List(r.Context())
	reply(w, ts, err)
}

// View is a topology as the page draws it.
type View struct {
	Plan    *topology.Plan `json:"plan"`
	Drawing Drawing        `json:"drawing"`
}

func (s *Server) topology(w http.ResponseWriter, r *http.Request) {
	p, err := s.o.AppliedPlan(r.Context(), r.URL.Query().Get("t"))
	if err != nil {
		reply(w, nil, err)
		return
	}
	reply(w, View{Plan: p, Drawing: Layout(p)}, nil)
}

// stream sends the page the topology's animations, log lines and status
// as server-sent events, until the page goes.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("t")
	select {
	case s.pages <- struct{}{}:
		defer func() { <-s.pages }()
	default:
		http.Error(w, fmt.Sprintf("%d pages are open already; close one", cap(s.pages)), http.StatusServiceUnavailable)
		return
	}
	ch, missed, err := s.subscribe(r.Context(), name)
	if err != nil {
		reply(w, nil, err)
		return
	}
	defer s.unsubscribe(name, ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	flusher, _ := w.(http.Flusher)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
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
		if flusher != nil {
			flusher.Flush()
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

// action wraps an action: the token, when the server has one, a bounded
// body, and a JSON answer.
func (s *Server) action(do func(ctx context.Context, body []byte) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Token != "" && subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("token")), []byte(s.opts.Token)) != 1 {
			http.Error(w, "this server takes actions only with its token (see the URL topo ui printed)", http.StatusForbidden)
			return
		}
		// Another site open in the same browser may post to loopback: a
		// JSON body needs a preflight that this server never answers, and
		// a foreign Origin is refused outright.
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			http.Error(w, "actions take application/json", http.StatusUnsupportedMediaType)
			return
		}
		if o := r.Header.Get("Origin"); o != "" {
			if u, err := url.Parse(o); err != nil || u.Host != r.Host {
				http.Error(w, "actions come from this server's own page", http.StatusForbidden)
				return
			}
		}
		var body json.RawMessage
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&body); err != nil {
			http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
			return
		}
		v, err := do(r.Context(), body)
		reply(w, v, err)
	}
}

func (s *Server) send(ctx context.Context, body []byte) (any, error) {
	var req struct{ T, From, To, Text string }
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest{err}
	}
	return s.o.Send(ctx, req.T, orchestrator.SendOptions{From: req.From, To: req.To, Text: req.Text})
}

func (s *Server) link(ctx context.Context, body []byte) (any, error) {
	var req struct {
		T, A, B string
		Down    bool
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest{err}
	}
	return s.o.Link(ctx, req.T, orchestrator.LinkOptions{A: req.A, B: req.B, Down: req.Down})
}

// partition splits the topology into the groups given; none heals it.
func (s *Server) partition(ctx context.Context, body []byte) (any, error) {
	var req struct {
		T      string
		Groups [][]string
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest{err}
	}
	if len(req.Groups) == 0 {
		return s.o.Heal(ctx, req.T)
	}
	return s.o.Partition(ctx, req.T, req.Groups)
}

func (s *Server) node(ctx context.Context, body []byte) (any, error) {
	var req struct{ T, Action, Node string }
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest{err}
	}
	err := s.o.NodeAction(ctx, req.T, orchestrator.NodeActionOptions{Action: engine.Action(req.Action), Nodes: []string{req.Node}})
	return map[string]string{"node": req.Node, "action": req.Action}, err
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
		case errors.Is(err, orchestrator.ErrNoTopology):
			code = http.StatusNotFound
		}
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}
