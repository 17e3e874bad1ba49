package topology

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"
)

// expectFields are the keys an entry of expect: may have.
var expectFields = []string{
	"name", "from", "reach", "status", "body", "fails", "within", "during",
	"recovers-within", "after", "accounting", "logs", "run",
}

// expectKinds are the keys of which an entry has exactly one: what it
// checks.
var expectKinds = []string{"reach", "accounting", "logs", "run"}

// reachOnly are the keys that qualify a reach: check, and nothing else.
var reachOnly = []string{"from", "status", "body", "fails", "within", "during", "recovers-within", "after"}

// expect decodes the expect: section. Left empty, it is the same as left
// out.
func (d *decoder) expect(t *Topology, v *yaml.Node) {
	if isNull(v) {
		return
	}
	if v.Kind != yaml.SequenceNode {
		d.e.add(pos(v), "expect: want a list like - {from: a, reach: b:80}, got %s", describe(v))
		return
	}
	if len(v.Content) > MaxExpectations {
		d.e.add(pos(v), "expect: %d entries, at most %d", len(v.Content), MaxExpectations)
		return
	}
	tl := d.timeline(t.Faults)
	for i, item := range v.Content {
		item = resolve(item)
		if x, ok := d.expectation(item, fmt.Sprintf("expect[%d]", i), tl); ok {
			t.Expect = append(t.Expect, x)
		}
	}
}

// expectation decodes one entry of expect:.
func (d *decoder) expectation(m *yaml.Node, what string, tl timeline) (Expectation, bool) {
	x := Expectation{Pos: pos(m), src: expectSrc{what: what}}
	fs, ok := d.fields(m, what, expectFields...)
	if !ok {
		return x, false
	}
	good := d.expectName(fs, &x, what)
	var kinds []string
	for _, k := range expectKinds {
		if fs.has(k) {
			kinds = append(kinds, k+":")
		}
	}
	switch len(kinds) {
	case 0:
		d.e.add(pos(m), "%s: say what must hold: reach: (with from:), accounting:, logs: or run:", what)
		return x, false
	case 1:
	default:
		d.e.add(pos(m), "%s: give one of reach:, accounting:, logs: or run: per entry, not %s", what, listWords(kinds, "and"))
		return x, false
	}
	if fs.has("reach") {
		return x, d.reachExpectation(fs, &x, what, tl) && good
	}
	for _, k := range reachOnly {
		if fs.has(k) {
			d.e.add(pos(fs.key[k]), "%s.%s: goes with reach: only", what, k)
			good = false
		}
	}
	switch {
	case fs.has("accounting"):
		v := fs.val["accounting"]
		s, ok := d.scalar(v, what+".accounting", AccountingBalanced)
		if ok && s != AccountingBalanced {
			d.e.add(pos(v), "%s.accounting: %q, want balanced: every message an agent originated delivered or dropped with a reason", what, s)
			ok = false
		}
		x.Accounting, good = s, ok && good
	case fs.has("logs"):
		x.Logs, ok = d.logExpectation(fs.val["logs"], what+".logs", &x.src.logsNode)
		good = ok && good
	case fs.has("run"):
		x.Run, ok = d.runExpectation(fs.val["run"], what+".run", &x.src.runNode)
		good = ok && good
	}
	return x, good
}

// expectName decodes an entry's optional name:, which reports show; one
// is made from the check when it is left out (see normalize).
func (d *decoder) expectName(fs fieldSet, x *Expectation, what string) bool {
	v, ok := fs.val["name"]
	if !ok {
		return true
	}
	x.src.name = pos(v)
	s, ok := d.scalar(v, what+".name", `a name like "web answers"`)
	if !ok {
		return false
	}
	if msg := badExpectName(s); msg != "" {
		d.e.add(pos(v), "%s.name: %s", what, msg)
		return false
	}
	x.Name = s
	return true
}

// badExpectName says what is wrong with an expectation's name, or "".
func badExpectName(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "empty: remove it for a name made from the check, or give one"
	case len([]rune(s)) > MaxExpectNameLen:
		return fmt.Sprintf("%q is longer than %d characters", clipEcho(s), MaxExpectNameLen)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Sprintf("%q holds a control character: a name is one line", clipEcho(s))
	}
	return ""
}

// reachExpectation decodes a reach: check and what qualifies it.
func (d *decoder) reachExpectation(fs fieldSet, x *Expectation, what string, tl timeline) bool {
	good := true
	if v, ok := fs.val["from"]; ok {
		x.src.from = pos(v)
		x.From, ok = d.scalar(v, what+".from", "a node name")
		good = ok
	} else {
		d.e.add(x.Pos, "%s: from: is missing: the node the probe runs from, like from: client", what)
		good = false
	}
	rv := fs.val["reach"]
	x.src.reach = pos(rv)
	if s, ok := d.scalar(rv, what+".reach", "a node, NODE:PORT or a URL like http://web/health"); ok {
		tg, err := parseTarget(s)
		if err != nil {
			d.e.add(pos(rv), "%s.reach: %v", what, err)
			good = false
		} else {
			good = d.httpMatch(fs, &tg, what) && good
			x.Reach = &tg
		}
	} else {
		good = false
	}
	if v, ok := fs.val["fails"]; ok {
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&x.Fails) != nil {
			d.e.add(pos(v), "%s.fails: want true or false, got %s", what, describe(v))
			good = false
		}
	}
	if v, ok := fs.val["within"]; ok {
		x.Within, ok = d.within(v, what+".within")
		good = ok && good
	}
	good = d.recovery(fs, x, what, tl) && good
	if v, ok := fs.val["during"]; ok {
		x.During, ok = d.window(v, what+".during", tl)
		good = ok && good
	}
	return d.reachConflicts(fs, x, what) && good
}

