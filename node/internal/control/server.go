package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/sock"
)

// Agent is what the control channel acts on: the running agent.
type Agent interface {
	Send(ctx context.Context, to, text string, receipt bool) (agent.Receipt, error)
	Burst(ctx context.Context, to, text string, n int) (agent.Receipt, error)
	Stats() agent.Stats
	SetFaults(faults map[string]agent.LinkFault) error
	SetTraffic(on bool)
	Reconfigure(ctx context.Context, cfg *agent.Config) (agent.Reconfigured, error)
}

// Listen makes the control socket at path, in place of a stale one.
func Listen(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("control socket: remove stale: %w", err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return l, nil
}

// server answers the requests of one control socket.
type server struct {
	a     Agent
	log   *slog.Logger
	sends chan struct{} // a token per send waiting for its receipt
}

// Serve answers the requests on ln for a, a few at a time, each in a
// function handed to spawn, until ctx is done. It logs to log.
func Serve(ctx context.Context, ln net.Listener, a Agent, log *slog.Logger, spawn func(func() error)) error {
	s := &server{a: a, log: log, sends: make(chan struct{}, maxSends)}
	sem := make(chan struct{}, maxConns)
	for {
		c, err := sock.Accept(ctx, ln, log, "control accept")
		if err != nil {
			return fmt.Errorf("control accept: %w", err)
		}
		if c == nil {
			return nil
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			_ = c.Close()
			return nil
		}
		spawn(func() error {
			defer func() { <-sem }()
			s.handle(ctx, c)
			return nil
		})
	}
}

func (s *server) event(level slog.Level, msg string, attrs ...slog.Attr) {
	s.log.LogAttrs(context.Background(), level, msg, append([]slog.Attr{slog.String(agent.FieldEvent, agent.EvControl)}, attrs...)...)
}

func (s *server) handle(ctx context.Context, c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var req Request
	var resp Response
	if err := json.NewDecoder(io.LimitReader(c, MaxRequest)).Decode(&req); err != nil {
		resp.Error = fmt.Sprintf("bad request (at most %d bytes of JSON): %v", MaxRequest, err)
	} else {
		resp = s.answer(ctx, c, req)
	}
	if err := json.NewEncoder(c).Encode(resp); err != nil {
		s.event(slog.LevelWarn, "control reply failed", slog.String(agent.FieldError, err.Error()))
	}
}

func (s *server) answer(ctx context.Context, c net.Conn, req Request) Response {
	switch req.Op {
	case OpStats:
		st := s.a.Stats()
		return Response{Stats: &st}
	case OpFaults:
		if err := s.a.SetFaults(req.Faults); err != nil {
			return Response{Error: err.Error()}
		}
		st := s.a.Stats()
		return Response{Stats: &st}
	case OpTraffic:
		s.a.SetTraffic(req.On)
		state := "off"
		if req.On {
			state = "on"
		}
		s.event(slog.LevelInfo, "background traffic "+state)
		st := s.a.Stats()
		return Response{Stats: &st}
	case OpReconfig:
		r, err := s.a.Reconfigure(ctx, req.Config)
		if err != nil {
			return Response{Error: "reconfig: " + err.Error()}
		}
		return Response{Reconfigured: &r}
	case OpSend:
		return s.send(ctx, c, req)
	default:
		return Response{Error: fmt.Sprintf("unknown op %q", req.Op)}
	}
}

func (s *server) send(ctx context.Context, c net.Conn, req Request) Response {
	timeout := req.Timeout.D()
	if timeout <= 0 {
		timeout = agent.DefaultSendTimeout
	}
	if timeout > MaxSendTimeout {
		return Response{Error: fmt.Sprintf("send timeout %v is longer than %v", timeout, MaxSendTimeout)}
	}
	select {
	case s.sends <- struct{}{}:
		defer func() { <-s.sends }()
	default:
		return Response{Error: fmt.Sprintf("busy: %d sends are waiting for receipts; try again", maxSends)}
	}
	_ = c.SetDeadline(time.Now().Add(timeout + 5*time.Second))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var r agent.Receipt
	var err error
	if req.Count > 1 {
		r, err = s.a.Burst(ctx, req.To, req.Text, req.Count)
	} else {
		r, err = s.a.Send(ctx, req.To, req.Text, req.Receipt)
	}
	if err != nil {
		return Response{Error: err.Error()}
	}
	return Response{Receipt: &r}
}
