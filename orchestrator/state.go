package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
)

// ErrNoTopology is returned, wrapped, when a named topology is not running.
var ErrNoTopology = errors.New("no such topology")

// TopologyInfo is one running topology, as `topo ls` shows it.
type TopologyInfo struct {
	Name    string    `json:"name"`
	Layout  string    `json:"layout"`
	Nodes   int       `json:"nodes"`
	Running int       `json:"running"`
	Created time.Time `json:"created"`
	File    string    `json:"file"`
	// Version is the topo that created it (engine.LabelVersion); "" for
	// one created before topo labelled its version.
	Version string `json:"version,omitempty"`
	// Leftover is set when a test run created it and is gone.
	Leftover *Leftover `json:"leftover,omitempty"`
	// Hosts are the hosts its nodes run on, sorted, on an engine of
	// several hosts (a swarm); nil on one engine.
	Hosts []string `json:"hosts,omitempty"`
}

// List returns the topologies that have containers, by name.
func (o *Orchestrator) List(ctx context.Context) ([]TopologyInfo, error) {
	cs, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelTopology: ""})
	if err != nil {
		return nil, fmt.Errorf("ls: %w", err)
	}
	by := map[string]*TopologyInfo{}
	labels := map[string][]map[string]string{}
	for _, c := range cs {
		name := c.Labels[engine.LabelTopology]
		t := by[name]
		if t == nil {
			t = &TopologyInfo{Name: name, Layout: c.Labels[engine.LabelLayout], File: c.Labels[engine.LabelFile], Created: c.Created, Version: c.Labels[engine.LabelVersion]}
			by[name] = t
		}
		labels[name] = append(labels[name], c.Labels)
		t.Nodes++
		if c.Host != "" && !slices.Contains(t.Hosts, c.Host) {
			t.Hosts = append(t.Hosts, c.Host)
			slices.Sort(t.Hosts)
		}
		if c.State == "running" {
			t.Running++
		}
		if c.Created.Before(t.Created) {
			t.Created = c.Created
		}
	}
	out := make([]TopologyInfo, 0, len(by))
	left := newLeftovers(TestRunOver)
	for _, k := range sortedKeys(by) {
		by[k].Leftover = left.of(labels[k])
		out = append(out, *by[k])
	}
	return out, nil
}

// Status is a running topology as `topo status -o json` prints it. Its JSON
// form is a documented contract: add fields, never rename them.
type Status struct {
	Name     string          `json:"name"`
	Layout   string          `json:"layout"`
	File     string          `json:"file,omitempty"`
	Nodes    []NodeStatus    `json:"nodes"`
	Segments []SegmentStatus `json:"segments"`
	// Faults are the faults in force: links down or lossy, a partition,
	// and nodes stopped, killed or paused (which show in their state too).
	Faults []Fault `json:"faults,omitempty"`
}

// NodeStatus is one node of a Status.
type NodeStatus struct {
	Name      string `json:"name"`
	Role      string `json:"role,omitempty"`
	Container string `json:"container"`
	// Host is the host that runs the node, on an engine of several hosts
	// (a swarm); "" on one engine.
	Host string `json:"host,omitempty"`
	// HostDown: the host is down, unreachable or drained; State is the
	// last its engine reported.
	HostDown  bool              `json:"host_down,omitempty"`
	State     string            `json:"state"`
	Ready     bool              `json:"ready"`
	Addresses map[string]string `json:"addresses"`
	Neighbors []string          `json:"neighbors"`
	Links     []LinkStatus      `json:"links,omitempty"`
	Stats     NodeStats         `json:"stats"`
	// StatsAt is when the agent logged Ready, Links and Stats, in a
	// topology of agent.StatsNodes nodes or more, where status reads the
	// agents' periodic stats events (at most a few seconds old) instead of
	// asking each; zero when the agent was asked.
	StatsAt time.Time `json:"stats_at,omitzero"`
	// ExitCode and OOMKilled say how a container that is not running ended:
	// OOMKilled is true when the kernel killed it for want of memory.
	ExitCode  int  `json:"exit_code,omitempty"`
	OOMKilled bool `json:"oom_killed,omitempty"`
	// Error says why the node's agent could not be asked, if it could not.
	Error string `json:"error,omitempty"`
}

