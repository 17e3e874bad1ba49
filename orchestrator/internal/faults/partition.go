package faults

import (
	"fmt"
	"slices"
	"strings"

	"github.com/topo-dev/topo/topology"
)

// partitionSplits says of each group whose members cannot all reach each
// other which of them are cut off, and through which nodes of other groups
// they would connect: a partition cuts every link between groups, so
// inside a group only the plan's links between its own members carry
// anything. Two spokes of a star without their hub is the usual case. One
// sentence per cut-off part, in plan order; none when every group holds.
func partitionSplits(plan *topology.Plan, groups [][]string) []string {
	adj := map[string][]string{}
	for _, s := range plan.Segments {
		for _, a := range s.Members {
			for _, b := range s.Members {
				if a != b && !slices.Contains(adj[a], b) {
					adj[a] = append(adj[a], b)
				}
			}
		}
	}
	var out []string
	for _, g := range groups {
		comps := components(g, adj)
		for _, c := range comps[1:] {
			via := pathBetween(comps[0], c, adj)
			var outside []string
			for _, n := range via {
				if !slices.Contains(g, n) {
					outside = append(outside, n)
				}
			}
			what := fmt.Sprintf("group %s: %s cannot reach %s", strings.Join(g, ","), strings.Join(comps[0], ","), strings.Join(c, ","))
			if len(outside) == 0 {
				out = append(out, what+": no link of the topology joins them")
				continue
			}
			out = append(out, fmt.Sprintf("%s: they connect only through %s, in another group", what, strings.Join(outside, ", ")))
		}
	}
	return out
}

// components splits group into the parts its members' own links join,
// each in the group's order, the part of its first member first.
func components(group []string, adj map[string][]string) [][]string {
	seen := map[string]bool{}
	var out [][]string
	for _, start := range group {
		if seen[start] {
			continue
		}
		seen[start] = true
		comp, queue := []string{}, []string{start}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			comp = append(comp, n)
			for _, m := range adj[n] {
				if !seen[m] && slices.Contains(group, m) {
					seen[m] = true
					queue = append(queue, m)
				}
			}
		}
		slices.SortFunc(comp, func(a, b string) int { return slices.Index(group, a) - slices.Index(group, b) })
		out = append(out, comp)
	}
	return out
}

// pathBetween is the nodes strictly between from and to on a shortest way
// over every link of the topology, nil when none joins them.
func pathBetween(from, to []string, adj map[string][]string) []string {
	prev := map[string]string{}
	queue := slices.Clone(from)
	for _, n := range from {
		prev[n] = ""
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if slices.Contains(to, n) {
			var via []string
			for p := prev[n]; p != "" && !slices.Contains(from, p); p = prev[p] {
				via = append([]string{p}, via...)
			}
			return via
		}
		for _, m := range adj[n] {
			if _, ok := prev[m]; !ok {
				prev[m] = n
				queue = append(queue, m)
			}
		}
	}
	return nil
}
