package agent

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// FilterRule is one packet filter rule the netns verb installs in a node's
// network namespace, for faults: on the interface that holds the node's
// own address Local, drop the frames that come from the link-layer address
// PeerMAC, all of them (Percent 100: a cut link) or that share at random
// (a lossy link). Filtering what arrives, by the sender's link-layer
// address, stops everything that crosses the link: unicast, broadcast, and
// packets the peer forwards for others.
//
// A lossy rule may keep a port: TCP and UDP packets to or from KeepPort
// (the agent's) are not lost by the kernel, since the agent loses its own
// frames itself and counts them; a cut (Percent 100) keeps nothing.
//
// A rule of a link cut one way keeps ARP (KeepARP): the way that carries
// on needs the neighbour's ARP replies to go on resolving its address.
type FilterRule struct {
	Local    string  // e.g. "10.210.0.2"
	PeerMAC  string  // e.g. "02:42:0a:d2:00:03"
	Percent  float64 // above 0, up to 100; at most MinFilterPercent's precision
	KeepPort int     // 0: none; with Percent below 100 only
	KeepARP  bool    // ARP from PeerMAC is not dropped
}

// keepARP ends the String of a rule that keeps ARP.
const keepARP = ",arp"

// String is the rule as FilterCommand passes it: "LOCAL,MAC,PERCENT", and
// ",PORT" when it keeps one, ",arp" when it keeps ARP.
func (r FilterRule) String() string {
	s := r.Local + "," + r.PeerMAC + "," + strconv.FormatFloat(r.Percent, 'f', -1, 64)
	if r.KeepPort != 0 {
		s += "," + strconv.Itoa(r.KeepPort)
	}
	if r.KeepARP {
		s += keepARP
	}
	return s
}

// ParseFilterRule reads a rule written by String.
func ParseFilterRule(s string) (FilterRule, error) {
	rest, arp := strings.CutSuffix(s, keepARP)
	r, err := parseFilterRule(rest)
	if err != nil {
		return FilterRule{}, fmt.Errorf("filter rule %q: %w", s, err)
	}
	r.KeepARP = arp
	return r, nil
}

func parseFilterRule(s string) (FilterRule, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 && len(parts) != 4 {
		return FilterRule{}, errors.New("want LOCAL,MAC,PERCENT[,PORT][,arp]")
	}
	p, err := strconv.ParseFloat(parts[2], 64)
	if err != nil || !(p >= MinFilterPercent && p <= 100) {
		return FilterRule{}, fmt.Errorf("percent %q, want %v to 100", parts[2], MinFilterPercent)
	}
	r := FilterRule{Local: parts[0], PeerMAC: parts[1], Percent: p}
	if len(parts) == 4 {
		port, err := strconv.Atoi(parts[3])
		if err != nil || port < 1 || port > 65535 || p == 100 {
			return FilterRule{}, fmt.Errorf("port %q, want 1 to 65535, on a rule below 100%%", parts[3])
		}
		r.KeepPort = port
	}
	return r, nil
}

// MinFilterPercent is the smallest share a filter rule drops: the kernel
// draws a random number below a million for it (parts per million).
const MinFilterPercent = 0.0001

// ShapeRule is the rate, in bits per second, at which the kernel lets
// frames leave the interface that holds the node's own address Local, for
// every process (a token bucket filter, tbf, as its root qdisc); Rate 0
// removes that shaping. The filter verb takes it beside the filter rules.
type ShapeRule struct {
	Local string // e.g. "10.210.0.2"
	Rate  uint64 // bits per second; 0: unshaped
}

// shapePrefix sets a shape rule apart from a filter rule on the command
// line.
const shapePrefix = "shape:"

// String is the rule as FilterCommand passes it: "shape:LOCAL,RATE".
func (r ShapeRule) String() string {
	return shapePrefix + r.Local + "," + strconv.FormatUint(r.Rate, 10)
}

// IsShapeRule says whether a filter verb argument is a shape rule.
func IsShapeRule(s string) bool { return strings.HasPrefix(s, shapePrefix) }

// ParseShapeRule reads a rule written by String.
func ParseShapeRule(s string) (ShapeRule, error) {
	rest, ok := strings.CutPrefix(s, shapePrefix)
	local, rate, ok2 := strings.Cut(rest, ",")
	if !ok || !ok2 {
		return ShapeRule{}, fmt.Errorf("shape rule %q: want shape:LOCAL,RATE", s)
	}
	r, err := strconv.ParseUint(rate, 10, 64)
	if err != nil {
		return ShapeRule{}, fmt.Errorf("shape rule %q: rate %q, want bits per second", s, rate)
	}
	return ShapeRule{Local: local, Rate: r}, nil
}

// FilterCommand is the command line, for a helper in a node's network
// namespace, that makes rules the node's whole fault filter: it replaces
// what an earlier call installed, and with no rules removes it. Shapes set
// or remove the shaping of the interfaces they name; the others keep
// theirs.
func FilterCommand(rules []FilterRule, shapes ...ShapeRule) []string {
	cmd := []string{Path, VerbNetns, "filter"}
	for _, r := range rules {
		cmd = append(cmd, r.String())
	}
	for _, r := range shapes {
		cmd = append(cmd, r.String())
	}
	return cmd
}
