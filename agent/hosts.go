package agent

import "strings"

// VerbHosts rewrites a node's hosts file in place. It runs in a
// short-lived helper container, from the node image, that has the node
// container's /etc/hosts mounted (engine.ContainerSpec HostsOf), never in
// the node itself: a node keeps no capability, and its /etc/hosts belongs
// to root.
const VerbHosts = "hosts"

// HostsCommand is the command line that makes entries ("name:address")
// the entries of the hosts file at file of other nodes: every line all of whose names
// are among drop or entries' names is taken out, the rest (localhost, the
// node's own names, a user's lines) stays, and entries go where the first
// line taken out was, else at the end.
func HostsCommand(file string, drop, entries []string) []string {
	cmd := []string{Path, VerbHosts, "--file", file}
	if len(drop) > 0 {
		cmd = append(cmd, "--drop", strings.Join(drop, ","))
	}
	return append(append(cmd, "--"), entries...)
}
