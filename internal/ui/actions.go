package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// action wraps an action: a JSON body, bounded, and a JSON answer. The
// guard has checked the token and the Origin.
func (s *Server) action(do func(ctx context.Context, body []byte) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Another site open in the same browser may post to loopback: a
		// JSON body needs a preflight that this server never answers.
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			http.Error(w, "actions take application/json", http.StatusUnsupportedMediaType)
			return
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

// decode reads an action's body into req, and the topology it names (T)
// into the one it may act on.
func (s *Server) decode(body []byte, req any, t *string) (string, error) {
	if err := json.Unmarshal(body, req); err != nil {
		return "", badRequest{err}
	}
	return s.scope(*t)
}

func (s *Server) send(ctx context.Context, body []byte) (any, error) {
	var req struct{ T, From, To, Text string }
	name, err := s.decode(body, &req, &req.T)
	if err != nil {
		return nil, err
	}
	return s.o.Send(ctx, name, orchestrator.SendOptions{From: req.From, To: req.To, Text: req.Text})
}

func (s *Server) link(ctx context.Context, body []byte) (any, error) {
	var req struct {
		T, A, B, From string
		Down          bool
	}
	name, err := s.decode(body, &req, &req.T)
	if err != nil {
		return nil, err
	}
	return s.o.Link(ctx, name, orchestrator.LinkOptions{A: req.A, B: req.B, Down: req.Down, From: req.From})
}

// partition splits the topology into the groups given; none heals it.
func (s *Server) partition(ctx context.Context, body []byte) (any, error) {
	var req struct {
		T      string
		Groups [][]string
	}
	name, err := s.decode(body, &req, &req.T)
	if err != nil {
		return nil, err
	}
	if len(req.Groups) == 0 {
		return s.o.Heal(ctx, name)
	}
	return s.o.Partition(ctx, name, req.Groups)
}

func (s *Server) node(ctx context.Context, body []byte) (any, error) {
	var req struct{ T, Action, Node string }
	name, err := s.decode(body, &req, &req.T)
	if err != nil {
		return nil, err
	}
	err = s.o.NodeAction(ctx, name, orchestrator.NodeActionOptions{Action: engine.Action(req.Action), Nodes: []string{req.Node}})
	return map[string]string{"node": req.Node, "action": req.Action}, err
}
