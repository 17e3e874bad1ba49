package topology

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// source remembers where things were written, so that checks made after
// decoding (and by BuildPlan) can still point into the file. Its zero value
// stands for a Topology built in Go.
type source struct {
	parsed bool // decoded from a file: values were range-checked there
	top    Pos  // the start of the document

	name, layout, nodes, links, pool Pos
	size                             Pos // traffic.size's value

	nameFromFile   bool // Name was derived from the file name
	nameFromOption bool // Name came from PlanOptions.Name
	nodesSet       bool // nodes: was given
	linksSet       bool // links: was given

	// Set when decoding a part failed and was already reported: the checks
	// that depend on that part are skipped rather than piling up echoes.
	layoutBad, nodesBad, linksBad, poolBad bool
}

// Load reads and validates the topology file at path. The topology's name
// defaults to the file's base name without its extension.
//
// An invalid file yields an ErrorList holding every problem found, each
// with its line and column.
func Load(path string) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a topology. file names the source in error
// messages and, when the document has no name:, gives the topology its
// name; it may be empty, in which case name: is required.
//
// Decoding is strict: an unknown field is an error. Every problem is
// collected into the returned ErrorList, sorted by position.
func Parse(file string, data []byte) (*Topology, error) {
	d := &decoder{e: errs{file: file}, data: data}
	t := d.topology(data)
	if t != nil {
		t.File = file
		if t.Name == "" && t.src.name == (Pos{}) && file != "" {
			t.Name = nameFromFile(file)
			t.src.nameFromFile = true
		}
		normalize(t)
		validate(t, &d.e)
	}
	if err := d.e.err(); err != nil {
		return nil, err
	}
	return t, nil
}

func nameFromFile(file string) string {
	base := filepath.Base(file)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

type decoder struct {
	e    errs
	data []byte
}

func pos(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a YAML value is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!int", "!!float":
			return "the number " + v
		case "!!bool":
			return "the boolean " + v
		default:
			return fmt.Sprintf("the string %q", v)
		}
	}
	return "an unexpected value"
}

// safeDecode reads the next document. yaml.v3 has panicked on hostile input
// before; a bad file must never take the caller down with it.
func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: cannot parse the file: %v", r)
		}
	}()
	return dec.Decode(n)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax reports a yaml.v3 error in our own form, keeping its line.
func (d *decoder) syntax(err error) {
	msg := err.Error()
	p := Pos{Line: 1, Col: 1}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if l, err := strconv.Atoi(m[1]); err == nil {
			p.Line = l
		}
		msg = m[2]
		if lines := bytes.Split(d.data, []byte("\n")); p.Line <= len(lines) && strings.Contains(msg, "cannot start any token") {
			if l := lines[p.Line-1]; len(bytes.TrimLeft(l, " ")) > 0 && bytes.TrimLeft(l, " ")[0] == '\t' {
				msg += " (a tab: YAML indents with spaces only)"
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	d.e.add(p, "invalid YAML: %s", msg)
}

// fieldSet is a decoded mapping: the value and key node of each known field.
type fieldSet struct {
	val, key map[string]*yaml.Node
}

func (f fieldSet) has(name string) bool { _, ok := f.val[name]; return ok }

// fields walks a mapping, reporting unknown and repeated keys. A null value
// (a section left empty) counts as an empty mapping. ok is false when n is
// not a mapping at all, which has been reported.
func (d *decoder) fields(n *yaml.Node, what string, known ...string) (f fieldSet, ok bool) {
	f = fieldSet{val: map[string]*yaml.Node{}, key: map[string]*yaml.Node{}}
	if isNull(n) {
		return f, true
	}
	if n.Kind != yaml.MappingNode {
		d.e.add(pos(n), "%s: want a mapping of %s, got %s", what, listWords(known, "and"), describe(n))
		return f, false
	}
	for _, kv := range d.entries(n, what, 0) {
		k, v := kv.k, kv.v
		if k.Kind != yaml.ScalarNode {
			d.e.add(pos(k), "%s: a field name must be a plain word, got %s", what, describe(k))
			continue
		}
		name := k.Value
		if first, dup := f.key[name]; dup {
			if !kv.merged {
				d.e.add(pos(k), "%s: field %q given twice (first at line %d)", what, name, first.Line)
			}
			continue
		}
		if !contains(known, name) {
			msg := fmt.Sprintf("%s: unknown field %q", what, name)
			if s := closest(name, known); s != "" {
				msg += fmt.Sprintf(": did you mean %q?", s)
			} else {
				msg += fmt.Sprintf(" (want %s)", listWords(known, "or"))
			}
			d.e.add(pos(k), "%s", msg)
			continue
		}
		f.key[name], f.val[name] = k, v
	}
	return f, true
}

type entry struct {
	k, v   *yaml.Node
	merged bool
}

// entries lists a mapping's key/value pairs with YAML merge keys (<<)
// expanded: the mapping's own keys come first, so they win over merged ones.
func (d *decoder) entries(n *yaml.Node, what string, depth int) []entry {
	var own, merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!merge" {
			own = append(own, entry{k: k, v: v})
			continue
		}
		var srcs []*yaml.Node
		switch v.Kind {
		case yaml.MappingNode:
			srcs = []*yaml.Node{v}
		case yaml.SequenceNode:
			for _, m := range v.Content {
				srcs = append(srcs, resolve(m))
			}
		}
		for _, m := range srcs {
			if m.Kind != yaml.MappingNode || depth > 8 {
				d.e.add(pos(k), "%s: << must merge a mapping", what)
				continue
			}
			for _, kv := range d.entries(m, what, depth+1) {
				// Merged keys yield to the mapping's own: a repeat is not
				// reported as given twice.
				kv.merged = true
				merged = append(merged, kv)
			}
		}
	}
	return append(own, merged...)
}

