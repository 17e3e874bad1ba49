// Package docker implements engine.Runtime on the Docker Engine API.
//
// It is the only package in topo that imports the Docker SDK. Every engine
// call gets its own timeout on top of the caller's context, and engine
// errors come back wrapped around the engine port's sentinel errors
// (ErrNotFound, ErrConflict, ErrOverlap, ErrUnreachable) so that callers
// can test them with errors.Is without knowing the SDK's error types.
package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/docker/docker/client"
	"github.com/topo-dev/topo/engine"
)

// Default per-call timeouts. A build compiles nothing (the binary is built
// outside the engine) but may still copy a few megabytes, so it gets more.
const (
	DefaultCallTimeout  = 30 * time.Second
	DefaultBuildTimeout = 5 * time.Minute
)

var _ engine.Runtime = (*Client)(nil)

// Client talks to one Docker Engine. It is safe for concurrent use.
type Client struct {
	api          *client.Client
	host         string
	fromEnv      bool // host is DOCKER_HOST's
	callTimeout  time.Duration
	buildTimeout time.Duration
	log          *slog.Logger
}

// Option configures New.
type Option func(*config)

type config struct {
	host         string
	callTimeout  time.Duration
	buildTimeout time.Duration
	log          *slog.Logger
	noPing       bool
}

// WithHost overrides DOCKER_HOST (e.g. "unix:///var/run/docker.sock").
func WithHost(host string) Option { return func(c *config) { c.host = host } }

// WithCallTimeout sets the timeout of each ordinary engine call.
func WithCallTimeout(d time.Duration) Option { return func(c *config) { c.callTimeout = d } }

// WithBuildTimeout sets the timeout of an image build.
func WithBuildTimeout(d time.Duration) Option { return func(c *config) { c.buildTimeout = d } }

// WithLogger sets the logger for diagnostics (build output at debug level).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithoutPing makes New skip its initial Ping; the first call then reports
// an unreachable engine instead.
func WithoutPing() Option { return func(c *config) { c.noPing = true } }

// New connects to the engine named by the environment (DOCKER_HOST and
// friends) or WithHost, negotiates the API version and pings it. An engine
// that does not answer gives an error wrapping engine.ErrUnreachable.
func New(ctx context.Context, opts ...Option) (*Client, error) {
	cfg := config{callTimeout: DefaultCallTimeout, buildTimeout: DefaultBuildTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	copts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if cfg.host != "" {
		copts = append(copts, client.WithHost(cfg.host))
	}
	api, err := client.NewClientWithOpts(copts...)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	c := &Client{
		api:          api,
		host:         api.DaemonHost(),
		fromEnv:      cfg.host == "" && os.Getenv("DOCKER_HOST") != "",
		callTimeout:  cfg.callTimeout,
		buildTimeout: cfg.buildTimeout,
		log:          cfg.log,
	}
	if !cfg.noPing {
		if err := c.Ping(ctx); err != nil {
			_ = api.Close()
			return nil, err
		}
	}
	return c, nil
}

// Close releases the client's connections.
func (c *Client) Close() error { return c.api.Close() }

// Host is the engine address in use, for messages.
func (c *Client) Host() string { return c.host }

// call derives the context for one engine call. A caller's deadline (a
// command's --timeout) is the bound when there is one, however long, so
// that a loaded engine gets all the time the user gave; without one, the
// call gets callTimeout.
func (c *Client) call(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.callTimeout)
}

// uncut derives the context of an engine call that must not be cut off
// midway: one that wires or unwires a container's network endpoints.
// Docker 20.10 loses count of a network's endpoints when such a call is
// cancelled while it works, and then refuses to remove the network ("has
// active endpoints", with none listed) until the daemon restarts. So the
// call runs to its end even when the caller's context ends: up to the
// per-call timeout past the caller's deadline, or the per-call timeout.
func (c *Client) uncut(ctx context.Context) (context.Context, context.CancelFunc) {
	limit := c.callTimeout
	if dl, ok := ctx.Deadline(); ok {
		limit += max(time.Until(dl), 0)
	}
	return context.WithTimeout(context.WithoutCancel(ctx), limit)
}

// Ping checks that the engine answers and negotiates the API version.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	if _, err := c.api.Ping(ctx); err != nil {
		return c.pingError(err)
	}
	c.api.NegotiateAPIVersion(ctx)
	return nil
}

func (c *Client) pingError(err error) error {
	if !isUnreachable(err) {
		return wrap("ping docker engine", err)
	}
	where := c.host
	if c.fromEnv {
		where = "DOCKER_HOST=" + c.host
	}
	return &unreachableError{
		msg: fmt.Sprintf("cannot reach the Docker engine at %s (%s): start the Docker daemon, "+
			"give this user access to its socket (e.g. the docker group), or set DOCKER_HOST to an engine that runs",
			where, unreachableReason(c.host, err)),
		err: err,
	}
}

// unreachableError is an engine that does not answer, said in one line
// with what to do; it matches engine.ErrUnreachable and the cause.
type unreachableError struct {
	msg string
	err error
}

func (e *unreachableError) Error() string   { return e.msg }
func (e *unreachableError) Unwrap() []error { return []error{engine.ErrUnreachable, e.err} }

// unreachableReason says briefly why host did not answer. The SDK's own
// "Cannot connect to the Docker daemon at <host>. Is the docker daemon
// running?" says nothing the message around it does not, so it is left out.
func unreachableReason(host string, err error) string {
	if errors.Is(err, fs.ErrPermission) || containsFold(err.Error(), "permission denied") {
		return "permission denied"
	}
	if path, ok := strings.CutPrefix(host, "unix://"); ok {
		if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) {
			return "no socket there"
		}
	}
	if containsFold(err.Error(), "cannot connect to the docker daemon") {
		return "nothing answers"
	}
	return strings.Join(strings.Fields(err.Error()), " ") // one line
}
