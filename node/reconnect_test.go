package node_test

import (
	"testing"
	"time"
)

func TestReconnect(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			c := startSpec(t, starSpec(proto, 3))
			c.waitReady()
			c.send("spoke1", "spoke2")
			for _, victim := range []string{"spoke2", "hub"} {
				c.stop(victim)
				eventually(t, 5*time.Second, "spoke3 to see "+victim+" go", func() bool {
					return !c.agent("spoke3").Ready() || victim == "spoke2"
				})
				eventually(t, 5*time.Second, "hub's link to spoke2 down", func() bool {
					return victim == "hub" || !c.agent("hub").Ready()
				})
				c.start(victim)
				c.waitReady()
				assertPath(t, c.send("spoke1", "spoke2").Path, "spoke1", "hub", "spoke2")
				assertPath(t, c.send("spoke2", "spoke3").Path, "spoke2", "hub", "spoke3")
			}
		})
	}
}
