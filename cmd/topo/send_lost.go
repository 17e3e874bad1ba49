package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
)

// printLost says what is known of a message whose receipt did not come
// back, and reports whether there was such a receipt to print: delivered
// or dropped as a node's log says, or unknown, never a false "not
// delivered".
func printLost(a *app, r *agent.Receipt) bool {
	waited := (time.Duration(r.WaitedMs) * time.Millisecond).String()
	switch {
	case r.Unknown:
		fmt.Fprintf(a.stdout, "unknown: %s → %s: no receipt within %s, and no node logged its delivery or its drop; it may still arrive\n",
			r.From, r.To, waited)
	case r.ReceiptLost && r.Delivered:
		fmt.Fprintf(a.stdout, "delivered (receipt lost) %s → %s in %s: %s logged it, but no receipt came back within %s\npath: %s\n",
			r.From, r.To, plural(max(len(r.Path)-1, 0), "hop", "hops"), r.To, waited, strings.Join(r.Path, " → "))
	case r.ReceiptLost:
		fmt.Fprintf(a.stdout, "not delivered: %s → %s: %s at %s (receipt lost: %s logged the drop, no receipt came back within %s)\n",
			r.From, r.To, r.Reason, r.DroppedAt, r.DroppedAt, waited)
		if len(r.Path) > 0 {
			fmt.Fprintf(a.stdout, "got as far as: %s\n", strings.Join(r.Path, " → "))
		}
	default:
		return false
	}
	return true
}
