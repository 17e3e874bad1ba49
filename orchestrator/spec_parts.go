package orchestrator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// partsVersion names how parts are hashed. A topo.spec label of another
// version is read as none, so that a later topo that hashes otherwise
// falls back to the plan read back rather than see every part changed.
const partsVersion = "1"

// The parts of the plan a resource is made from, as the topo.spec label
// has them (engine.LabelSpec).
const (
	partRole       = "role"
	partImage      = "image"
	partCommand    = "command"
	partEnv        = "env"
	partPrivileges = "privileges" // privileged, capabilities
	partPlacement  = "placement"
	partWiring     = "wiring" // everything the node's config and routes say of the topology
	partNetwork    = "network"
	partPool       = "pool"
	partFaults     = "faults"
)

// ownParts are a node's own settings: changing one recreates the node
// alone, as long as no other node sees the difference.
var ownParts = []string{partRole, partImage, partCommand, partEnv, partPrivileges, partPlacement}

// parts are hashes of the parts of a plan a resource was made from, by
// part. A part that is not there is unknown (a resource made by an older
// topo, read back from what runs), and compares equal to anything.
type parts map[string]string

// String is the label's value: "v=1 key=hash ...", keys sorted.
func (p parts) String() string {
	fields := []string{"v=" + partsVersion}
	for _, k := range slices.Sorted(maps.Keys(p)) {
		fields = append(fields, k+"="+p[k])
	}
	return strings.Join(fields, " ")
}

// parseParts reads a topo.spec label; false when there is none, or it is
// of another version or malformed.
func parseParts(s string) (parts, bool) {
	fields := strings.Fields(s)
	if len(fields) == 0 || fields[0] != "v="+partsVersion {
		return nil, false
	}
	p := parts{}
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" || v == "" {
			return nil, false
		}
		p[k] = v
	}
	return p, true
}

// differ lists the keys, in the order given, that both have and that
// differ.
func (p parts) differ(q parts, keys []string) []string {
	var out []string
	for _, k := range keys {
		a, ok1 := p[k]
		b, ok2 := q[k]
		if ok1 && ok2 && a != b {
			out = append(out, k)
		}
	}
	return out
}

// hashOf is a short hash of v's JSON: 48 bits tell one version of a part
// from another; they are no proof against someone who wants a collision.
func hashOf(v any) string {
	data, err := json.Marshal(v)
	if err != nil { // only a NaN loss; hash its text instead
		data = fmt.Appendf(nil, "%#v", v)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:6])
}

// nodeParts are the parts of p that node n's container is made from.
// reach is plan.Reachable() (nil for routing none).
func nodeParts(p *topology.Plan, n *topology.PlanNode, reach map[string]map[string]netip.Addr) parts {
	caps := slices.Sorted(slices.Values(n.Capabilities))
	return parts{
		partRole:       hashOf(n.Role),
		partImage:      hashOf(n.Image),
		partCommand:    hashOf(noEmpty(n.Command)),
		partEnv:        hashOf(noEmptyMap(n.Env)),
		partPrivileges: hashOf(struct{ P, C any }{n.Privileged, noEmpty(caps)}),
		partPlacement:  hashOf(noEmpty(n.Placement)),
		partWiring:     hashOf(wiringOf(p, n, reach[n.Name])),
	}
}

// networkParts are the parts of p that segment s's network is made from:
// the network itself, and the topology's pool and fault schedule, which
// no node is made from.
func networkParts(p *topology.Plan, s *topology.PlanSegment) parts {
	return parts{
		partNetwork: hashOf(struct{ N, S, G, Sealed any }{s.Name, s.Subnet, s.Gateway, p.Routing == topology.RoutingNone}),
		partPool:    hashOf(p.Pool.String()),
		partFaults:  hashOf(noEmpty(unnamed(p.Faults))),
	}
}

// unnamed are a schedule's faults without the names of their steps: a
// name only lets topo test's expectations refer to a step, so renaming
// one changes no schedule (and unnamed faults hash as they always did).
func unnamed(fs []topology.ScheduledFault) []topology.ScheduledFault {
	out := slices.Clone(fs)
	for i := range out {
		out[i].Name = ""
	}
	return out
}

// wiredNode is what a node's config, routes and hosts file say of the
// topology: all that another node's change can reach. A node's role is
// its own part, and the keys of its segments derive from the topology's
// secret, which never changes while it runs.
type wiredNode struct {
	Layout    topology.Layout
	Routing   topology.Routing
	LogLevel  string
	Traffic   topology.Traffic
	Addresses map[string]netip.Addr
	Neighbors []topology.PlanNeighbor
	Routes    map[string]string
	IPRoutes  []topology.IPRoute
	Segments  []wiredSegment
	Foreign   []string // the other nodes that run their own images
	Leader    bool     // the ring's first node
	Hosts     []string
}

// wiredSegment is a segment as its members' configs have it.
type wiredSegment struct {
	Name       string
	Subnet     netip.Prefix
	Shared     bool
	Members    []string
	Impairment topology.Impairment
	// ImpairFrom is the one end whose frames the impairment holds for, or
	// "" (both ends): omitted when empty, so that the hash of a link
	// impaired both ways is what it was before it was hashed.
	ImpairFrom string `json:",omitempty"`
}

// wiringOf is node n's wiring in p; reach is where its traffic reaches
// every other node (nil for routing none).
func wiringOf(p *topology.Plan, n *topology.PlanNode, reach map[string]netip.Addr) wiredNode {
	w := wiredNode{
		Layout: p.Layout, Routing: p.Routing, LogLevel: p.LogLevel, Traffic: p.Traffic,
		Addresses: noEmptyMap(n.Addresses), Neighbors: noEmpty(n.Neighbors), Routes: noEmptyMap(n.Routes),
		IPRoutes: noEmpty(n.IPRoutes), Leader: p.Layout == topology.Ring && len(p.Nodes) > 0 && p.Nodes[0].Name == n.Name,
	}
	for _, s := range p.Segments {
		if _, ok := n.Addresses[s.Name]; ok {
			w.Segments = append(w.Segments, wiredSegment{s.Name, s.Subnet, s.Shared, noEmpty(s.Members), s.Impairment, impairFrom(s)})
		}
	}
	for _, m := range p.Nodes {
		if m.Image != "" && m.Name != n.Name {
			w.Foreign = append(w.Foreign, m.Name)
		}
	}
	if reach != nil {
		w.Hosts = hosts(p, reach)
	}
	return w
}

// impairFrom is the end of a link whose frames alone its impairment
// holds for; "" for both ends, or for a link that carries none.
func impairFrom(s topology.PlanSegment) string {
	if s.Impairment.IsZero() {
		return ""
	}
	return s.ImpairFrom
}

// labelParts puts each resource's parts on its topo.spec label.
func labelParts(plan *topology.Plan, nets []engine.NetworkSpec, cons []engine.ContainerSpec) {
	var reach map[string]map[string]netip.Addr
	if plan.Routing != topology.RoutingNone {
		reach = plan.Reachable()
	}
	for i := range nets {
		nets[i].Labels[engine.LabelSpec] = networkParts(plan, &plan.Segments[i]).String()
	}
	for i := range cons {
		cons[i].Labels[engine.LabelSpec] = nodeParts(plan, &plan.Nodes[i], reach).String()
	}
}

// noEmpty is s, or nil when it is empty, so that a plan read back (which
// has nil) and a planned one (which may have an empty one) hash the same.
func noEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// noEmptyMap is noEmpty for maps.
func noEmptyMap[K comparable, V any](m map[K]V) map[K]V {
	if len(m) == 0 {
		return nil
	}
	return m
}
