package experiment

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// probes are the tries a run makes: the targets of each probe helper, by
// the node it runs from, and the node messages.
type probes struct {
	groups map[string][]agent.ProbeTarget
	nodes  []nodeProbe
}

// nodeProbe is a node expectation: messages from one agent to another.
type nodeProbe struct {
	exp      int
	from, to string
}

// probePlan turns the reachability expectations into probes. An
// expectation whose target cannot be addressed from its node fails at
// once, with the reason in failed.
func probePlan(plan *topology.Plan, t *topology.Topology, exps []int, opts Options) (p probes, failed map[int]string) {
	p.groups, failed = map[string][]agent.ProbeTarget{}, map[int]string{}
	for _, i := range exps {
		e := t.Expect[i]
		if e.Reach == nil {
			continue
		}
		if e.Reach.Kind == topology.ProbeNode {
			p.nodes = append(p.nodes, nodeProbe{exp: i, from: e.From, to: e.Reach.Node})
			continue
		}
		addr, ok := plan.AddrFrom(e.From, e.Reach.Node)
		if !ok {
			failed[i] = fmt.Sprintf("%s has no address of %s to reach along the layout", e.From, e.Reach.Node)
			continue
		}
		target := agent.ProbeTarget{ID: strconv.Itoa(i), Kind: string(e.Reach.Kind), Addr: addr.String(),
			Path: e.Reach.Path, Status: e.Reach.Status, Body: e.Reach.Body}
		if e.Reach.Kind != topology.ProbeICMP {
			target.Addr = netip.AddrPortFrom(addr, uint16(e.Reach.Port)).String()
		}
		p.groups[e.From] = append(p.groups[e.From], target)
	}
	return p, failed
}

// startProbes starts every probe and returns once each helper has made
// its first try (or after probeStartWait): that moment is the timeline's
// start. stop ends the probes and waits for them.
func (r *recorder) startProbes(ctx context.Context, o Engine, name string, p probes, opts Options, length time.Duration) (start time.Time, stop func()) {
	pctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if len(p.groups) > 0 {
		opts.Progress(fmt.Sprintf("starting %d probe helper(s)…", len(p.groups)))
	}
	for from, targets := range p.groups {
		req := agent.ProbeRequest{Targets: targets, Interval: opts.Interval, Timeout: opts.Timeout, Duration: length + probeStartWait + 10*time.Second}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := o.Probe(pctx, name, from, req, func(s agent.ProbeSample) {
				r.first(from)
				if i, err := strconv.Atoi(s.ID); err == nil {
					r.add(i, s.At, Sample{OK: s.OK, Latency: s.Latency, Err: s.Err})
				}
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				r.fail(targets, err)
			}
			r.first(from) // a helper that failed is waited for no longer
		}()
	}
	for _, np := range p.nodes {
		wg.Add(1)
		go func() { defer wg.Done(); r.sendLoop(pctx, o, name, np, opts) }()
	}
	r.waitFirsts(ctx, len(p.groups))
	r.mu.Lock()
	r.start = time.Now()
	r.mu.Unlock()
	var once sync.Once
	return r.start, func() { once.Do(func() { cancel(); wg.Wait() }) }
}

func (r *recorder) first(from string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.firsts[from] = true
}

func (r *recorder) fail(targets []agent.ProbeTarget, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range targets {
		if i, perr := strconv.Atoi(t.ID); perr == nil {
			r.errs[i] = err.Error()
		}
	}
}

// waitFirsts waits until n probe helpers have tried once.
func (r *recorder) waitFirsts(ctx context.Context, n int) {
	deadline := time.Now().Add(probeStartWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		r.mu.Lock()
		got := len(r.firsts)
		r.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sendLoop sends a message from one agent to another at a steady rate
// until ctx ends; each receipt is a try. Probe messages are ordinary
// messages, named so in their text, and counted in the books like any.
func (r *recorder) sendLoop(ctx context.Context, o Engine, name string, np nodeProbe, opts Options) {
	tick := time.NewTicker(max(opts.Interval, nodeProbeInterval))
	defer tick.Stop()
	for n := 1; ; n++ {
		at := time.Now()
		rcpt, err := o.Send(ctx, name, orchestrator.SendOptions{From: np.from, To: np.to, Text: fmt.Sprintf("topo test probe %d", n), Timeout: opts.Timeout})
		if ctx.Err() != nil {
			return
		}
		s := Sample{Latency: time.Since(at)}
		switch {
		case err != nil:
			s.Err = err.Error()
		case rcpt.Delivered:
			s.OK, s.Latency = true, time.Duration(rcpt.RTTMs*float64(time.Millisecond))
		default:
			s.Err = rcpt.Reason
		}
		r.add(np.exp, at, s)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