// scalar returns the text of a scalar value, reporting anything else.
func (d *decoder) scalar(n *yaml.Node, what, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.e.add(pos(n), "%s: want %s, got %s", what, want, describe(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) integer(n *yaml.Node, what, want string) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.e.add(pos(n), "%s: want %s, got %s", what, want, describe(n))
		return 0, false
	}
	var v int
	if err := n.Decode(&v); err != nil {
		d.e.add(pos(n), "%s: %s is too large", what, n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) topology(data []byte) *Topology {
	top := Pos{Line: 1, Col: 1}
	if len(bytes.TrimSpace(data)) == 0 {
		d.e.add(top, "the file is empty: a topology needs at least layout: and nodes:")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.e.add(top, "the file is empty: a topology needs at least layout: and nodes:")
		} else {
			d.syntax(err)
		}
		return nil
	}
	var extra yaml.Node
	if err := safeDecode(dec, &extra); err == nil {
		d.e.add(Pos{Line: extra.Line, Col: 1}, "a second YAML document starts here: put one topology per file")
		return nil
	} else if !errors.Is(err, io.EOF) {
		d.syntax(err)
		return nil
	}
	if len(doc.Content) == 0 {
		d.e.add(top, "the file is empty: a topology needs at least layout: and nodes:")
		return nil
	}
	root := resolve(doc.Content[0])
	if isNull(root) {
		d.e.add(top, "the file is empty: a topology needs at least layout: and nodes:")
		return nil
	}
	if root.Kind != yaml.MappingNode {
		d.e.add(pos(root), "a topology is a mapping of fields (layout:, nodes:, ...), got %s", describe(root))
		return nil
	}

	t := &Topology{
		Traffic: Traffic{Protocol: TCP, Interval: DefaultInterval, Size: DefaultSize},
		src:     source{parsed: true, top: pos(root)},
	}
	f, _ := d.fields(root, "topology", "name", "layout", "nodes", "traffic", "link", "links", "network")

	if v, ok := f.val["name"]; ok {
		t.src.name = pos(v)
		if s, ok := d.scalar(v, "name", "a name like office"); ok {
			t.Name = s
		}
	}
	// layout comes before nodes: a count of nodes is named after the layout.
	if v, ok := f.val["layout"]; ok {
		t.src.layout = pos(v)
		if s, ok := d.scalar(v, "layout", "one of "+layoutList); ok {
			t.Layout = Layout(s)
		} else {
			t.src.layoutBad = true
		}
	}
	if v, ok := f.val["nodes"]; ok {
		t.src.nodes, t.src.nodesSet = pos(v), true
		d.nodes(t, v)
	}
	if v, ok := f.val["traffic"]; ok {
		d.traffic(t, v)
	}
	if v, ok := f.val["link"]; ok {
		spec, _ := d.impairment(v, "link", false)
		t.Link = spec.over(Impairment{})
	}
	if v, ok := f.val["links"]; ok {
		t.src.links, t.src.linksSet = pos(f.key["links"]), true
		d.links(t, v)
	}
	if v, ok := f.val["network"]; ok {
		if nf, ok := d.fields(v, "network", "pool"); ok && nf.has("pool") {
			pv := nf.val["pool"]
			t.src.pool = pos(pv)
			if s, ok := d.scalar(pv, "network.pool", "a private IPv4 CIDR like "+DefaultPool); ok {
				t.Network = Network{Pool: s, PoolSet: true}
			} else {
				t.src.poolBad = true
			}
		}
	}
	return t
}

var layoutList = "star, ring, bus, p2p, client-server or custom"

func (d *decoder) nodes(t *Topology, v *yaml.Node) {
	switch {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int":
		count, ok := d.integer(v, "nodes", "a count like 5")
		if !ok {
			t.src.nodesBad = true
			return
		}
		switch {
		case count < 0:
			d.e.add(pos(v), "nodes: the count %d is negative", count)
			t.src.nodesBad = true
			return
		case count > MaxNodes:
			d.e.add(pos(v), "nodes: %d nodes is more than the %d a topology may have", count, MaxNodes)
			t.src.nodesBad = true
			return
		}
		names, err := generate(t.Layout, count)
		if err != nil {
			if t.Layout != "" && !t.src.layoutBad && isLayout(t.Layout) {
				d.e.add(pos(v), "nodes: %v", err)
			}
			t.src.nodesBad = true
			return
		}
		for _, name := range names {
			t.Nodes = append(t.Nodes, Node{Name: name, Pos: pos(v)})
		}
	case v.Kind == yaml.SequenceNode:
		for _, item := range v.Content {
			item = resolve(item)
			switch item.Kind {
			case yaml.ScalarNode:
				if name, ok := d.scalar(item, "nodes", "a node name or a mapping with name:"); ok {
					t.Nodes = append(t.Nodes, Node{Name: name, Pos: pos(item)})
				} else {
					t.src.nodesBad = true
				}
			case yaml.MappingNode:
				if n, ok := d.node(item); ok {
					t.Nodes = append(t.Nodes, n)
				} else {
					t.src.nodesBad = true
				}
			default:
				d.e.add(pos(item), "nodes: want a node name or a mapping with name:, got %s", describe(item))
				t.src.nodesBad = true
			}
		}
	default:
		d.e.add(pos(v), "nodes: want a count like 5 or a list of node names, got %s", describe(v))
		t.src.nodesBad = true
	}
}

// generate names count nodes the way the layout calls them.
func generate(l Layout, count int) ([]string, error) {
	var names []string
	numbered := func(prefix string, from, to int) {
		for i := from; i <= to; i++ {
			names = append(names, prefix+strconv.Itoa(i))
		}
	}
	switch l {
	case Star:
		if count > 0 {
			names = append(names, "hub")
		}
		numbered("spoke", 1, count-1)
	case ClientServer:
		if count > 0 {
			names = append(names, "server")
		}
		numbered("client", 1, count-1)
	case Ring, Bus:
		numbered("node", 1, count)
	case P2P:
		numbered("peer", 1, count)
	case Custom:
		return nil, errors.New("layout custom needs a list of node names, which its links refer to")
	default:
		return nil, fmt.Errorf("unknown layout %q", l)
	}
	return names, nil
}

func (d *decoder) node(m *yaml.Node) (Node, bool) {
	n := Node{Pos: pos(m)}
	f, ok := d.fields(m, "node", "name", "role", "image", "command", "env")
	if !ok {
		return n, false
	}
	good := true
	if v, ok := f.val["name"]; ok {
		n.Pos = pos(v)
		if s, ok := d.scalar(v, "node name", "a name like web1"); ok {
			n.Name = s
		} else {
			good = false
		}
	} else {
		d.e.add(pos(m), "node: name: is missing")
		good = false
	}
	what := "node"
	if n.Name != "" {
		what = fmt.Sprintf("node %q", n.Name)
	}
	if v, ok := f.val["role"]; ok {
		n.rolePos = pos(v)
		if s, ok := d.scalar(v, what+" role", "a role such as hub, spoke, server or client"); ok {
			if s == "" {
				d.e.add(pos(v), "%s: role is empty: remove it or give a role", what)
			}
			n.Role = s
		}
	}
	if v, ok := f.val["image"]; ok {
		if s, ok := d.scalar(v, what+" image", "an image reference like alpine:3.20"); ok {
			if strings.TrimSpace(s) == "" {
				d.e.add(pos(v), "%s: image is empty: remove it to run the built-in node", what)
			}
			n.Image = s
		}
	}
	if v, ok := f.val["command"]; ok {
		n.Command = d.command(v, what)
		if _, hasImage := f.val["image"]; !hasImage {
			// The built-in node takes no command; ignoring one would run
			// something other than what the file says.
			d.e.add(pos(v), "%s: command needs image: the built-in node takes no command", what)
		}
	}
	if v, ok := f.val["env"]; ok {
		n.Env = d.env(v, what)
	}
	return n, good
}

func (d *decoder) command(v *yaml.Node, what string) []string {
	var cmd []string
	switch {
	case v.Kind == yaml.ScalarNode && !isNull(v):
		cmd = strings.Fields(v.Value)
	case v.Kind == yaml.SequenceNode:
		for _, a := range v.Content {
			a = resolve(a)
			if s, ok := d.scalar(a, what+" command", "a list of strings"); ok {
				if strings.ContainsRune(s, 0) {
					d.e.add(pos(a), "%s command: an argument holds a NUL byte", what)
				}
				cmd = append(cmd, s)
			}
		}
	default:
		d.e.add(pos(v), "%s command: want a list of strings or one string, got %s", what, describe(v))
		return nil
	}
	if len(cmd) == 0 {
		d.e.add(pos(v), "%s command is empty: remove it or give the program to run", what)
	}
	return cmd
}

func (d *decoder) env(v *yaml.Node, what string) map[string]string {
	if v.Kind != yaml.MappingNode {
		d.e.add(pos(v), "%s env: want a mapping of NAME: value, got %s", what, describe(v))
		return nil
	}
	env := map[string]string{}
	first := map[string]int{}
	for _, kv := range d.entries(v, what+" env", 0) {
		k, val := kv.k, kv.v
		if _, dup := first[k.Value]; dup && kv.merged {
			continue
		}
		key, ok := d.scalar(k, what+" env", "a variable name")
		if !ok {
			continue
		}
		if key == "" || strings.ContainsAny(key, "=\x00") {
			d.e.add(pos(k), "%s env: %q is not a variable name", what, key)
			continue
		}
		if line, dup := first[key]; dup {
			d.e.add(pos(k), "%s env: %s given twice (first at line %d)", what, key, line)
			continue
		}
		first[key] = k.Line
		var s string
		switch {
		case isNull(val):
		case val.Kind == yaml.ScalarNode:
			s = val.Value
		default:
			d.e.add(pos(val), "%s env %s: want a string, got %s", what, key, describe(val))
			continue
		}
		if strings.ContainsRune(s, 0) {
			d.e.add(pos(val), "%s env %s: the value holds a NUL byte", what, key)
			continue
		}
		env[key] = s
	}
	return env
}

func (d *decoder) traffic(t *Topology, v *yaml.Node) {
	f, ok := d.fields(v, "traffic", "protocol", "interval", "size")
	if !ok {
		return
	}
	if v, ok := f.val["protocol"]; ok {
		if s, ok := d.scalar(v, "traffic.protocol", "tcp or udp"); ok {
			if s != TCP && s != UDP {
				d.e.add(pos(v), "traffic.protocol: %q is not tcp or udp", s)
			}
			t.Traffic.Protocol = s
		}
	}
	if v, ok := f.val["interval"]; ok {
		if s, ok := d.scalar(v, "traffic.interval", "a duration like 2s"); ok {
			iv, err := parseInterval(s)
			if err != nil {
				d.e.add(pos(v), "traffic.interval: %v", err)
			}
			t.Traffic.Interval = iv
		}
	}
	if v, ok := f.val["size"]; ok {
		t.src.size = pos(v)
		if n, ok := d.integer(v, "traffic.size", "a number of payload bytes like 64"); ok {
			if n < 1 || n > MaxSize {
				d.e.add(pos(v), "traffic.size: %d is out of range 1..%d bytes", n, MaxSize)
			}
			t.Traffic.Size = n
		}
	}
}

func parseInterval(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return 0, fmt.Errorf("%q has no unit: write it like %ss (or 0 to turn traffic off)", s, s)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write it like 2s or 500ms (or 0 to turn traffic off)", s)
	}
	if err := checkInterval(d); err != nil {
		return 0, err
	}
	return d, nil
}

