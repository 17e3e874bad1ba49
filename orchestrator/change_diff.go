package orchestrator

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/topo-dev/topo/topology"
)

// running is what the diff knows of a topology that runs.
type running struct {
	plan *topology.Plan // read back from what runs (AppliedPlan)
	// nodes are the parts of each node's container, by node: its
	// topo.spec label, or (made by an older topo) what the plan read back
	// tells, which leaves out env, privileges and placement.
	nodes map[string]parts
	// topology holds the pool and faults parts from a network's label;
	// empty when none has one.
	topology parts
}

// diffOptions adjust the diff.
type diffOptions struct {
	// fixedAddrs is the engine's Capabilities().FixedAddresses: without
	// them the addresses read back are the engine's, not the plan's, and
	// are not compared.
	fixedAddrs bool
}

// planDiff builds a Change: each step adds to its group of operations.
type planDiff struct {
	old     running
	want    *topology.Plan
	parts   map[string]parts                 // the new plan's, by node
	reach   map[string]map[string]netip.Addr // the new plan's Reachable(); nil for routing none
	opts    diffOptions
	groups  [6][]Operation // in the order they run: see Change
	refused []string
	touched map[string]bool // nodes a segment or node operation names
	moved   map[string]bool // segments that cannot keep their subnets
	// poolChanged is set when the pool changed, which is then the one
	// reason given for the segments it moves.
	poolChanged bool
	// restart are the topology-wide settings that changed which a node
	// takes only when it starts: every node that stays is recreated.
	restart []FieldChange
	// trafficOff is set when the background traffic is turned off, and
	// nothing else of it changes: the agents take that at runtime.
	trafficOff bool
	// wantOld is the new plan with what up changes in place as it runs
	// (the impairments of the segments that stay, traffic turned off): a
	// node whose wiring differs only by those takes no new config.
	wantOld *topology.Plan
}

// The groups of operations, in the order they run: a node's networks
// exist before it is made, and a segment is removed once its members are.
const (
	groupAddSegments = iota
	groupAddNodes
	groupChanges
	groupRemoveNodes
	groupRemoveSegments
	groupRecreates
)

// diffPlans compares a running topology with the plan of its edited file
// (planned with the running subnets kept) and says what changes, as
// typed operations in the order they run, and what cannot be applied.
// It is pure: the orchestrator reads what runs, and executes the result.
func diffPlans(old running, want *topology.Plan, opts diffOptions) *Change {
	d := &planDiff{old: old, want: want, opts: opts, parts: map[string]parts{}, touched: map[string]bool{}, moved: map[string]bool{}}
	if want.Routing != topology.RoutingNone {
		d.reach = want.Reachable()
	}
	for i := range want.Nodes {
		d.parts[want.Nodes[i].Name] = nodeParts(want, &want.Nodes[i], d.reach)
	}
	d.topologyWide()
	d.segments()
	d.nodes()
	c := &Change{Name: want.Name, File: want.File, Refused: d.refused}
	c.Reconfigure, c.configChanges = d.configs()
	c.Refused = append(c.Refused, d.unreconfigurable(c.Reconfigure)...)
	for _, g := range d.groups {
		c.Operations = append(c.Operations, g...)
	}
	for i := range c.Operations {
		c.Operations[i].Text = c.Operations[i].text()
	}
	return c
}

func (d *planDiff) add(group int, op Operation) { d.groups[group] = append(d.groups[group], op) }

