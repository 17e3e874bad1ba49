package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

func newStatusCmd(a *app) *cobra.Command {
	var ref, output string
	var maxWorkers int
	var wide bool
	cmd := &cobra.Command{
		Use:   "status [FILE|NAME]",
		Short: "Show each node's state, readiness, addresses, neighbours and counters",
		Example: `  topo status
  topo status star
  topo status --wide            # each node on one line, however long
  topo status -o json | jq '.nodes[] | {name, ready}'`,
		Args:              args(cobra.MaximumNArgs(1)),
		ValidArgsFunction: a.completeTopologies,
		RunE: func(cmd *cobra.Command, pos []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			if err := checkWorkers("status", maxWorkers); err != nil {
				return err
			}
			if len(pos) == 1 {
				if ref != "" && ref != pos[0] {
					return usageError{errors.New("status: give the topology either as an argument or with -t, not both")}
				}
				ref = pos[0]
			}
			o, name, closeFn, err := a.resolve(cmd.Context(), ref)
			defer closeFn()
			if err != nil {
				return err
			}
			st, err := o.Status(cmd.Context(), name, orchestrator.StatusOptions{MaxWorkers: maxWorkers})
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(a, st)
			}
			printStatus(a, st, wide)
			return nil
		},
	}
	topologyFlag(a, cmd, &ref)
	outputFlag(cmd, &output, "table", "table", "json")
	cmd.Flags().BoolVar(&wide, "wide", false, "the table with every address, neighbour and member on the node's line, however wide")
	cmd.Flags().IntVar(&maxWorkers, "max-workers", orchestrator.DefaultMaxWorkers, "nodes asked at once")
	return cmd
}

// statusWidth is the width the status table keeps to without --wide.
const statusWidth = 100

// statusRow is one node's line of the status table, before layout.
type statusRow struct {
	node, host, state, ready string
	addrs, neigh             []string
	counters                 [5]string
	err                      string // the agent could not be asked
}

func statusRows(st *orchestrator.Status) []statusRow {
	var rows []statusRow
	for _, n := range st.Nodes {
		r := statusRow{node: n.Name, host: n.Host, state: n.State, ready: "no", neigh: shownNeighbours(markOneWay(n)), err: n.Error}
		if n.Ready {
			r.ready = "yes"
		}
		for _, seg := range st.Segments { // in plan order, not map order
			if ip, ok := n.Addresses[seg.Name]; ok {
				r.addrs = append(r.addrs, ip+" ("+seg.Name+")")
			}
		}
		if n.HostDown {
			r.host += "*" // hostDownNote says what the mark means
		}
		if n.OOMKilled {
			r.state += " (OOM killed)"
		} else if n.State == "exited" {
			r.state += fmt.Sprintf(" (%d)", n.ExitCode)
		}
		c := n.Stats
		for i, v := range []uint64{c.Originated, c.Delivered, c.Forwarded, c.Ignored, c.Dropped} {
			r.counters[i] = strconv.FormatUint(v, 10)
		}
		rows = append(rows, r)
	}
	return rows
}

// markOneWay is a node's neighbours, each whose link carries one way only
// marked so: "hub (one-way)".
func markOneWay(n orchestrator.NodeStatus) []string {
	out := slices.Clone(n.Neighbors)
	for _, l := range n.Links {
		if i := slices.Index(out, l.Neighbor); i >= 0 && l.State == agent.LinkOneWay {
			out[i] += " (" + agent.LinkOneWay + ")"
		}
	}
	return out
}

// neighboursShown is how many neighbours a row names before it counts
// the rest: a node of a bus of 250 has 249, and -o json has them all.
const neighboursShown = 12

func shownNeighbours(ns []string) []string {
	if len(ns) <= neighboursShown {
		return ns
	}
	return append(slices.Clone(ns[:neighboursShown-1]), fmt.Sprintf("+%d more", len(ns)-neighboursShown+1))
}

