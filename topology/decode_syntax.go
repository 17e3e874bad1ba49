package topology

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are the problems yaml.v3's parser (rather than its
// scanner) reports. It numbers their lines from 0, and names the line where
// the enclosing block starts when it can, rather than the line that is
// wrong; the scanner numbers from 1, at the line that is wrong.
var parserProblems = []string{
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "did not find expected '-' indicator",
	"did not find expected <document start>", "did not find expected <stream-start>", "did not find expected key",
	"did not find expected node content", "found duplicate %TAG directive", "found duplicate %YAML directive",
	"found incompatible YAML document", "found undefined tag handle",
}

// indentationProblems are what a misindented line makes yaml.v3 say.
var indentationProblems = []string{
	"did not find expected key", "did not find expected '-' indicator", "mapping values are not allowed in this context",
}

// syntax reports a yaml.v3 error in our own form: at the line that is
// wrong, which for an indentation mistake is the first misindented line at
// or after the one yaml.v3 names.
func (d *decoder) syntax(err error) {
	msg := err.Error()
	p := Pos{Line: 1, Col: 1}
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		d.e.add(p, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return
	}
	msg = m[2]
	if l, err := strconv.Atoi(m[1]); err == nil {
		p.Line = l
		if slices.Contains(parserProblems, msg) {
			p.Line++
		}
	}
	lines := bytes.Split(d.data, []byte("\n"))
	if p.Line <= len(lines) && strings.Contains(msg, "cannot start any token") {
		if l := bytes.TrimLeft(lines[p.Line-1], " "); len(l) > 0 && l[0] == '\t' {
			d.e.add(p, "invalid YAML: %s (a tab: YAML indents with spaces only)", msg)
			return
		}
	}
	if line, col, why, ok := misindented(lines, p.Line); ok {
		d.e.add(Pos{Line: line, Col: col}, "invalid YAML: %s: check the indentation: %s", msg, why)
		return
	}
	if slices.Contains(indentationProblems, msg) {
		msg += ": check the indentation"
	}
	d.e.add(p, "invalid YAML: %s", msg)
}

// misindented finds the first line, from line from on (1-based), whose
// indentation fits no block above it: shallower than the line before but
// at no level an enclosing block has, or deeper than a line that already
// has its value. Lines inside block scalars and flow collections are not
// judged. It returns the line, its first column, and what is wrong.
func misindented(lines [][]byte, from int) (line, col int, why string, ok bool) {
	var levels []int // the indentation of the blocks open at the line before
	opens := true    // the line before may be followed by a deeper one
	scalar := -1     // inside a block scalar whose line is indented this much
	flow := 0        // brackets open across lines
	for i, raw := range lines {
		text := strings.TrimRight(string(raw), "\r")
		content := strings.TrimLeft(text, " ")
		if content == "" || content[0] == '#' {
			continue
		}
		indent := len(text) - len(content)
		if scalar >= 0 && indent > scalar {
			continue
		}
		scalar = -1
		if flow > 0 {
			flow = max(flow+flowDelta(content), 0)
			continue
		}
		above := slices.Clone(levels)
		for len(levels) > 0 && levels[len(levels)-1] > indent {
			levels = levels[:len(levels)-1]
		}
		popped := len(levels) < len(above)
		top := -1
		if len(levels) > 0 {
			top = levels[len(levels)-1]
		}
		if indent > top && i+1 >= from {
			switch {
			case popped:
				return i + 1, indent + 1, fmt.Sprintf("this line is indented %s, where the lines above it are indented %s", spaces(indent), joinInts(above)), true
			case !opens:
				return i + 1, indent + 1, fmt.Sprintf("this line is indented %s, deeper than the line above, which already has its value", spaces(indent)), true
			}
		}
		if indent > top {
			levels = append(levels, indent)
		}
		items, value := splitLine(content)
		for _, c := range items {
			levels = append(levels, indent+c)
		}
		opens = value == "" || isBlockScalar(value) || (value[0] == '&' || value[0] == '!') && !strings.Contains(value, " ")
		if isBlockScalar(value) {
			scalar = indent
		}
		flow = max(flowDelta(value), 0)
	}
	return 0, 0, "", false
}

// splitLine reads a line's content (without its indentation): the columns,
// relative to it, where the content after each "- " starts, and the value
// the line gives, without a comment: "" for "key:" or a lone "-", what
// follows "key: ", or else the whole content.
func splitLine(content string) (items []int, value string) {
	rest := content
	for rest == "-" || strings.HasPrefix(rest, "- ") {
		after := strings.TrimLeft(rest[1:], " ")
		items = append(items, len(content)-len(after))
		rest = after
	}
	if j := strings.Index(rest, " #"); j >= 0 {
		rest = rest[:j]
	} else if strings.HasPrefix(rest, "#") {
		rest = ""
	}
	rest = strings.TrimRight(rest, " ")
	if rest != "" && rest[0] != '"' && rest[0] != '\'' && rest[0] != '[' && rest[0] != '{' {
		if k, v, ok := strings.Cut(rest, ": "); ok && !strings.ContainsAny(k, "[]{}") {
			return items, strings.TrimLeft(v, " ")
		}
		if strings.HasSuffix(rest, ":") {
			return items, ""
		}
	}
	return items, rest
}

// isBlockScalar says whether a value starts a block scalar: | or >, with
// chomping and indentation indicators.
func isBlockScalar(v string) bool {
	return v != "" && (v[0] == '|' || v[0] == '>') && strings.Trim(v[1:], "+-0123456789") == ""
}

// flowDelta is how many flow collections ([ or {) a line opens, less those
// it closes, outside quotes.
func flowDelta(s string) int {
	n := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || s[i-1] == ' '):
			return n
		case c == '[' || c == '{':
			n++
		case c == ']' || c == '}':
			n--
		}
	}
	return n
}

func spaces(n int) string { return plural(n, "space") }

// joinInts writes levels as "0, 2 or 4".
func joinInts(xs []int) string {
	var s []string
	for _, x := range xs {
		s = append(s, strconv.Itoa(x))
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
