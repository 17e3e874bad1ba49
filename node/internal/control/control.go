// Package control is the agent's control channel: a unix socket inside the
// node's container (Config.ControlSocket, agent.DefaultControlSocket by
// default) that takes one JSON Request per connection and answers one
// Response: op "send" (to, text, receipt, timeout) answers a Receipt, op
// "stats" a Stats. Client speaks it; topo-node send, stats and ready use
// Client. Serve answers it for an agent. A send's text is at most
// frame.MaxPayload bytes, and at most agent.MaxDatagramPayload (57000) when
// its first hop is a datagram (UDP, a shared segment, or for a broadcast
// any link that is): a longer one is refused with an error before anything
// is sent or counted.
package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/frame"
)

// Control operations.
const (
	OpSend    = "send"
	OpStats   = "stats"
	OpTraffic = "traffic" // On turns background traffic on or off
	OpFaults  = "faults"  // Faults become the links' runtime faults
	// OpReconfig: Config becomes the agent's config (agent.VerbReconfig);
	// answers what changed, Reconfigured.
	OpReconfig = "reconfig"
)

// Bounds of the control channel. A request is read only up to
// MaxRequest bytes: a text of frame.MaxPayload bytes, even with
// every byte escaped, fits. A send waits at most MaxSendTimeout. At most
// maxSends sends wait for receipts at once; other requests (stats,
// ready) are answered meanwhile, up to maxConns at once.
const (
	MaxRequest     = 8*frame.MaxPayload + 4096
	MaxSendTimeout = time.Minute
	maxSends       = 16
	maxConns       = 64
)

// Request is one request on the control channel.
type Request struct {
	Op      string                     `json:"op"`
	To      string                     `json:"to,omitempty"`
	Text    string                     `json:"text,omitempty"`
	Receipt bool                       `json:"receipt,omitempty"`
	Count   int                        `json:"count,omitempty"`   // send: more than 1 is a burst (Agent.Burst)
	Timeout agent.Duration             `json:"timeout,omitempty"` // send: agent.DefaultSendTimeout when 0 or less
	On      bool                       `json:"on,omitempty"`      // traffic
	Faults  map[string]agent.LinkFault `json:"faults,omitempty"`
	Config  *agent.Config              `json:"config,omitempty"` // reconfig
}

// Response answers a Request.
type Response struct {
	Error   string         `json:"error,omitempty"`
	Receipt *agent.Receipt `json:"receipt,omitempty"`
	Stats   *agent.Stats   `json:"stats,omitempty"`
	// Reconfigured answers reconfig.
	Reconfigured *agent.Reconfigured `json:"reconfigured,omitempty"`
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
func (c Client) Do(ctx context.Context, req Request) (Response, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.Socket)
	if err != nil {
		return Response{}, fmt.Errorf("control socket %s: %w: %w", c.Socket, ErrNoAgent, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return Response{}, fmt.Errorf("control %s: %w", req.Op, err)
	}
	var resp Response
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		return Response{}, fmt.Errorf("control %s: %w", req.Op, err)
	}
	if resp.Error != "" {
		return resp, fmt.Errorf("control %s: %s", req.Op, resp.Error)
	}
	return resp, nil
}

// Send asks the agent to send a message and, with receipt, to wait up to
// timeout for its receipt; agent.DefaultSendTimeout when timeout is 0 or less, as
// the agent takes it.
func (c Client) Send(ctx context.Context, to, text string, receipt bool, timeout time.Duration) (agent.Receipt, error) {
	return c.send(ctx, Request{Op: OpSend, To: to, Text: text, Receipt: receipt}, timeout)
}

// Burst asks the agent to send n messages (Agent.Burst) and to wait up
// to timeout, for the whole burst, for the last one's receipt.
func (c Client) Burst(ctx context.Context, to, text string, n int, timeout time.Duration) (agent.Receipt, error) {
	return c.send(ctx, Request{Op: OpSend, To: to, Text: text, Receipt: true, Count: n}, timeout)
}

// send makes a send request with its timeout (agent.DefaultSendTimeout when 0
// or less) and returns the receipt.
func (c Client) send(ctx context.Context, req Request, timeout time.Duration) (agent.Receipt, error) {
	if timeout <= 0 {
		timeout = agent.DefaultSendTimeout
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
	resp, err := c.Do(ctx, Request{Op: OpStats})
	if err != nil {
		return agent.Stats{}, err
	}
	if resp.Stats == nil {
		return agent.Stats{}, errors.New("control stats: no stats in response")
	}
	return *resp.Stats, nil
}
