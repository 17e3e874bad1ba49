package topology

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ScheduledFault is one entry of a file's faults: list: a fault that
// starts At after the topology is ready and, when For is set, is lifted
// For later. It is one of a link down (Link, Down), an impaired link
// (Link, and LossPercent, Delay, Jitter or Rate, as topo impair takes
// them), either of them one way only (From), a partition (Partition), or a node action (Node, Action).
type ScheduledFault struct {
	// Name names the step so that expectations can refer to it; optional.
	Name        string        `json:"name,omitempty"`
	At          time.Duration `json:"at"`
	For         time.Duration `json:"for,omitempty"` // 0: until lifted by hand
	Link        []string      `json:"link,omitempty"`
	From        string        `json:"from,omitempty"` // one of Link: only what it sends is down or impaired
	Down        bool          `json:"down,omitempty"`
	LossPercent int           `json:"loss_percent,omitempty"`
	Delay       time.Duration `json:"delay,omitempty"`
	Jitter      time.Duration `json:"jitter,omitempty"`
	Rate        uint64        `json:"rate,omitempty"`
	Partition   [][]string    `json:"partition,omitempty"`
	Node        string        `json:"node,omitempty"`
	Action      string        `json:"action,omitempty"` // stop, start, restart, kill, pause, unpause
	Pos         Pos           `json:"-"`

	namePos Pos // where name: was given
}

// NodeActions are the actions a scheduled fault may take on a node.
var NodeActions = []string{"stop", "start", "restart", "kill", "pause", "unpause"}

// MaxScheduledFaults bounds a file's faults: list.
const MaxScheduledFaults = 100

// MaxStepNameLen bounds the name of a fault step, a DNS label.
const MaxStepNameLen = 63

// faults decodes the faults: section.
func (d *decoder) faults(t *Topology, v *yaml.Node) {
	if v.Kind != yaml.SequenceNode {
		d.e.add(pos(v), "faults: want a list like - {at: 10s, link: [a, b], down: 5s}, got %s", describe(v))
		d.faultsBad = true
		return
	}
	if len(v.Content) > MaxScheduledFaults {
		d.e.add(pos(v), "faults: %d entries, at most %d", len(v.Content), MaxScheduledFaults)
		d.faultsBad = true
		return
	}
	named := map[string]int{} // step name -> line
	for i, item := range v.Content {
		item = resolve(item)
		what := fmt.Sprintf("faults[%d]", i)
		f, ok := d.fault(item, what)
		if f.Name != "" {
			if line, dup := named[f.Name]; dup {
				d.e.add(f.namePos, "%s.name: step %q is named twice (first at line %d): expectations refer to a step by its name", what, f.Name, line)
				ok = false
			} else {
				named[f.Name] = f.namePos.Line
			}
			if !ok {
				// Expectations that name it are not told it does not exist.
				d.badSteps[f.Name] = true
			}
		}
		if ok {
			t.Faults = append(t.Faults, f)
		}
	}
}

// faultName decodes a step's optional name:.
func (d *decoder) faultName(fs fieldSet, f *ScheduledFault, what string) bool {
	v, ok := fs.val["name"]
	if !ok {
		return true
	}
	f.namePos = pos(v)
	s, ok := d.scalar(v, what+".name", "a step name like cut-hub")
	if !ok {
		return false
	}
	f.Name = s
	if !validName(s, MaxStepNameLen) {
		d.e.add(pos(v), "%s.name: %q is not a valid step name: use %s, at most %d characters", what, clipEcho(s), nameRule, MaxStepNameLen)
		return false
	}
	return true
}

