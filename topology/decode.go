package topology

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

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
	intervalSet    bool // traffic.interval: was given
	linksSet       bool // links: was given

	// Set when decoding a part failed and was already reported: the checks
	// that depend on that part are skipped rather than piling up echoes.
	layoutBad, nodesBad, linksBad, poolBad bool
}

// Load reads and validates the topology file at path. The topology's name
// defaults to the file's base name without its extension.
//
// An invalid file yields an ErrorList holding every problem found, each
// with its line and column. A path that is not a regular file, or is
// larger than MaxFileSize, is refused before it is read (ErrBadFile).
func Load(path string) (*Topology, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
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
	d := &decoder{e: errs{file: file}, data: data, badSteps: map[string]bool{}}
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
	if t != nil {
		// This is the one full validation a file gets: BuildPlan trusts it
		// for as long as the content is what was validated.
		t.valid = t.digest()
	}
	return t, nil
}

func nameFromFile(file string) string {
	base := filepath.Base(file)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// decoder turns a YAML document into a Topology, collecting every problem
// with its position rather than stopping at the first.
type decoder struct {
	e    errs
	data []byte
	// merged counts the entries merge keys have copied so far. Aliases let
	// a file of a few hundred bytes merge a mapping into itself 10^8
	// times, so the total is capped, not just the depth.
	merged    int
	mergeOver bool // the cap was reported

	// Fault steps whose names expectations may refer to, but that were
	// reported and left out: badSteps by name, faultsBad all of them.
	badSteps  map[string]bool
	faultsBad bool
}

// maxMergedEntries bounds the entries merge keys may copy in one file: far
// more than any topology file uses, and milliseconds of work.
const maxMergedEntries = 10_000

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

const emptyFile = "the file is empty: a topology needs at least layout: and nodes:"

// document reads the one YAML document in data and returns its root
// mapping, or nil when there is none, which has been reported.
func (d *decoder) document(data []byte) *yaml.Node {
	top := Pos{Line: 1, Col: 1}
	if len(bytes.TrimSpace(data)) == 0 {
		d.e.add(top, emptyFile)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := safeDecode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.e.add(top, emptyFile)
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
		d.e.add(top, emptyFile)
		return nil
	}
	root := resolve(doc.Content[0])
	if isNull(root) {
		d.e.add(top, emptyFile)
		return nil
	}
	if root.Kind != yaml.MappingNode {
		d.e.add(pos(root), "a topology is a mapping of fields (layout:, nodes:, ...), got %s", describe(root))
		return nil
	}
	return root
}

// topology decodes the document's fields over the defaults a file may leave
// out; nil when there is no document to decode.
func (d *decoder) topology(data []byte) *Topology {
	root := d.document(data)
	if root == nil {
		return nil
	}
	t := &Topology{
		Traffic: Traffic{Protocol: TCP, Interval: DefaultInterval, Size: DefaultSize},
		src:     source{parsed: true, top: pos(root)},
	}
	f, _ := d.fields(root, "topology", "name", "layout", "nodes", "traffic", "link", "links", "network", "log", "faults", "expect")

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
		d.network(t, v)
	}
	if v, ok := f.val["log"]; ok {
		d.log(t, v)
	}
	if v, ok := f.val["faults"]; ok {
		d.faults(t, v)
	}
	// expect: refers to the nodes and to the fault steps, read above.
	if v, ok := f.val["expect"]; ok {
		d.expect(t, v)
	}
	return t
}

// LogLevels are the levels the agents may log at.
var LogLevels = []string{"debug", "info", "warn", "error"}

// log decodes the log: section: the agents' log level.
func (d *decoder) log(t *Topology, v *yaml.Node) {
	lf, ok := d.fields(v, "log", "level")
	if !ok {
		return
	}
	if lv, ok := lf.val["level"]; ok {
		if s, ok := d.scalar(lv, "log.level", "debug, info, warn or error"); ok {
			if !contains(LogLevels, s) {
				d.e.add(pos(lv), "log.level: %q, want debug, info (the default), warn or error", s)
				return
			}
			t.LogLevel = s
		}
	}
}

var layoutList = "star, ring, bus, p2p, client-server or custom"

// traffic decodes traffic:, checking each value as it is read, at its
// position.
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
			iv, err := parseDuration(s, intervalForm)
			if err != nil {
				d.e.add(pos(v), "traffic.interval: %v", err)
			}
			t.Traffic.Interval = iv
			t.src.intervalSet = true
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

// network decodes the network: section. The pool's text is checked with
// the rest of the topology, by validatePool.
func (d *decoder) network(t *Topology, v *yaml.Node) {
	nf, ok := d.fields(v, "network", "pool", "routing")
	if !ok {
		return
	}
	if rv, ok := nf.val["routing"]; ok {
		if s, ok := d.scalar(rv, "network.routing", "ip or none"); ok {
			switch Routing(s) {
			case RoutingIP, RoutingNone:
				t.Network.Routing, t.Network.RoutingSet = Routing(s), true
			default:
				d.e.add(pos(rv), "network.routing: want ip (the default) or none, got %q", s)
			}
		}
	}
	if !nf.has("pool") {
		return
	}
	pv := nf.val["pool"]
	t.src.pool = pos(pv)
	if s, ok := d.scalar(pv, "network.pool", "a private IPv4 CIDR like "+DefaultPool); ok {
		t.Network.Pool, t.Network.PoolSet = s, true
	} else {
		t.src.poolBad = true
	}
}
