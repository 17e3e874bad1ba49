package netns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/topo-dev/topo/agent"
)

// FilterTable is the nftables table, of family netdev, that holds the
// fault filter and nothing else: replacing the filter replaces the table.
const FilterTable = "topo"

// Filter is one fault filter rule, checked: on the interface that holds
// Local, drop Percent percent of the frames whose Ethernet source is MAC.
type Filter struct {
	Rule     agent.FilterRule // as given, to name it in messages
	Local    netip.Addr
	MAC      net.HardwareAddr
	Percent  float64 // above 0, up to 100, as agent.FilterRule
	KeepPort uint16  // TCP and UDP to or from it are not dropped; 0: none
}

// String is the rule as people read it: "drop 50% from 02:42:0a:d2:00:03
// to 10.210.0.2".
func (f Filter) String() string {
	return fmt.Sprintf("drop %v%% from %s to %s", f.Percent, f.MAC, f.Local)
}

// ParseFilter parses "LOCAL,MAC,PERCENT", the form agent.FilterRule.String
// writes: an IPv4 unicast address, an Ethernet unicast address written as
// six colon-separated octets, and a percent above 0 and up to 100 (0.5 is
// half a percent).
func ParseFilter(s string) (Filter, error) {
	r, err := agent.ParseFilterRule(s)
	if err != nil {
		return Filter{}, err
	}
	a, err := netip.ParseAddr(strings.TrimSpace(r.Local))
	if err != nil {
		return Filter{}, fmt.Errorf("filter rule %q: local address: %w", s, err)
	}
	if !a.Is4() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return Filter{}, fmt.Errorf("filter rule %q: local address %s is not an IPv4 unicast address", s, a)
	}
	m, err := parseMAC(strings.TrimSpace(r.PeerMAC))
	if err != nil {
		return Filter{}, fmt.Errorf("filter rule %q: %w", s, err)
	}
	return Filter{Rule: r, Local: a, MAC: m, Percent: r.Percent, KeepPort: uint16(r.KeepPort)}, nil
}

// parseMAC reads an Ethernet address a frame may come from.
func parseMAC(s string) (net.HardwareAddr, error) {
	m, err := net.ParseMAC(s)
	if err != nil || len(m) != 6 || len(s) != 17 || strings.Count(s, ":") != 5 {
		return nil, fmt.Errorf("MAC %q: want six octets in hex, colon-separated, e.g. 02:42:0a:d2:00:03", s)
	}
	if m[0]&1 != 0 {
		return nil, fmt.Errorf("MAC %s is a group address, never a frame's source", m)
	}
	if string(m) == "\x00\x00\x00\x00\x00\x00" {
		return nil, fmt.Errorf("MAC %s is all zeros, never a frame's source", m)
	}
	return m, nil
}