func checkInterval(d time.Duration) error {
	switch {
	case d < 0:
		return fmt.Errorf("%s is negative", FormatDuration(d))
	case d > 0 && d < MinInterval:
		return fmt.Errorf("%s is shorter than %s: use at least %s, or 0 to turn traffic off", FormatDuration(d), FormatDuration(MinInterval), FormatDuration(MinInterval))
	}
	return nil
}

// impSpec is an impairment as written: each field set or not, so that a
// link's own settings override the default field by field.
type impSpec struct {
	delay, jitter *time.Duration
	loss          *float64
	rate          *uint64
}

func (s impSpec) over(base Impairment) Impairment {
	if s.delay != nil {
		base.Delay = *s.delay
	}
	if s.jitter != nil {
		base.Jitter = *s.jitter
	}
	if s.loss != nil {
		base.Loss = *s.loss
	}
	if s.rate != nil {
		base.Rate = *s.rate
	}
	return base
}

var impairmentFields = []string{"delay", "jitter", "loss", "rate"}

// impairment decodes a link: mapping; withEndpoints also accepts the
// endpoints: field of a links entry, which the caller reads.
func (d *decoder) impairment(v *yaml.Node, what string, withEndpoints bool) (impSpec, fieldSet) {
	known := impairmentFields
	if withEndpoints {
		known = append([]string{"endpoints"}, impairmentFields...)
	}
	var s impSpec
	f, ok := d.fields(v, what, known...)
	if !ok {
		return s, f
	}
	dur := func(name string) *time.Duration {
		v, ok := f.val[name]
		if !ok {
			return nil
		}
		text, ok := d.scalar(v, what+"."+name, "a duration like 5ms")
		if !ok {
			return nil
		}
		dv, err := ParseDuration(text)
		if err != nil {
			d.e.add(pos(v), "%s.%s: %v", what, name, err)
			return nil
		}
		return &dv
	}
	s.delay, s.jitter = dur("delay"), dur("jitter")
	if v, ok := f.val["loss"]; ok {
		if text, ok := d.scalar(v, what+".loss", "a percentage like 0.5%"); ok {
			if l, err := ParseLoss(text); err != nil {
				d.e.add(pos(v), "%s.loss: %v", what, err)
			} else {
				s.loss = &l
			}
		}
	}
	if v, ok := f.val["rate"]; ok {
		if text, ok := d.scalar(v, what+".rate", "a rate like 10mbit"); ok {
			if r, err := ParseRate(text); err != nil {
				d.e.add(pos(v), "%s.rate: %v", what, err)
			} else {
				s.rate = &r
			}
		}
	}
	return s, f
}

