package compose

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The file is built as a yaml.v3 node tree rather than from structs, so
// that order, quoting and comments are ours to choose. docker-compose 1.x
// reads it with PyYAML, a YAML 1.1 parser: there "yes", "on" and
// "65534:65534" (base 60) are not strings. Every string is therefore
// written plain only when it cannot be read as anything else.

// mapping is a YAML mapping under construction, in insertion order.
type mapping struct{ n *yaml.Node }

func newMapping() mapping { return mapping{&yaml.Node{Kind: yaml.MappingNode}} }

func (m mapping) node() *yaml.Node { return m.n }

// add appends key: value.
func (m mapping) add(key string, value *yaml.Node) {
	m.n.Content = append(m.n.Content, keyNode(key), value)
}

// str adds key: a string value, escaped for compose interpolation.
func (m mapping) str(key, value string) { m.add(key, str(value)) }

// keyNode is a mapping key. Keys are not interpolated by compose, so they
// are written as they are, quoted when they would not read back as this
// string.
func keyNode(k string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Style: quoteStyle(k)}
}

// str is a string value. Compose interpolates every value, so each $ is
// doubled to stay a literal $.
func str(s string) *yaml.Node {
	s = escape(s)
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: quoteStyle(s)}
}

// escape doubles every $ so that compose's interpolation leaves it as one $.
func escape(s string) string { return strings.ReplaceAll(s, "$", "$$") }

func integer(v int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v, 10)}
}

func boolean(v bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
}

// strs is a block sequence of strings.
func strs(list ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range list {
		n.Content = append(n.Content, str(s))
	}
	return n
}

// flowStrs is a one-line sequence of strings, for short fixed lists. It
// falls back to a block sequence for anything a flow sequence would split.
func flowStrs(list ...string) *yaml.Node {
	n := strs(list...)
	for _, s := range list {
		if strings.ContainsAny(s, ",:[]{}") {
			return n
		}
	}
	n.Style = yaml.FlowStyle
	return n
}

// quoteStyle picks how a string is written: plain when that is safe in
// YAML 1.1 and 1.2 alike, single-quoted when it holds double quotes or
// backslashes (a JSON document reads best that way), double-quoted
// otherwise, which can carry any character.
func quoteStyle(s string) yaml.Style {
	if plainSafe(s) {
		return 0
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return yaml.DoubleQuotedStyle
		}
	}
	if strings.ContainsAny(s, `"\`) {
		return yaml.SingleQuotedStyle
	}
	return yaml.DoubleQuotedStyle
}

// yaml11Words are plain scalars that YAML 1.1 reads as booleans or null.
var yaml11Words = map[string]bool{
	"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true,
	"true": true, "false": true, "null": true,
}

// plainSafe reports whether s reads back as the same string when written
// plain: it starts with a letter, underscore or slash (so it is never a
// number, a date or a base-60 integer), holds only characters without a
// meaning in YAML's block context, and is no YAML 1.1 keyword.
func plainSafe(s string) bool {
	if s == "" || yaml11Words[strings.ToLower(s)] || strings.HasSuffix(s, ":") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '/':
		case i > 0 && (c >= '0' && c <= '9' || strings.IndexByte(".-:=,+", c) >= 0):
		default:
			return false
		}
	}
	return true
}

// encode writes the document with a two-space indent.
func encode(doc *yaml.Node) ([]byte, error) {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
