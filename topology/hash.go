package topology

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// digest is a SHA-256 of a topology's canonical form.
type digest [sha256.Size]byte

// Hash identifies what a topology builds: a hex SHA-256 of a canonical JSON
// form of everything but File, positions in the file, the expectations
// and the names of fault steps. Two files that differ only in comments,
// layout of the YAML or path hash the same; so do two that differ only in
// what topo test checks, which builds nothing (the hash is the topo.plan
// label, and a new one would make up see another version of the file).
// Roles and defaults are filled in first, so a Loaded topology and its
// hand-written equivalent agree.
func (t *Topology) Hash() string {
	c := *t
	c.Nodes = append([]Node(nil), t.Nodes...)
	normalize(&c)
	sum := c.sum(false)
	return hex.EncodeToString(sum[:])
}

// digest sums the canonical form of a normalized topology. It covers every
// field validation reads but positions, which change where a problem is
// reported, never whether there is one: so it tells whether a Topology
// still holds what was validated.
func (t *Topology) digest() digest { return t.sum(true) }

// sum is the digest, of everything (all) or of what the topology builds.
func (t *Topology) sum(all bool) digest {
	type node struct {
		Name    string            `json:"name"`
		Role    string            `json:"role"`
		Image   string            `json:"image,omitempty"`
		Command []string          `json:"command,omitempty"`
		Env     map[string]string `json:"env,omitempty"`
		Priv    bool              `json:"privileged,omitempty"`
		Caps    []string          `json:"capabilities,omitempty"`
		Place   []string          `json:"placement,omitempty"`
	}
	type link struct {
		Endpoints  []string   `json:"endpoints"`
		Impairment Impairment `json:"impairment"`
		From       string     `json:"from,omitempty"`
	}
	v := struct {
		Version int        `json:"version"`
		Name    string     `json:"name"`
		Layout  Layout     `json:"layout"`
		Nodes   []node     `json:"nodes"`
		Traffic Traffic    `json:"traffic"`
		Link    Impairment `json:"link"`
		Links   []link     `json:"links,omitempty"`
		Pool    string     `json:"pool"`
		PoolSet bool       `json:"pool_set"`
		// Routing is left out when it is the default, so that files
		// written before it hash as they did.
		Routing  Routing          `json:"routing,omitempty"`
		LogLevel string           `json:"log_level,omitempty"`
		Faults   []ScheduledFault `json:"faults,omitempty"`
		Expect   []Expectation    `json:"expect,omitempty"`
	}{
		Version: 1, Name: t.Name, Layout: t.Layout, Traffic: t.Traffic, Link: t.Link,
		Pool: t.Network.Pool, PoolSet: t.Network.PoolSet, LogLevel: t.LogLevel, Faults: t.Faults,
	}
	if all {
		v.Expect = t.Expect
	} else {
		v.Faults = slices.Clone(t.Faults)
		for i := range v.Faults {
			v.Faults[i].Name = ""
		}
	}
	if t.Network.Routing != RoutingIP {
		v.Routing = t.Network.Routing
	}
	for _, n := range t.Nodes {
		v.Nodes = append(v.Nodes, node{n.Name, n.Role, n.Image, n.Command, n.Env, n.Privileged, n.Capabilities, n.Placement})
	}
	for _, l := range t.Links {
		v.Links = append(v.Links, link{l.Endpoints, l.Impairment, l.From})
	}
	data, err := json.Marshal(v)
	if err != nil {
		// Only a NaN loss can fail to marshal; hash its text instead.
		data = fmt.Appendf(nil, "%#v", v)
	}
	return sha256.Sum256(data)
}