func (d *decoder) links(t *Topology, v *yaml.Node) {
	if isNull(v) {
		return
	}
	if v.Kind != yaml.SequenceNode {
		d.e.add(pos(v), "links: want a list of links like - [a, b], got %s", describe(v))
		t.src.linksBad = true
		return
	}
	for i, item := range v.Content {
		item = resolve(item)
		what := fmt.Sprintf("links[%d]", i)
		l := Link{Pos: pos(item), Impairment: t.Link}
		var eps *yaml.Node
		switch item.Kind {
		case yaml.SequenceNode:
			eps = item
		case yaml.MappingNode:
			spec, f := d.impairment(item, what, true)
			l.Impairment = spec.over(t.Link)
			eps = f.val["endpoints"]
			if eps == nil {
				d.e.add(pos(item), "%s: endpoints: is missing: list the nodes it connects, like endpoints: [a, b, c]", what)
				t.src.linksBad = true
				continue
			}
			if eps.Kind != yaml.SequenceNode {
				d.e.add(pos(eps), "%s.endpoints: want a list of node names, got %s", what, describe(eps))
				t.src.linksBad = true
				continue
			}
		default:
			d.e.add(pos(item), "%s: want a list of node names like [a, b], or a mapping with endpoints:, got %s", what, describe(item))
			t.src.linksBad = true
			continue
		}
		good := true
		for _, ep := range eps.Content {
			ep = resolve(ep)
			if s, ok := d.scalar(ep, what, "a node name"); ok {
				l.Endpoints = append(l.Endpoints, s)
				l.endpointPos = append(l.endpointPos, pos(ep))
			} else {
				good = false
			}
		}
		if !good {
			t.src.linksBad = true
		}
		t.Links = append(t.Links, l)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// listWords writes "a, b and c".
func listWords(words []string, conj string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// closest returns the known word within two edits of s, if there is one.
func closest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
