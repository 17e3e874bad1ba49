package topology

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// The helpers here read yaml.v3 nodes the strict way every section of a
// topology file shares: known fields only, merge keys expanded, and a
// "want X, got Y" message at the value's position for anything else.

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
			if !d.mayMerge(k) {
				break
			}
			if m.Kind != yaml.MappingNode || depth > 8 {
				d.e.add(pos(k), "%s: << must merge a mapping", what)
				continue
			}
			sub := d.entries(m, what, depth+1)
			d.merged += len(sub)
			for _, kv := range sub {
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

// mayMerge reports whether merging may go on, and reports at the merge key
// k, once, when aliases and merge keys have expanded past maxMergedEntries.
func (d *decoder) mayMerge(k *yaml.Node) bool {
	if d.merged <= maxMergedEntries {
		return true
	}
	if !d.mergeOver {
		d.mergeOver = true
		d.e.add(pos(k), "merge keys (<<) and aliases expand to more than %d entries; write the values out instead", maxMergedEntries)
	}
	return false
}