// topologyWide compares what every node shares: layout and routing (which
// cannot change in place), the pool, traffic, log level and faults.
func (d *planDiff) topologyWide() {
	old, want := d.old.plan, d.want
	if old.Layout != want.Layout {
		d.refused = append(d.refused, fmt.Sprintf("the layout changed from %s to %s", old.Layout, want.Layout))
	}
	if old.Routing != want.Routing {
		d.refused = append(d.refused, fmt.Sprintf("routing changed from %s to %s", old.Routing, want.Routing))
	}
	wantTop := networkParts(want, &topology.PlanSegment{})
	if slices.Contains(d.old.topology.differ(wantTop, []string{partPool}), partPool) {
		d.poolChanged = true
		d.refused = append(d.refused, fmt.Sprintf("network.pool changed (to %s)", want.Pool))
	}
	// An agent reads its traffic and log level once, at start: a change
	// of either recreates every node, whose config carries both; but
	// traffic turned off, which the agents take at runtime.
	if ot, wt := old.Traffic, want.Traffic; ot.Interval > 0 && wt.Interval == 0 && ot.Protocol == wt.Protocol && ot.Size == wt.Size {
		d.trafficOff = true
		d.add(groupChanges, Operation{Op: OpChange, On: OnTraffic, Fields: changed(nil, "interval", topology.FormatDuration(ot.Interval), "0")})
	} else {
		d.restart = restartTraffic(d.restart, ot, wt)
	}
	d.restart = changed(d.restart, "log level", logLevel(old.LogLevel), logLevel(want.LogLevel))
	if len(d.old.topology.differ(wantTop, []string{partFaults})) > 0 {
		d.add(groupChanges, Operation{Op: OpChange, On: OnFaults})
	}
}

// restartTraffic adds to out the settings of the traffic that changed, which
// an agent takes when it starts.
func restartTraffic(out []FieldChange, old, want topology.Traffic) []FieldChange {
	out = changed(out, "traffic protocol", old.Protocol, want.Protocol)
	out = changed(out, "traffic interval", topology.FormatDuration(old.Interval), topology.FormatDuration(want.Interval))
	return changed(out, "traffic size", fmt.Sprint(old.Size), fmt.Sprint(want.Size))
}

// segments compares segments by name: made, removed, or changed in place
// (impairment, members). One that stays keeps its subnet, or the change
// cannot be applied.
func (d *planDiff) segments() {
	old, want := d.old.plan, d.want
	for _, s := range want.Segments {
		os, ok := old.Segment(s.Name)
		if !ok {
			d.add(groupAddSegments, Operation{Op: OpAdd, On: OnSegment, Name: s.Name, Subnet: s.Subnet.String()})
			d.touch(s.Members...)
			continue
		}
		if os.Subnet != s.Subnet {
			d.moved[s.Name] = true
			if !d.poolChanged { // which says why every segment moves
				d.refused = append(d.refused, moved(*os, s))
			}
		}
		fields := impairmentChanges(os.Impairment, s.Impairment)
		fields = changed(fields, "from", fromText(*os), fromText(s))
		fields = changed(fields, "members", strings.Join(os.Members, ","), strings.Join(s.Members, ","))
		if len(fields) == 0 {
			continue
		}
		d.touch(append(os.Members, s.Members...)...)
		op := Operation{Op: OpChange, On: OnSegment, Name: s.Name, Fields: fields}
		if !s.Shared && len(s.Members) == 2 && slices.Equal(os.Members, s.Members) {
			op.On, op.Name = OnLink, strings.Join(s.Members, "–")
		}
		d.add(groupChanges, op)
	}
	for _, os := range old.Segments {
		if _, ok := want.Segment(os.Name); !ok {
			d.add(groupRemoveSegments, Operation{Op: OpRemove, On: OnSegment, Name: os.Name, Subnet: os.Subnet.String()})
			d.touch(os.Members...)
		}
	}
}

// moved says why a segment that stays cannot keep its subnet.
func moved(old, want topology.PlanSegment) string {
	if want.Subnet.Bits() < old.Subnet.Bits() {
		return fmt.Sprintf("segment %s needs a /%d for its %d members, and runs on %s", want.Name, want.Subnet.Bits(), len(want.Members), old.Subnet)
	}
	return fmt.Sprintf("segment %s would move from %s to %s", want.Name, old.Subnet, want.Subnet)
}