// loggedNote says, when status read some agents' stats from their logs,
// how old those are at most.
func loggedNote(st *orchestrator.Status) string {
	var n int
	var oldest time.Time
	for _, ns := range st.Nodes {
		if ns.StatsAt.IsZero() {
			continue
		}
		n++
		if oldest.IsZero() || ns.StatsAt.Before(oldest) {
			oldest = ns.StatsAt
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("stats of %s as their agents logged them, at most %s ago (topologies of %d nodes or more log them every %s)",
		plural(n, "node", "nodes"), time.Since(oldest).Round(time.Second), agent.StatsNodes, agent.StatsEvery)
}

// columnWidths are how wide the ADDRESSES and NEIGHBOURS columns may be
// for the table to fit statusWidth, with each address on a line of its own
// and neighbours wrapped: the neighbours get the room left, but never less
// than their longest name; if that is still too wide, the addresses give
// up the end of their segment names.
func columnWidths(rows []statusRow) (addrs, neighbours int) {
	w := []int{len("NODE"), len("STATE"), len("READY"), len("ADDRESSES"), len("ORIG"), len("DELIV"), len("FWD"), len("IGN"), len("DROP")}
	least := len("? see below")
	for _, r := range rows {
		for i, c := range append([]string{r.node, r.state, r.ready}, r.addrs...) {
			w[min(i, 3)] = max(w[min(i, 3)], utf8.RuneCountInString(c))
		}
		for i, c := range r.counters {
			w[4+i] = max(w[4+i], len(c))
		}
		for _, n := range r.neigh {
			least = max(least, utf8.RuneCountInString(n)+1)
		}
	}
	if host := hostWidth(rows); host > 0 {
		w = append(w, host)
	}
	used := 2 * len(w) // the padding after every column but the last, and after NEIGHBOURS
	for _, x := range w {
		used += x
	}
	if over := used + least - statusWidth; over > 0 {
		return max(w[3]-over, longestIP(rows)+utf8.RuneCountInString(" (…)")), least
	}
	return w[3], statusWidth - used
}

// longestIP is the width of the longest address in rows' ADDRESSES
// cells, which an elided cell keeps whole.
func longestIP(rows []statusRow) int {
	w := 0
	for _, r := range rows {
		for _, a := range r.addrs {
			ip, _, _ := strings.Cut(a, " ")
			w = max(w, len(ip))
		}
	}
	return w
}

// elideAddress cuts an address cell, "IP (segment)", to width columns,
// from the end of the segment's name.
func elideAddress(a string, width int) string {
	r := []rune(a)
	if len(r) <= width {
		return a
	}
	return string(r[:width-2]) + "…)"
}

// printStatus prints a topology's status as tables. Unless wide, a node's
// addresses go one per line, its neighbours wrap to the room left, and an
// agent's error goes below the table, so that a star's hub fits
// statusWidth columns.
func printStatus(a *app, st *orchestrator.Status, wide bool) {
	fmt.Fprintf(a.stdout, "%s (%s, %s, %s)\n\n", st.Name, st.Layout, plural(len(st.Nodes), "node", "nodes"), plural(len(st.Segments), "segment", "segments"))
	var b bytes.Buffer
	notes := printNodes(&b, statusRows(st), wide)
	writeTrimmed(a.stdout, b.String())
	fmt.Fprintln(a.stdout)
	if n := loggedNote(st); n != "" {
		notes = append(notes, n)
	}
	if slices.ContainsFunc(st.Nodes, func(n orchestrator.NodeStatus) bool { return n.HostDown }) {
		notes = append(notes, hostDownNote)
	}
	for _, n := range notes {
		fmt.Fprintln(a.stdout, n)
	}
	for _, f := range st.Faults {
		fmt.Fprintf(a.stdout, "fault: %s\n", f)
	}
	if len(notes)+len(st.Faults) > 0 {
		fmt.Fprintln(a.stdout)
	}
	b.Reset()
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEGMENT\tNETWORK\tSUBNET\tMEMBERS")
	for _, s := range st.Segments {
		members := wrapList(s.Members, 40)
		if wide {
			members = []string{strings.Join(s.Members, ",")}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Network, s.Subnet, line(members, 0))
		for i := 1; i < len(members); i++ {
			fmt.Fprintf(tw, "\t\t\t%s\n", members[i])
		}
	}
	tw.Flush()
	writeTrimmed(a.stdout, b.String())
}

// hostDownNote explains the mark on a host that is down.
const hostDownNote = "* host down, unreachable or drained: its nodes' state is the last its engine reported"

// hostWidth is the width of the HOST column, 0 when no node has a host
// (one engine): the column is shown only on an engine of several hosts.
func hostWidth(rows []statusRow) int {
	w := 0
	for _, r := range rows {
		if r.host != "" {
			w = max(w, len("HOST"), utf8.RuneCountInString(r.host))
		}
	}
	return w
}

// printNodes writes the nodes' table and returns the notes that go below
// it: the agents' errors, unless wide.
func printNodes(b *bytes.Buffer, rows []statusRow, wide bool) (notes []string) {
	aw, nw := columnWidths(rows)
	hosts := hostWidth(rows) > 0
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	head, pad := "NODE", ""
	if hosts {
		head, pad = "NODE\tHOST", "\t"
	}
	fmt.Fprintln(tw, head+"\tSTATE\tREADY\tADDRESSES\tNEIGHBOURS\tORIG\tDELIV\tFWD\tIGN\tDROP")
	for _, r := range rows {
		var addrs []string
		for _, x := range r.addrs {
			addrs = append(addrs, elideAddress(x, aw))
		}
		neigh := wrapList(r.neigh, nw)
		switch {
		case wide && r.err != "":
			addrs, neigh = []string{strings.Join(r.addrs, " ")}, []string{"? " + r.err}
		case wide:
			addrs, neigh = []string{strings.Join(r.addrs, " ")}, []string{strings.Join(r.neigh, ",")}
		case r.err != "":
			neigh = []string{"? see below"}
			notes = append(notes, fmt.Sprintf("%s: %s", r.node, r.err))
		}
		node := r.node
		if hosts {
			node += "\t" + r.host
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", node, r.state, r.ready, line(addrs, 0), line(neigh, 0), strings.Join(r.counters[:], "\t"))
		for i := 1; i < max(len(addrs), len(neigh)); i++ {
			fmt.Fprintf(tw, "%s\t\t\t%s\t%s\t\t\t\t\t\n", pad, line(addrs, i), line(neigh, i))
		}
	}
	return notes
}

// writeTrimmed writes text without the spaces a tabwriter leaves at the
// ends of lines whose last cells are empty.
func writeTrimmed(w io.Writer, text string) {
	for _, l := range strings.SplitAfter(text, "\n") {
		if l != "" {
			fmt.Fprintln(w, strings.TrimRight(l, " \n"))
		}
	}
}

// line is the i-th of lines, or "" past the end.
func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

// wrapList joins items with commas into lines of at most width columns
// (an item longer than that gets a line of its own); every line but the
// last ends with its comma.
func wrapList(items []string, width int) []string {
	var out []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(it)+1 <= width:
			cur += "," + it
		default:
			out = append(out, cur+",")
			cur = it
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// plural counts things: "1 node", "2 nodes".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
