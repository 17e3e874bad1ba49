package node

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
	"github.com/topo-dev/topo/node/frame"
)

// The control channel is a unix socket inside the node's container. Each
// connection carries one JSON ControlRequest and one JSON ControlResponse.

// Control operations.
const (
	OpSend    = "send"
	OpStats   = "stats"
	OpTraffic = "traffic" // On turns background traffic on or off
	OpFaults  = "faults"  // Faults become the links' runtime faults
)

// DefaultSendTimeout is how long a control send waits for its receipt.
const DefaultSendTimeout = agent.DefaultSendTimeout

// Bounds of the control channel. A request is read only up to
// MaxControlRequest bytes: a text of frame.MaxPayload bytes, even with
// every byte escaped, fits. A send waits at most MaxSendTimeout. At most
// maxControlSends sends wait for receipts at once; other requests (stats,
// ready) are answered meanwhile, up to maxControlConns at once.
const (
	MaxControlRequest = 8*frame.MaxPayload + 4096
	MaxSendTimeout    = time.Minute
	maxControlSends   = 16
	maxControlConns   = 64
)

// ControlRequest is one request on the control channel.
type ControlRequest struct {
	Op      string                     `json:"op"`
	To      string                     `json:"to,omitempty"`
	Text    string                     `json:"text,omitempty"`
	Receipt bool                       `json:"receipt,omitempty"`
	Count   int                        `json:"count,omitempty"`   // send: more than 1 is a burst (Agent.Burst)
	Timeout agent.Duration             `json:"timeout,omitempty"` // send: DefaultSendTimeout when 0 or less
	On      bool                       `json:"on,omitempty"`      // traffic
	Faults  map[string]agent.LinkFault `json:"faults,omitempty"`
}

// ControlResponse answers a ControlRequest.
type ControlResponse struct {
	Error   string         `json:"error,omitempty"`
	Receipt *agent.Receipt `json:"receipt,omitempty"`
	Stats   *agent.Stats   `json:"stats,omitempty"`
}

type controlServer struct {
	l net.Listener
}

func (c *controlServer) close() { _ = c.l.Close() }

