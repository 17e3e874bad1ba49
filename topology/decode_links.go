package topology

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// impSpec is an impairment as written: each field set or not, so that a
// link's own settings override the default field by field.
type impSpec struct {
	delay, jitter *time.Duration
	loss          *float64
	rate          *uint64
}

// over applies the fields set in s on top of base.
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
		known = append([]string{"endpoints", "from"}, impairmentFields...)
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

// links decodes a custom layout's links:, each a list of endpoints or a
// mapping with endpoints: and its own impairment over link:'s. A broken
// entry sets t.src.linksBad, so that the checks over all links do not echo
// it.
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
		var eps, from *yaml.Node
		switch item.Kind {
		case yaml.SequenceNode:
			eps = item
		case yaml.MappingNode:
			spec, f := d.impairment(item, what, true)
			l.Impairment = spec.over(t.Link)
			eps, from = f.val["endpoints"], f.val["from"]
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
		if from != nil && good {
			good = d.linkFrom(from, &l, what)
		}
		if !good {
			t.src.linksBad = true
		}
		t.Links = append(t.Links, l)
	}
}

// linkFrom decodes a link's from:, the end whose sending alone its
// impairment holds for: one of two endpoints, on a link that has an
// impairment.
func (d *decoder) linkFrom(v *yaml.Node, l *Link, what string) bool {
	s, ok := d.scalar(v, what+".from", "one end of the link")
	switch {
	case !ok:
		return false
	case len(l.Endpoints) != 2 || !slices.Contains(l.Endpoints, s):
		d.e.add(pos(v), "%s.from: %q, want one end of a link of two (%s)", what, clipEcho(s), strings.Join(l.Endpoints, ", "))
		return false
	case l.Impairment.IsZero():
		d.e.add(pos(v), "%s.from: the link has no delay, jitter, loss or rate to hold one way", what)
		return false
	}
	l.From = s
	return true
}