// ParseFilters parses every argument and reports every bad one at once. A
// rule given twice counts once; two shares for one address pair are an
// error.
func ParseFilters(args []string) ([]Filter, error) {
	var filters []Filter
	var errs []error
	type pair struct {
		local netip.Addr
		mac   string
	}
	seen := map[pair]float64{}
	for _, a := range args {
		f, err := ParseFilter(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		k := pair{f.Local, f.MAC.String()}
		if p, ok := seen[k]; ok {
			if p != f.Percent {
				errs = append(errs, fmt.Errorf("filter rule %q: frames from %s to %s are filtered at %v%% already; one rule per pair",
					a, f.MAC, f.Local, p))
			}
			continue
		}
		seen[k] = f.Percent
		filters = append(filters, f)
	}
	return filters, errors.Join(errs...)
}

// Chain is the filter of one interface: a base chain on its ingress hook.
type Chain struct {
	Dev     string
	Filters []Filter
}

// Name is the chain's name in the table.
func (c Chain) Name() string { return "ingress_" + c.Dev }

// Group puts each filter on the interface that holds its local address,
// found in byAddr (an interface's name by each of its addresses), in the
// order the interfaces first appear. It reports every filter whose
// address no interface holds, and two filters of one interface for one
// MAC (two of its addresses, one peer).
func Group(filters []Filter, byAddr map[netip.Addr]string) ([]Chain, error) {
	var chains []Chain
	var errs []error
	index := map[string]int{}
	byMAC := map[string]Filter{}
	for _, f := range filters {
		dev, ok := byAddr[f.Local]
		if !ok {
			errs = append(errs, fmt.Errorf("filter rule %q: no interface has the address %s", f.Rule.String(), f.Local))
			continue
		}
		if g, dup := byMAC[dev+" "+f.MAC.String()]; dup {
			errs = append(errs, fmt.Errorf("filter rule %q: frames from %s on %s are filtered by rule %q already",
				f.Rule.String(), f.MAC, dev, g.Rule.String()))
			continue
		}
		byMAC[dev+" "+f.MAC.String()] = f
		i, ok := index[dev]
		if !ok {
			i = len(chains)
			index[dev] = i
			chains = append(chains, Chain{Dev: dev})
		}
		chains[i].Filters = append(chains[i].Filters, f)
	}
	return chains, errors.Join(errs...)
}

// InterfaceAddrs maps every IP address of the namespace's interfaces to
// the interface's name. It reads them over rtnetlink, which needs no
// privilege.
func InterfaceAddrs() (map[netip.Addr]string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	m := map[netip.Addr]string{}
	for _, ifc := range ifs {
		addrs, err := ifc.Addrs()
		if err != nil {
			return nil, fmt.Errorf("addresses of %s: %w", ifc.Name, err)
		}
		for _, a := range addrs {
			p, err := netip.ParsePrefix(a.String())
			if err != nil {
				continue
			}
			if _, taken := m[p.Addr()]; !taken {
				m[p.Addr()] = ifc.Name
			}
		}
	}
	return m, nil
}

// filterBatch is the nf_tables transaction that makes chains the whole
// filter, numbered from seq: BATCH_BEGIN, NEWTABLE (a no-op when the
// table exists), DELTABLE, then, when there is something to filter, the
// table again with a chain per interface and a rule per filter, and
// BATCH_END. The kernel applies all of it or none. what[i] says what the
// message numbered seq+i does, for errors; what[0] is the transaction.
func filterBatch(seq uint32, chains []Chain) (b []byte, what []string) {
	add := func(m []byte, w string) {
		b = append(b, m...)
		what = append(what, w)
	}
	tableName := "table netdev " + FilterTable
	add(batchMessage(nfnlMsgBatchBegin, seq), "the nftables transaction")
	add(newTableMessage(seq+1, FilterTable), "create "+tableName)
	add(delTableMessage(seq+2, FilterTable), "delete "+tableName)
	if len(chains) > 0 {
		add(newTableMessage(seq+3, FilterTable), "create "+tableName)
	}
	for _, c := range chains {
		rules := make([]string, len(c.Filters))
		for i, f := range c.Filters {
			rules[i] = fmt.Sprintf("%q", f.Rule.String())
		}
		add(chainMessage(seq+uint32(len(what)), FilterTable, c.Name(), c.Dev),
			fmt.Sprintf("filter rules %s: ingress chain on %s", strings.Join(rules, " "), c.Dev))
		for _, f := range c.Filters {
			var mac [6]byte
			copy(mac[:], f.MAC)
			if f.Rule.KeepARP {
				add(ruleMessage(seq+uint32(len(what)), FilterTable, c.Name(), keepARP(mac)...),
					fmt.Sprintf("filter rule %q on %s: keep ARP", f.Rule.String(), c.Dev))
			}
			for _, keep := range keepPort(mac, f.KeepPort) {
				add(ruleMessage(seq+uint32(len(what)), FilterTable, c.Name(), keep...),
					fmt.Sprintf("filter rule %q on %s: keep port %d", f.Rule.String(), c.Dev, f.KeepPort))
			}
			add(ruleMessage(seq+uint32(len(what)), FilterTable, c.Name(), dropFromMAC(mac, f.Percent)...),
				fmt.Sprintf("filter rule %q on %s", f.Rule.String(), c.Dev))
		}
	}
	b = append(b, batchMessage(nfnlMsgBatchEnd, seq+uint32(len(what)))...)
	return b, what
}