// LinkStatus is the state of a node's link to one neighbour.
type LinkStatus struct {
	Neighbor string `json:"neighbor"`
	State    string `json:"state"`
	Fault    string `json:"fault,omitempty"` // a runtime fault on it, as the agent knows it
}

// NodeStats are a node's message counters, as its agent counts them, and
// its agent's resident memory.
type NodeStats struct {
	agent.Counters
	// RSSBytes is the agent's resident memory, where it reports it.
	RSSBytes int64 `json:"rss_bytes,omitempty"`
	// InFlight, QueuedBytes and Outbox are what the node has not settled
	// yet: frames sent and not acknowledged, frames queued, and a ring
	// node's messages waiting for the token. A topology is at rest when
	// they are 0 everywhere and no traffic is originated.
	InFlight    int   `json:"in_flight"`
	QueuedBytes int64 `json:"queued_bytes"`
	Outbox      int   `json:"outbox"`
}

// SegmentStatus is one network of a Status.
type SegmentStatus struct {
	Name    string   `json:"name"`
	Network string   `json:"network"`
	Subnet  string   `json:"subnet"`
	Members []string `json:"members"`
}

// StatusOptions adjust Status.
type StatusOptions struct {
	MaxWorkers int // agents asked at once; DefaultMaxWorkers when 0
}

// Status reads a topology back from the engine's labels and asks every
// running agent for its counters.
func (o *Orchestrator) Status(ctx context.Context, name string, opts StatusOptions) (*Status, error) {
	if err := needName(name); err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	maxWorkers := opts.MaxWorkers
	if maxWorkers <= 0 {
		maxWorkers = DefaultMaxWorkers
	}
	sel := map[string]string{engine.LabelTopology: name}
	cs, err := o.rt.ListContainers(ctx, sel)
	if err != nil {
		return nil, fmt.Errorf("status %s: %w", name, err)
	}
	ns, err := o.rt.ListNetworks(ctx, sel)
	if err != nil {
		return nil, fmt.Errorf("status %s: %w", name, err)
	}
	if len(cs) == 0 && len(ns) == 0 {
		return nil, fmt.Errorf("status %s: %w; `topo ls` lists the running ones", name, ErrNoTopology)
	}
	sortByOrder(cs, func(c engine.ContainerInfo) map[string]string { return c.Labels })
	sortByOrder(ns, func(n engine.NetworkInfo) map[string]string { return n.Labels })

	st := &Status{Name: name}
	segOf := map[string]string{} // network name -> segment
	for _, n := range ns {
		seg := n.Labels[engine.LabelSegment]
		segOf[n.Name] = seg
		ss := SegmentStatus{Name: seg, Network: n.Name, Members: []string{}}
		if len(n.Subnets) > 0 {
			ss.Subnet = n.Subnets[0].String()
		}
		st.Segments = append(st.Segments, ss)
		if st.Layout == "" {
			st.Layout, st.File = n.Labels[engine.LabelLayout], n.Labels[engine.LabelFile]
		}
	}
	st.Nodes = make([]NodeStatus, len(cs))
	for i, c := range cs {
		nodeName := c.Labels[engine.LabelNode]
		st.Layout, st.File = c.Labels[engine.LabelLayout], c.Labels[engine.LabelFile]
		n := NodeStatus{
			Name: nodeName, Role: c.Labels[engine.LabelRole], Container: c.Name, Host: c.Host, HostDown: c.HostDown, State: c.State,
			Addresses: map[string]string{}, Neighbors: []string{},
		}
		for net, ip := range c.Networks {
			seg, ok := segOf[net]
			if !ok {
				continue
			}
			n.Addresses[seg] = ip.String()
			for j := range st.Segments {
				if st.Segments[j].Network == net {
					st.Segments[j].Members = append(st.Segments[j].Members, nodeName)
				}
			}
		}
		st.Nodes[i] = n
	}

	idx := make([]int, len(cs))
	for i := range cs {
		idx[i] = i
	}
	fromLogs := statsFromLogs(cs)
	err = boundedEach(ctx, maxWorkers, idx, func(ctx context.Context, i int) error {
		o.fillStats(ctx, cs[i], &st.Nodes[i], fromLogs)
		return nil // a node that cannot answer is reported in its status, not as a failure
	})
	if err != nil {
		return nil, fmt.Errorf("status %s: %w", name, err)
	}
	if err := o.markIncomplete(ctx, name, cs, st); err != nil {
		return nil, fmt.Errorf("status %s: %w", name, err)
	}
	if err := o.statusFaults(ctx, name, st); err != nil {
		return nil, fmt.Errorf("status %s: %w", name, err)
	}
	return st, nil
}