// fault decodes one scheduled fault.
func (d *decoder) fault(m *yaml.Node, what string) (ScheduledFault, bool) {
	f := ScheduledFault{Pos: pos(m)}
	fs, ok := d.fields(m, what, "name", "at", "link", "down", "loss", "delay", "jitter", "rate", "for", "partition", "node", "action", "from")
	if !ok {
		return f, false
	}
	good := d.faultName(fs, &f, what)
	dur := func(key string) (time.Duration, bool) {
		v, ok := fs.val[key]
		if !ok {
			return 0, true
		}
		s, ok := d.scalar(v, what+"."+key, "a duration like 10s")
		if !ok {
			return 0, false
		}
		x, err := time.ParseDuration(s)
		if err != nil || x < 0 || x > 24*time.Hour {
			d.e.add(pos(v), "%s.%s: %q, want a duration from 0 to 24h, like 10s", what, key, s)
			return 0, false
		}
		return x, true
	}
	var okAt, okFor, okDown, okDelay, okJitter bool
	f.At, okAt = dur("at")
	f.For, okFor = dur("for")
	down, okDown := dur("down")
	f.Delay, okDelay = dur("delay")
	f.Jitter, okJitter = dur("jitter")
	okDown = okDown && okDelay && okJitter
	if _, has := fs.val["at"]; !has {
		d.e.add(pos(m), "%s: at: is missing: when, after the topology is ready, like at: 10s", what)
		good = false
	}
	good = good && okAt && okFor && okDown
	kinds := 0
	for _, k := range []string{"link", "partition", "node"} {
		if fs.has(k) {
			kinds++
		}
	}
	if kinds != 1 {
		d.e.add(pos(m), "%s: give one of link:, partition: or node:", what)
		return f, false
	}
	if v, ok := fs.val["from"]; ok && !fs.has("link") {
		d.e.add(pos(v), "%s.from: only a link takes from: (the end whose sending is cut or impaired)", what)
		good = false
	}
	switch {
	case fs.has("link"):
		good = d.faultLink(fs, &f, what, down) && good
	case fs.has("partition"):
		f.Partition = d.nameLists(fs.val["partition"], what+".partition")
		good = len(f.Partition) > 0 && good
	case fs.has("node"):
		good = d.faultNode(fs, &f, what) && good
	}
	return f, good
}

// faultLink decodes a link fault: down for a while, or lossy.
func (d *decoder) faultLink(fs fieldSet, f *ScheduledFault, what string, down time.Duration) bool {
	names := d.nameLists(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{fs.val["link"]}}, what+".link")
	if len(names) != 1 || len(names[0]) != 2 {
		d.e.add(pos(fs.val["link"]), "%s.link: want two node names, like [a, b]", what)
		return false
	}
	f.Link = names[0]
	if v, ok := fs.val["from"]; ok {
		s, ok := d.scalar(v, what+".from", "one end of the link")
		if !ok {
			return false
		}
		if !slices.Contains(f.Link, s) {
			d.e.add(pos(v), "%s.from: %q, want one end of the link, %s or %s", what, clipEcho(s), f.Link[0], f.Link[1])
			return false
		}
		f.From = s
	}
	impaired := fs.has("loss") || fs.has("delay") || fs.has("jitter") || fs.has("rate")
	switch {
	case fs.has("down") && impaired:
		d.e.add(pos(fs.val["down"]), "%s: a link is down or impaired (loss, delay, jitter, rate), not both", what)
		return false
	case fs.has("down"):
		f.Down, f.For = true, max(f.For, down)
	case impaired:
		return d.faultImpairment(fs, f, what)
	default:
		d.e.add(pos(fs.val["link"]), "%s: say what happens to the link: down: 5s, or loss: 20%%, delay: 100ms, jitter: 10ms, rate: 1mbit", what)
		return false
	}
	return true
}

// faultImpairment decodes the loss and rate of an impaired link; its delay
// and jitter are decoded with the other durations.
func (d *decoder) faultImpairment(fs fieldSet, f *ScheduledFault, what string) bool {
	if v, ok := fs.val["loss"]; ok {
		text, ok := d.scalar(v, what+".loss", "a percentage like 20%")
		l, err := ParseLoss(text)
		if !ok || err != nil || l <= 0 || l >= 1 {
			d.e.add(pos(v), "%s.loss: %q, want a percentage above 0%% and below 100%%, like 20%%", what, text)
			return false
		}
		f.LossPercent = max(1, int(math.Round(l*100)))
	}
	if v, ok := fs.val["rate"]; ok {
		text, ok := d.scalar(v, what+".rate", "a rate like 1mbit")
		r, err := ParseRate(text)
		if !ok || err != nil || r == 0 {
			d.e.add(pos(v), "%s.rate: %q, want a rate like 1mbit or 500kbit", what, text)
			return false
		}
		f.Rate = r
	}
	if f.Jitter > f.Delay {
		d.e.add(pos(fs.val["jitter"]), "%s.jitter: %v is more than the delay %v", what, f.Jitter, f.Delay)
		return false
	}
	return true
}