// nodes compares nodes by name: made, removed, or recreated when their own
// settings changed. No node that stays may move to another address.
func (d *planDiff) nodes() {
	old, want := d.old.plan, d.want
	for i := range want.Nodes {
		n := &want.Nodes[i]
		on, ok := old.Node(n.Name)
		if !ok {
			d.add(groupAddNodes, Operation{Op: OpAdd, On: OnNode, Name: n.Name})
			d.touch(n.Name)
			d.refused = append(d.refused, takesAddress(old, want, n)...)
			continue
		}
		own := d.old.nodes[n.Name].differ(d.parts[n.Name], ownParts)
		if len(own)+len(d.restart) > 0 {
			fields := append(ownChanges(on, n, own), d.restart...)
			d.add(groupRecreates, Operation{Op: OpRecreate, On: OnNode, Name: n.Name, Fields: fields})
			continue
		}
		if !d.opts.fixedAddrs {
			continue
		}
		for _, s := range slices.Sorted(maps.Keys(n.Addresses)) {
			if a, ok := on.Addresses[s]; ok && a != n.Addresses[s] && !d.moved[s] { // a segment that moves says so
				d.refused = append(d.refused, fmt.Sprintf("node %s's address on %s would move from %s to %s", n.Name, s, a, n.Addresses[s]))
			}
		}
	}
	for _, on := range old.Nodes {
		if _, ok := want.Node(on.Name); !ok {
			d.add(groupRemoveNodes, Operation{Op: OpRemove, On: OnNode, Name: on.Name})
			d.touch(on.Name)
		}
	}
}

// takesAddress says where node n, added, would take the address of a node
// removed in the same change, which holds it until it is removed, after
// n is made.
func takesAddress(old, want *topology.Plan, n *topology.PlanNode) []string {
	var out []string
	for _, on := range old.Nodes {
		if _, stays := want.Node(on.Name); stays {
			continue
		}
		for _, seg := range sortedKeys(n.Addresses) {
			if a, ok := on.Addresses[seg]; ok && a == n.Addresses[seg] {
				out = append(out, fmt.Sprintf("node %s would take %s on %s, which %s, removed, holds until after %s is made; "+
					"remove %s in one up and add %s in the next", n.Name, a, seg, on.Name, n.Name, on.Name, n.Name))
			}
		}
	}
	return out
}

// ownChanges names a node's own settings that changed, with the old and
// new values where what runs tells them.
func ownChanges(old, want *topology.PlanNode, keys []string) []FieldChange {
	var out []FieldChange
	for _, k := range keys {
		f := FieldChange{Field: k}
		switch k {
		case partImage:
			f.From, f.To = imageName(old.Image), imageName(want.Image)
		case partRole:
			f.From, f.To = old.Role, want.Role
		case partCommand:
			if old.Image != "" && want.Image != "" {
				f.From, f.To = strings.Join(old.Command, " "), strings.Join(want.Command, " ")
			}
		}
		out = append(out, f)
	}
	return out
}

// imageName is a node's image, or "topo's agent".
func imageName(image string) string {
	if image == "" {
		return "topo's agent"
	}
	return image
}

// touch marks nodes an operation names, whose configs change with it.
func (d *planDiff) touch(nodes ...string) {
	for _, n := range nodes {
		d.touched[n] = true
	}
}

// fromText says which end of a link its impairment holds for: "both
// ends" where it holds both ways (or there is none).
func fromText(s topology.PlanSegment) string {
	if f := impairFrom(s); f != "" {
		return f
	}
	return "both ends"
}

// impairmentChanges lists how a segment's impairment changes.
func impairmentChanges(old, want topology.Impairment) []FieldChange {
	var out []FieldChange
	out = changed(out, "delay", topology.FormatDuration(old.Delay), topology.FormatDuration(want.Delay))
	out = changed(out, "jitter", topology.FormatDuration(old.Jitter), topology.FormatDuration(want.Jitter))
	out = changed(out, "loss", topology.FormatLoss(old.Loss), topology.FormatLoss(want.Loss))
	return changed(out, "rate", topology.FormatRate(old.Rate), topology.FormatRate(want.Rate))
}

// changed adds a field to out when its values differ.
func changed(out []FieldChange, field, from, to string) []FieldChange {
	if from == to {
		return out
	}
	return append(out, FieldChange{Field: field, From: from, To: to})
}

// logLevel is the agents' log level, "" being info.
func logLevel(l string) string {
	if l == "" {
		return "info"
	}
	return l
}