func (a *Agent) listenControl() (*controlServer, error) {
	path := a.o.socket
	if path == "" {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("node %q: control socket: %w", a.name, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("node %q: control socket: remove stale: %w", a.name, err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("node %q: control socket: %w", a.name, err)
	}
	return &controlServer{l: l}, nil
}

// serveControl answers control requests, a few at a time.
func (a *Agent) serveControl(ctx context.Context, cs *controlServer, spawn func(func() error)) error {
	sem := make(chan struct{}, maxControlConns)
	for {
		c, err := a.accept(ctx, cs.l, "control accept")
		if err != nil {
			return fmt.Errorf("node %q: control accept: %w", a.name, err)
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
			a.handleControl(ctx, c)
			return nil
		})
	}
}

func (a *Agent) handleControl(ctx context.Context, c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var req ControlRequest
	var resp ControlResponse
	if err := json.NewDecoder(io.LimitReader(c, MaxControlRequest)).Decode(&req); err != nil {
		resp.Error = fmt.Sprintf("bad request (at most %d bytes of JSON): %v", MaxControlRequest, err)
	} else {
		resp = a.control(ctx, c, req)
	}
	if err := json.NewEncoder(c).Encode(resp); err != nil {
		a.event(slog.LevelWarn, agent.EvControl, "control reply failed", errAttr(err))
	}
}

func (a *Agent) control(ctx context.Context, c net.Conn, req ControlRequest) ControlResponse {
	switch req.Op {
	case OpStats:
		s := a.Stats()
		return ControlResponse{Stats: &s}
	case OpFaults:
		if err := a.SetFaults(req.Faults); err != nil {
			return ControlResponse{Error: err.Error()}
		}
		s := a.Stats()
		return ControlResponse{Stats: &s}
	case OpTraffic:
		a.SetTraffic(req.On)
		state := "off"
		if req.On {
			state = "on"
		}
		a.event(slog.LevelInfo, agent.EvControl, "background traffic "+state)
		s := a.Stats()
		return ControlResponse{Stats: &s}
	case OpSend:
		timeout := req.Timeout.D()
		if timeout <= 0 {
			timeout = DefaultSendTimeout
		}
		if timeout > MaxSendTimeout {
			return ControlResponse{Error: fmt.Sprintf("send timeout %v is longer than %v", timeout, MaxSendTimeout)}
		}
		select {
		case a.controlSends <- struct{}{}:
			defer func() { <-a.controlSends }()
		default:
			return ControlResponse{Error: fmt.Sprintf("busy: %d sends are waiting for receipts; try again", maxControlSends)}
		}
		_ = c.SetDeadline(time.Now().Add(timeout + 5*time.Second))
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var r agent.Receipt
		var err error
		if req.Count > 1 {
			r, err = a.Burst(ctx, req.To, req.Text, req.Count)
		} else {
			r, err = a.Send(ctx, req.To, req.Text, req.Receipt)
		}
		if err != nil {
			return ControlResponse{Error: err.Error()}
		}
		return ControlResponse{Receipt: &r}
	default:
		return ControlResponse{Error: fmt.Sprintf("unknown op %q", req.Op)}
	}
}

// ErrNoAgent is returned, wrapped, when no agent answers on the control
// socket: it has not started yet, or it is gone. The command line exits
// with agent.ExitNoAgent for it.
var ErrNoAgent = errors.New("no agent answers (is the agent running?)")

// Client talks to an agent's control channel.
type Client struct {
	Socket string
}

// Do sends one request and reads its response.
func (c Client) Do(ctx context.Context, req ControlRequest) (ControlResponse, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.Socket)
	if err != nil {
		return ControlResponse{}, fmt.Errorf("control socket %s: %w: %w", c.Socket, ErrNoAgent, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return ControlResponse{}, fmt.Errorf("control %s: %w", req.Op, err)
	}
	var resp ControlResponse
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		return ControlResponse{}, fmt.Errorf("control %s: %w", req.Op, err)
	}
	if resp.Error != "" {
		return resp, fmt.Errorf("control %s: %s", req.Op, resp.Error)
	}
	return resp, nil
}

// Send asks the agent to send a message and, with receipt, to wait up to
// timeout for its receipt; DefaultSendTimeout when timeout is 0 or less, as
// the agent takes it.
func (c Client) Send(ctx context.Context, to, text string, receipt bool, timeout time.Duration) (agent.Receipt, error) {
	return c.send(ctx, ControlRequest{Op: OpSend, To: to, Text: text, Receipt: receipt}, timeout)
}

// Burst asks the agent to send n messages (Agent.Burst) and to wait up
// to timeout, for the whole burst, for the last one's receipt.
func (c Client) Burst(ctx context.Context, to, text string, n int, timeout time.Duration) (agent.Receipt, error) {
	return c.send(ctx, ControlRequest{Op: OpSend, To: to, Text: text, Receipt: true, Count: n}, timeout)
}

// send makes a send request with its timeout (DefaultSendTimeout when 0
// or less) and returns the receipt.
func (c Client) send(ctx context.Context, req ControlRequest, timeout time.Duration) (agent.Receipt, error) {
	if timeout <= 0 {
		timeout = DefaultSendTimeout
	}
	req.Timeout = agent.Duration(timeout)
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	resp, err := c.Do(ctx, req)
	if err != nil {
		return agent.Receipt{}, err
	}
	if resp.Receipt == nil {
		return agent.Receipt{}, errors.New("control send: no receipt in response")
	}
	return *resp.Receipt, nil
}

// Stats asks the agent for its stats.
func (c Client) Stats(ctx context.Context) (agent.Stats, error) {
	resp, err := c.Do(ctx, ControlRequest{Op: OpStats})
	if err != nil {
		return agent.Stats{}, err
	}
	if resp.Stats == nil {
		return agent.Stats{}, errors.New("control stats: no stats in response")
	}
	return *resp.Stats, nil
}
