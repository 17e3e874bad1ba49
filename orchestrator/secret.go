package orchestrator

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
)

// A topology's master secret. Up makes a new one for every topology it
// creates; each segment's key derives from it (agent.SegmentKey), and only
// the agents get their segments' keys, in their configs (wiring). The
// secret itself lives in a label on every network of the topology
// (engine.LabelSecret): labels are topo's only state, and a network's are
// never visible from inside a container, so a user's own image on the
// topology sees neither the secret nor any key. A compose export, a file
// anyone reads, carries neither.

// newSecret is a new topology's master secret: 32 random bytes, in hex.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// secretFromNetworks recovers a running topology's master secret from the
// labels of its networks, as observed (any order): the one of the network
// first by name that carries a valid secret. It reports false when none
// does (a topology made by an older topo, or with no network left); the
// caller then makes a new one, and nodes made with it do not share keys
// with those already running. Up uses it to recreate a missing node with
// the keys its neighbours have.
func secretFromNetworks(nets []engine.NetworkInfo) (string, bool) {
	sorted := slices.SortedFunc(slices.Values(nets), func(a, b engine.NetworkInfo) int { return strings.Compare(a.Name, b.Name) })
	for _, n := range sorted {
		if s := n.Labels[engine.LabelSecret]; validSecret(s) {
			return s, true
		}
	}
	return "", false
}

// validSecret reports whether s is a master secret: 64 hex digits.
func validSecret(s string) bool {
	if len(s) != agent.KeyLen {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
