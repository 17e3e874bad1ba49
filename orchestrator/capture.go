package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// CaptureOptions say what Capture captures.
type CaptureOptions struct {
	// Target is a link (two node names, A B: captured on A's interface on
	// it), a node (every interface of it) or a shared segment (on one
	// member's interface on it).
	Target   []string
	Filter   string        // see agent.CaptureFilterHelp; empty: every packet
	Count    int           // stop after that many packets; 0: no limit
	Duration time.Duration // stop after that long; 0: until ctx ends
	SnapLen  int           // 0: agent.DefaultSnapLen
}

// CapturePoint is where a capture listens: a node and its interfaces,
// each by address and what it leads to.
type CapturePoint struct {
	Node  string
	Addrs []string
	Names []string // per address: "a–b", or the segment's name
}

// String says where, for people: "a 10.1.0.2 (a–b)".
func (p CapturePoint) String() string {
	parts := make([]string, len(p.Addrs))
	for i, a := range p.Addrs {
		parts[i] = fmt.Sprintf("%s (%s)", a, p.Names[i])
	}
	return p.Node + " " + strings.Join(parts, ", ")
}

// captureMemory caps a capture helper: a packet buffer per interface.
const captureMemory = 64 << 20

// Capture captures the packets of a link, node or segment of a running
// topology and writes them to out as pcapng, as they come, until ctx
// ends, opts.Count packets were written or opts.Duration passed. It
// captures from inside the node's network namespace, with a short-lived
// helper from the node image that holds NET_RAW and nothing else; the
// node itself gets nothing, so that a node running a user's image is
// captured as well as one running topo's agent. started, when not nil,
// hears where the capture listens before it starts. A capture that ctx
// ends is a whole one: the summary says what was written and dropped.
func (o *Orchestrator) Capture(ctx context.Context, name string, opts CaptureOptions, out io.Writer, started func(CapturePoint)) (*agent.CaptureSummary, error) {
	if !engine.CapabilitiesOf(o.rt).NetnsHelpers {
		return nil, fmt.Errorf("capture: %s cannot run a helper in a node's network namespace: %w", engine.CapabilitiesOf(o.rt).Engine, engine.ErrUnsupported)
	}
	l, err := o.readLive(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	pt, err := capturePoint(l, name, opts.Target)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	c, err := runningNode(l.containers, name, pt.Node)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	image, err := o.NodeImage(ctx)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	cmd := agent.CaptureCommand(agent.CaptureOptions{Addrs: pt.Addrs, Names: pt.Names, Filter: opts.Filter,
		Count: opts.Count, Duration: opts.Duration, SnapLen: opts.SnapLen})
	spec := captureHelper(name, pt.Node, c.ID, image, agentArgs(cmd))
	if started != nil {
		started(pt)
	}
	var stderr bytes.Buffer
	code, err := o.rt.RunStream(ctx, spec, out, &stderr)
	if err != nil {
		return nil, fmt.Errorf("capture on %s: %w", pt.Node, err)
	}
	said, sum := captureSummary(stderr.Bytes())
	if code != agent.ExitOK {
		return sum, fmt.Errorf("capture on %s: %w", pt.Node, o.helperFailed("the capture helper", "capture on "+pt.Node, code, said))
	}
	if sum == nil {
		return nil, fmt.Errorf("capture on %s: the helper ended without its summary: %s", pt.Node, firstLine(said))
	}
	return sum, nil
}

// captureHelper is the streaming helper of a capture: the node image's
// agent as root with NET_RAW alone, in the node container's network
// namespace. Its name is unique, so that captures on one node may run
// side by side; `topo down` removes it by its helper label.
func captureHelper(topology, node, containerID, image string, args []string) engine.ContainerSpec {
	spec := netnsHelper(topology, node, image, args)
	spec.JoinNetworkOf = containerID
	spec.CapAdd = []string{"NET_RAW"}
	spec.MemoryBytes = captureMemory
	spec.Name = engine.ContainerName(topology, node) + "-capture-" + newRunID()
	return spec
}

// captureSummary splits what a capture helper said on stderr into its
// messages and its summary, the last line.
func captureSummary(stderr []byte) (said []byte, sum *agent.CaptureSummary) {
	trimmed := bytes.TrimRight(stderr, "\n")
	i := bytes.LastIndexByte(trimmed, '\n')
	last := trimmed[i+1:]
	var s agent.CaptureSummary
	if json.Unmarshal(last, &s) != nil {
		return stderr, nil
	}
	return trimmed[:i+1], &s
}

// capturePoint resolves a capture's target against the plan.
func capturePoint(l *live, name string, target []string) (CapturePoint, error) {
	plan := l.plan
	switch len(target) {
	case 2:
		return linkPoint(plan, name, target[0], target[1])
	case 1:
		if n, ok := plan.Node(target[0]); ok {
			pt := CapturePoint{Node: n.Name}
			for _, s := range plan.Segments {
				if a, ok := n.Addresses[s.Name]; ok {
					pt.Addrs = append(pt.Addrs, a.String())
					pt.Names = append(pt.Names, segmentLabel(&s))
				}
			}
			return pt, nil
		}
		if s, ok := plan.Segment(target[0]); ok {
			return segmentPoint(l, s)
		}
		return CapturePoint{}, fmt.Errorf("topology %s has no node or segment %q; its nodes are %s, its segments %s",
			name, clipEcho(target[0]), strings.Join(nodeNames(plan), ", "), strings.Join(segmentNames(plan), ", "))
	}
	return CapturePoint{}, fmt.Errorf("want a link (A B), a node or a segment, not %d names", len(target))
}

// linkPoint is a's interface on the segment it shares with b: their link,
// or the LAN they are both on.
func linkPoint(plan *topology.Plan, name, a, b string) (CapturePoint, error) {
	na, ok := plan.Node(a)
	if !ok {
		return CapturePoint{}, fmt.Errorf("topology %s has %w %q; its nodes are %s", name, ErrNoNode, clipEcho(a), strings.Join(nodeNames(plan), ", "))
	}
	nb, ok := plan.Node(b)
	if !ok {
		return CapturePoint{}, fmt.Errorf("topology %s has %w %q; its nodes are %s", name, ErrNoNode, clipEcho(b), strings.Join(nodeNames(plan), ", "))
	}
	if a == b {
		return CapturePoint{}, fmt.Errorf("%s %s: a link joins two nodes; `topo capture %s` captures every link of it", a, b, a)
	}
	for _, s := range plan.Segments {
		addr, onA := na.Addresses[s.Name]
		if _, onB := nb.Addresses[s.Name]; onA && onB {
			return CapturePoint{Node: a, Addrs: []string{addr.String()}, Names: []string{segmentLabel(&s)}}, nil
		}
	}
	var peers []string
	for _, nb := range na.Neighbors {
		peers = append(peers, nb.Name)
	}
	return CapturePoint{}, fmt.Errorf("no link between %s and %s: they share no segment; %s's neighbours are %s", a, b, a, strings.Join(peers, ", "))
}

// segmentPoint is a shared segment captured on its first running member:
// on a bridge every member sees what is broadcast, and what members
// send each other passes through the bridge, not through a member.
func segmentPoint(l *live, s *topology.PlanSegment) (CapturePoint, error) {
	for _, m := range s.Members {
		if c, ok := l.container(m); ok && c.State == "running" {
			n, _ := l.plan.Node(m)
			return CapturePoint{Node: m, Addrs: []string{n.Addresses[s.Name].String()}, Names: []string{segmentLabel(s)}}, nil
		}
	}
	return CapturePoint{}, fmt.Errorf("segment %s: none of its members (%s) is running", s.Name, strings.Join(s.Members, ", "))
}

// segmentLabel names a segment for people: "a–b" for a link, its name
// for a shared segment.
func segmentLabel(s *topology.PlanSegment) string {
	if !s.Shared && len(s.Members) == 2 {
		return s.Members[0] + "–" + s.Members[1]
	}
	return s.Name
}
