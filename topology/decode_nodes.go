package topology

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// nodes decodes nodes: a count, whose names the layout gives, or a list of
// names and mappings. On any failure t.src.nodesBad is set, so that the
// checks over all nodes do not echo it.
func (d *decoder) nodes(t *Topology, v *yaml.Node) {
	var ok bool
	switch {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int":
		ok = d.nodeCount(t, v)
	case v.Kind == yaml.SequenceNode:
		ok = d.nodeList(t, v)
	default:
		d.e.add(pos(v), "nodes: want a count like 5 or a list of node names, got %s", describe(v))
	}
	if !ok {
		t.src.nodesBad = true
	}
}

func (d *decoder) nodeCount(t *Topology, v *yaml.Node) bool {
	count, ok := d.integer(v, "nodes", "a count like 5")
	if !ok {
		return false
	}
	switch {
	case count < 0:
		d.e.add(pos(v), "nodes: the count %d is negative", count)
		return false
	case count > MaxNodes:
		d.e.add(pos(v), "nodes: %d nodes is more than the %d a topology may have", count, MaxNodes)
		return false
	}
	names, err := generate(t.Layout, count)
	if err != nil {
		// A missing or unknown layout is reported on its own line.
		if t.Layout != "" && !t.src.layoutBad && isLayout(t.Layout) {
			d.e.add(pos(v), "nodes: %v", err)
		}
		return false
	}
	for _, name := range names {
		t.Nodes = append(t.Nodes, Node{Name: name, Pos: pos(v)})
	}
	return true
}

func (d *decoder) nodeList(t *Topology, v *yaml.Node) bool {
	good := true
	for _, item := range v.Content {
		item = resolve(item)
		switch item.Kind {
		case yaml.ScalarNode:
			if name, ok := d.scalar(item, "nodes", "a node name or a mapping with name:"); ok {
				t.Nodes = append(t.Nodes, Node{Name: name, Pos: pos(item)})
			} else {
				good = false
			}
		case yaml.MappingNode:
			if n, ok := d.node(item); ok {
				t.Nodes = append(t.Nodes, n)
			} else {
				good = false
			}
		default:
			d.e.add(pos(item), "nodes: want a node name or a mapping with name:, got %s", describe(item))
			good = false
		}
	}
	return good
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
	f, ok := d.fields(m, "node", "name", "role", "image", "command", "env", "privileged", "capabilities", "placement")
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
	if v, ok := f.val["env"]; ok {
		n.Env = d.env(v, what)
	}
	if v, ok := f.val["placement"]; ok {
		n.Placement = d.placement(v, what)
	}
	d.ownImage(f, &n, what)
	return n, good
}

// ownImage reads the fields only a node that runs its own image takes:
// what to run, and what privileges to run it with. The built-in node takes
// none of them; ignoring one would run something other than what the file
// says.
func (d *decoder) ownImage(f fieldSet, n *Node, what string) {
	_, hasImage := f.val["image"]
	needImage := func(v *yaml.Node, field string) {
		if !hasImage {
			d.e.add(pos(v), "%s: %s needs image: the built-in node takes no %s", what, field, field)
		}
	}
	if v, ok := f.val["command"]; ok {
		n.Command = d.command(v, what)
		needImage(v, "command")
	}
	if v, ok := f.val["privileged"]; ok {
		if s, ok := d.scalar(v, what+" privileged", "true or false"); ok {
			switch s {
			case "true":
				n.Privileged = true
			case "false":
			default:
				d.e.add(pos(v), "%s privileged: want true or false, got %q", what, s)
			}
		}
		needImage(v, "privileged")
	}
	if v, ok := f.val["capabilities"]; ok {
		n.Capabilities = d.capabilities(v, what)
		needImage(v, "capabilities")
	}
}

// capabilities reads a list of Linux capabilities to keep, e.g. [NET_RAW].
func (d *decoder) capabilities(v *yaml.Node, what string) []string {
	if v.Kind != yaml.SequenceNode {
		d.e.add(pos(v), "%s capabilities: want a list like [NET_RAW], got %s", what, describe(v))
		return nil
	}
	var out []string
	for _, c := range v.Content {
		c = resolve(c)
		s, ok := d.scalar(c, what+" capabilities", "a capability like NET_RAW")
		if !ok {
			continue
		}
		name := strings.TrimPrefix(strings.ToUpper(s), "CAP_")
		if !slices.Contains(Capabilities, name) {
			d.e.add(pos(c), "%s capabilities: unknown capability %q%s", what, s, capabilityHint(name))
			continue
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
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

// capabilityHint suggests the known capability nearest to a misspelt one.
func capabilityHint(name string) string {
	if s := closest(name, Capabilities); s != "" {
		return fmt.Sprintf(": did you mean %q?", s)
	}
	return " (see capabilities(7); write them without CAP_, e.g. NET_RAW)"
}
