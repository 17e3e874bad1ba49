package topology

import (
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// placementKeys are the node attributes a placement constraint may test,
// as Docker Swarm names them; node.labels.<key> and engine.labels.<key>
// test a label of the host.
var placementKeys = []string{"node.id", "node.hostname", "node.role", "node.platform.os", "node.platform.arch"}

// Label keys in node.labels.<key>: what `docker node update --label-add`
// accepts without quoting.
var (
	placementLabel = regexp.MustCompile(`^(node|engine)\.labels\.[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	placementValue = regexp.MustCompile(`^[A-Za-z0-9_.:/*-]+$`)
)

// placement reads a node's placement constraints: a list of "key==value"
// or "key!=value", which a cluster engine (swarm) obeys and one engine
// ignores. Each is checked here, so that a typo fails in the file rather
// than as a service that never finds a host.
func (d *decoder) placement(v *yaml.Node, what string) []string {
	if v.Kind != yaml.SequenceNode {
		d.e.add(pos(v), "%s placement: want a list like [node.labels.rack==a], got %s", what, describe(v))
		return nil
	}
	var out []string
	for _, c := range v.Content {
		c = resolve(c)
		s, ok := d.scalar(c, what+" placement", "a constraint like node.labels.rack==a")
		if !ok {
			continue
		}
		norm, problem := checkPlacement(s)
		if problem != "" {
			d.e.add(pos(c), "%s placement %q: %s", what, s, problem)
			continue
		}
		if !slices.Contains(out, norm) {
			out = append(out, norm)
		}
	}
	return out
}

// checkPlacement returns a constraint without spaces around its operator,
// or what is wrong with it.
func checkPlacement(s string) (norm, problem string) {
	op := "=="
	i := strings.Index(s, op)
	if j := strings.Index(s, "!="); j >= 0 && (i < 0 || j < i) {
		op, i = "!=", j
	}
	if i < 0 {
		return "", "want key==value or key!=value, e.g. node.labels.rack==a"
	}
	key, value := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(op):])
	switch {
	case key == "":
		return "", "no key before " + op
	case !slices.Contains(placementKeys, key) && !placementLabel.MatchString(key):
		hint := "; want node.labels.<label>, engine.labels.<label> or one of " + listWords(placementKeys, "or")
		if c := closest(key, placementKeys); c != "" {
			hint = "; did you mean " + c + "?"
		}
		return "", "unknown key " + key + hint
	case value == "":
		return "", "no value after " + op
	case !placementValue.MatchString(value):
		return "", "value " + value + " has characters Swarm does not take unquoted (want letters, digits and _.:/*-)"
	case key == "node.role" && value != "manager" && value != "worker":
		return "", "node.role is manager or worker"
	}
	return key + op + value, ""
}
