// Package probe is the agent's probe verb: it tries targets (a TCP
// connect, a UDP datagram, an HTTP GET, an ICMP echo) at a steady rate
// from the network namespace it runs in, and prints every try as one JSON
// line (agent.ProbeSample). topo test runs it in a helper that joins a
// node's namespace as nobody with no capability, so it needs nothing in
// the node's image and changes nothing there; the samples carry their own
// times, so whoever reads them later still knows when each try was made.
package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
)

// Main runs `topo-node probe REQUEST-JSON` and returns its exit code: 0
// when the run finished (whatever the targets answered), 2 for a bad
// request.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	req, err := parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "topo-node probe: %v\n", err)
		return agent.ExitUsage
	}
	var mu sync.Mutex
	enc := json.NewEncoder(stdout)
	Run(ctx, req, func(s agent.ProbeSample) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(s) // a closed stdout ends nothing: the run has its own end
	})
	return agent.ExitOK
}

// parse reads and checks the request.
func parse(args []string) (agent.ProbeRequest, error) {
	var req agent.ProbeRequest
	if len(args) != 1 {
		return req, errors.New("want one argument: the request as JSON")
	}
	if err := json.Unmarshal([]byte(args[0]), &req); err != nil {
		return req, fmt.Errorf("request: %w", err)
	}
	switch {
	case len(req.Targets) == 0 || len(req.Targets) > agent.MaxProbeTargets:
		return req, fmt.Errorf("%d targets, want 1 to %d", len(req.Targets), agent.MaxProbeTargets)
	case req.Interval < 10*time.Millisecond:
		return req, fmt.Errorf("interval %v, want at least 10ms", req.Interval)
	case req.Timeout <= 0 || req.Duration <= 0 || req.Duration > 24*time.Hour:
		return req, fmt.Errorf("timeout %v and duration %v: want both above 0, the duration at most 24h", req.Timeout, req.Duration)
	}
	for _, t := range req.Targets {
		if _, ok := tries[t.Kind]; !ok {
			return req, fmt.Errorf("target %s: kind %q, want tcp, udp, http or icmp", t.ID, t.Kind)
		}
	}
	return req, nil
}

// Run tries every target every req.Interval until req.Duration has passed
// or ctx ends, and hands each try to emit, from several goroutines.
func Run(ctx context.Context, req agent.ProbeRequest, emit func(agent.ProbeSample)) {
	end := time.Now().Add(req.Duration)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var wg sync.WaitGroup
	for _, t := range req.Targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			every(ctx, req.Interval, func() {
				s := Try(ctx, t, req.Timeout)
				// A try cut short by the run's end is no sample; the
				// clock can pass the end before ctx says so.
				if ctx.Err() == nil && time.Now().Before(end) {
					emit(s)
				}
			})
		}()
	}
	wg.Wait()
}

// every calls f at once and then on each tick until ctx ends. A try that
// takes longer than the interval delays the next one rather than piling
// tries up: the ticker drops the ticks it missed.
func every(ctx context.Context, interval time.Duration, f func()) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		f()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// tries are the ways to try a target, by kind.
var tries = map[string]func(ctx context.Context, t agent.ProbeTarget) error{
	agent.ProbeTCP:  tryTCP,
	agent.ProbeUDP:  tryUDP,
	agent.ProbeHTTP: tryHTTP,
	agent.ProbeICMP: tryICMP,
}

// Try tries a target once, within timeout (or ctx's end, if sooner).
func Try(ctx context.Context, t agent.ProbeTarget, timeout time.Duration) agent.ProbeSample {
	start := time.Now()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := tries[t.Kind](tctx, t)
	s := agent.ProbeSample{ID: t.ID, At: start, OK: err == nil, Latency: time.Since(start)}
	if err != nil {
		s.Err = reason(tctx, err)
	}
	return s
}