// faultNode decodes a node action.
func (d *decoder) faultNode(fs fieldSet, f *ScheduledFault, what string) bool {
	n, ok := d.scalar(fs.val["node"], what+".node", "a node name")
	a, okA := "", false
	if v, has := fs.val["action"]; has {
		a, okA = d.scalar(v, what+".action", "stop, start, restart, kill, pause or unpause")
		if okA && !slices.Contains(NodeActions, a) {
			d.e.add(pos(v), "%s.action: %q, want stop, start, restart, kill, pause or unpause", what, a)
			okA = false
		}
	} else {
		d.e.add(pos(fs.val["node"]), "%s: action: is missing: stop, start, restart, kill, pause or unpause", what)
	}
	f.Node, f.Action = n, a
	return ok && okA
}

// nameLists reads a list of lists of node names, like [[a, b], [c]].
func (d *decoder) nameLists(v *yaml.Node, what string) [][]string {
	if v.Kind != yaml.SequenceNode {
		d.e.add(pos(v), "%s: want a list of node lists like [[a, b], [c, d]], got %s", what, describe(v))
		return nil
	}
	var out [][]string
	for _, g := range v.Content {
		g = resolve(g)
		if g.Kind != yaml.SequenceNode {
			d.e.add(pos(g), "%s: want a list of node names, got %s", what, describe(g))
			return nil
		}
		var names []string
		for _, n := range g.Content {
			if s, ok := d.scalar(resolve(n), what, "a node name"); ok {
				names = append(names, s)
			}
		}
		out = append(out, names)
	}
	return out
}

// validateFaults checks that the schedule names only the topology's nodes.
func validateFaults(t *Topology, e *errs) {
	names := map[string]bool{}
	for _, n := range t.Nodes {
		names[n.Name] = true
	}
	if !t.src.parsed {
		checkStepNames(t.Faults, e)
	}
	for _, f := range t.Faults {
		all := slices.Concat(append([][]string{f.Link, {f.Node}}, f.Partition...)...)
		for _, n := range all {
			if n != "" && !names[n] {
				e.add(f.Pos, "fault: no node %q", n)
			}
		}
		if len(f.Link) == 2 && f.Link[0] == f.Link[1] {
			e.add(f.Pos, "fault: a link joins two nodes, not %s to itself", f.Link[0])
		}
	}
}

// checkStepNames checks the step names of a schedule built in Go; a
// file's are checked as they are read, at their positions.
func checkStepNames(faults []ScheduledFault, e *errs) {
	seen := map[string]bool{}
	for _, f := range faults {
		switch {
		case f.Name == "":
		case !validName(f.Name, MaxStepNameLen):
			e.add(f.Pos, "fault: %q is not a valid step name: use %s, at most %d characters", clipEcho(f.Name), nameRule, MaxStepNameLen)
		case seen[f.Name]:
			e.add(f.Pos, "fault: step %q is named twice", f.Name)
		}
		seen[f.Name] = true
	}
}

// String describes the fault for people, e.g. "at 10s: link a–b down for 5s".
func (f ScheduledFault) String() string {
	var what string
	link := ""
	if len(f.Link) == 2 {
		link = f.Link[0] + "–" + f.Link[1]
		if to := slices.DeleteFunc(slices.Clone(f.Link), func(n string) bool { return n == f.From }); f.From != "" && len(to) == 1 {
			link = f.From + "→" + to[0]
		}
	}
	switch {
	case len(f.Link) == 2 && f.Down:
		what = "link " + link + " down"
	case len(f.Link) == 2:
		what = fmt.Sprintf("link %s impaired: %s", link, f.impairment())
	case len(f.Partition) > 0:
		var gs []string
		for _, g := range f.Partition {
			gs = append(gs, strings.Join(g, ","))
		}
		what = "partition " + strings.Join(gs, " | ")
	default:
		what = f.Action + " " + f.Node
	}
	s := "at " + FormatDuration(f.At) + ": " + what
	if f.For > 0 {
		s += " for " + FormatDuration(f.For)
	}
	return s
}

// impairment describes an impaired link's settings, e.g. "delay=100ms
// loss=20%".
func (f ScheduledFault) impairment() string {
	var parts []string
	if f.Delay > 0 {
		parts = append(parts, "delay="+FormatDuration(f.Delay))
	}
	if f.Jitter > 0 {
		parts = append(parts, "jitter="+FormatDuration(f.Jitter))
	}
	if f.LossPercent > 0 {
		parts = append(parts, fmt.Sprintf("loss=%d%%", f.LossPercent))
	}
	if f.Rate > 0 {
		parts = append(parts, "rate="+FormatRate(f.Rate))
	}
	return strings.Join(parts, " ")
}