// reachConflicts reports qualifiers of a reach: check that contradict each
// other.
func (d *decoder) reachConflicts(fs fieldSet, x *Expectation, what string) bool {
	good := true
	refuse := func(key, format string, args ...any) {
		d.e.add(pos(fs.key[key]), "%s.%s: "+format, append([]any{what, key}, args...)...)
		good = false
	}
	if x.Fails && fs.has("within") {
		refuse("within", "a target that must not be reached (fails: true) has no latency: remove fails: or within:")
	}
	if x.Fails && fs.has("recovers-within") {
		refuse("recovers-within", "a target that must not be reached (fails: true) cannot recover: remove fails: or recovers-within:")
	}
	if fs.has("recovers-within") && fs.has("during") {
		refuse("during", "a recovery is timed from its step's lift: remove during: or recovers-within:")
	}
	if fs.has("recovers-within") && fs.has("within") {
		refuse("within", "a recovery bounds the time until the target is reached again, not the latency: remove within: or recovers-within:")
	}
	return good
}

// httpMatch decodes status: and body:, which only an http:// target takes.
func (d *decoder) httpMatch(fs fieldSet, tg *Target, what string) bool {
	good := true
	for _, k := range []string{"status", "body"} {
		if fs.has(k) && tg.Kind != ProbeHTTP {
			d.e.add(pos(fs.key[k]), "%s.%s: goes with an http:// reach only, like reach: http://web/health", what, k)
			good = false
		}
	}
	if !good || tg.Kind != ProbeHTTP {
		return good
	}
	tg.Status = 200
	if v, ok := fs.val["status"]; ok {
		n, ok := d.integer(v, what+".status", "an HTTP status like 200")
		if ok && (n < 100 || n > 599) {
			d.e.add(pos(v), "%s.status: %d is not an HTTP status (100 to 599)", what, n)
			ok = false
		}
		tg.Status, good = n, ok
	}
	if v, ok := fs.val["body"]; ok {
		s, ok := d.scalar(v, what+".body", "text the answer's body contains")
		tg.Body, good = s, ok && good
	}
	return good
}

// within decodes a latency bound: a duration, the median's bound, or one
// percentile and its bound, like {p95: 200ms}.
func (d *decoder) within(v *yaml.Node, what string) (*LatencyBound, bool) {
	if v.Kind == yaml.ScalarNode {
		m, ok := d.positive(v, what, "200ms")
		return &LatencyBound{Percentile: 50, Max: m}, ok
	}
	fs, ok := d.fields(v, what, "p50", "p95")
	if !ok {
		return nil, false
	}
	switch {
	case len(v.Content) != 2:
		d.e.add(pos(v), "%s: give one percentile and its bound, like {p95: 200ms}", what)
		return nil, false
	case len(fs.val) != 1:
		return nil, false // an unknown key, reported
	}
	for k, pv := range fs.val {
		p, _ := strconv.Atoi(k[1:]) // one of the fields above
		m, ok := d.positive(pv, what+"."+k, "200ms")
		return &LatencyBound{Percentile: p, Max: m}, ok
	}
	return nil, false
}

// recovery decodes recovers-within: and after:, which go together.
func (d *decoder) recovery(fs fieldSet, x *Expectation, what string, tl timeline) bool {
	rv, hasR := fs.val["recovers-within"]
	av, hasA := fs.val["after"]
	switch {
	case !hasR && !hasA:
		return true
	case !hasA:
		d.e.add(pos(fs.key["recovers-within"]), "%s: recovers-within: needs after: the name of the fault step it recovers from", what)
		return false
	case !hasR:
		d.e.add(pos(fs.key["after"]), "%s.after: goes with recovers-within: how soon after the step is lifted the target is reached again", what)
		return false
	}
	within, okW := d.positive(rv, what+".recovers-within", "5s")
	step, okS := tl.lifted(d, av, what+".after")
	if !okW || !okS {
		return false
	}
	x.Recovery = &Recovery{Step: step.Name, Lifted: step.At + step.For, Within: within}
	return true
}

// positive decodes a duration above 0 and at most a day.
func (d *decoder) positive(v *yaml.Node, what, example string) (time.Duration, bool) {
	s, ok := d.scalar(v, what, "a duration like "+example)
	if !ok {
		return 0, false
	}
	x, err := time.ParseDuration(s)
	if err != nil || x <= 0 || x > 24*time.Hour {
		d.e.add(pos(v), "%s: %q, want a duration above 0 and up to 24h, like %s", what, s, example)
		return 0, false
	}
	return x, true
}

// offset decodes a time on the timeline: a duration from 0 to a day.
func (d *decoder) offset(v *yaml.Node, what string) (time.Duration, bool) {
	s, ok := d.scalar(v, what, "a duration like 10s")
	if !ok {
		return 0, false
	}
	x, err := time.ParseDuration(s)
	if err != nil || x < 0 || x > 24*time.Hour {
		d.e.add(pos(v), "%s: %q, want a duration from 0 to 24h, like 10s", what, s)
		return 0, false
	}
	return x, true
}