// statusFaults adds the faults in force to st, and takes off its links
// what is no fault but the file's impairment changed in place.
func (o *Orchestrator) statusFaults(ctx context.Context, name string, st *Status) error {
	var err error
	if st.Faults, err = o.Faults(ctx, name); err != nil {
		return err
	}
	return o.hideFileImpairments(ctx, name, st)
}

// StateMissing is the state of a planned node that has no container: it
// was removed outside topo, or an interrupted up never made it. `topo up`
// of the topology's file makes it.
const StateMissing = "missing"

// markIncomplete adds the planned nodes that have no container, as
// missing, and marks not ready a node whose route helper an interrupted up
// left behind: its routes may not be installed.
func (o *Orchestrator) markIncomplete(ctx context.Context, name string, cs []engine.ContainerInfo, st *Status) error {
	again := "`topo up " + st.File + "` completes it"
	for _, m := range o.missingNodes(ctx, cs) {
		st.Nodes = append(st.Nodes, NodeStatus{Name: m, Container: engine.ContainerName(name, m), State: StateMissing,
			Addresses: map[string]string{}, Neighbors: []string{}, Error: "no container (removed outside topo?); " + again})
	}
	ob, err := o.observe(ctx, name)
	if err != nil {
		return err
	}
	for i := range st.Nodes {
		if _, left := ob.helpers[st.Nodes[i].Name]; left {
			st.Nodes[i].Ready = false
			st.Nodes[i].Error = "routes not installed: an interrupted up left its route helper; " + again
		}
	}
	return nil
}

func (o *Orchestrator) fillStats(ctx context.Context, c engine.ContainerInfo, n *NodeStatus, fromLogs bool) {
	if c.State != "running" {
		if full, err := o.rt.ContainerByName(ctx, c.Name); err == nil {
			n.ExitCode, n.OOMKilled = full.ExitCode, full.OOMKilled
		}
		return
	}
	if c.Labels[engine.LabelAgent] != "true" {
		n.Ready = true // a user's image: running is all we can know
		return
	}
	if fromLogs {
		// A node whose last event says it is not ready is asked: the
		// event may be from before its last link came up.
		if sum, at, ok := o.loggedStats(ctx, c); ok && sum.Ready {
			fillLoggedStats(n, sum, at)
			return
		}
	}
	as, err := o.agentStats(ctx, c.ID)
	if err != nil {
		n.Error = "stats: " + err.Error()
		return
	}
	n.Ready = as.Ready
	n.Stats = NodeStats{Counters: as.Counters, RSSBytes: as.RSSBytes, InFlight: as.InFlight,
		QueuedBytes: as.QueuedBytes, Outbox: as.Outbox}
	for _, nb := range as.Neighbors {
		n.Neighbors = append(n.Neighbors, nb.Name)
		n.Links = append(n.Links, LinkStatus{Neighbor: nb.Name, State: nb.State, Fault: nb.Fault})
	}
}

// sortByOrder sorts resources by their topo.order label: plan order.
func sortByOrder[T any](items []T, labels func(T) map[string]string) {
	slices.SortStableFunc(items, func(a, b T) int {
		x, _ := strconv.Atoi(labels(a)[engine.LabelOrder])
		y, _ := strconv.Atoi(labels(b)[engine.LabelOrder])
		return x - y
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// agentStats asks the agent in a container for its stats.
func (o *Orchestrator) agentStats(ctx context.Context, container string) (agent.Stats, error) {
	var out, errOut bytes.Buffer
	code, err := o.rt.Exec(ctx, container, agent.StatsCommand(), &out, &errOut)
	if err == nil && code != 0 {
		err = fmt.Errorf("exit %d: %s", code, bytes.TrimSpace(errOut.Bytes()))
	}
	if err != nil {
		return agent.Stats{}, err
	}
	var as agent.Stats
	if err := json.Unmarshal(out.Bytes(), &as); err != nil {
		return agent.Stats{}, err
	}
	return as, nil
}
