// Package faultstest holds topotest's live tests of faults, trials and
// users' software routed by IP: a package of their own, so that each half
// of topotest's live tests gets go test's ten minutes per package on a
// slow engine.
package faultstest_test

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/topotest"
)

// TestMain fails the run in CI when Docker is unreachable, and checks at the
// end that no container or network of this suite is left behind.
func TestMain(m *testing.M) { livetest.Main(m, "tf") }

// up starts an example under a name unique to this run, with fast
// background traffic so that counters move within the test.
func up(t *testing.T, file, base string, opts ...topotest.Option) *topotest.Topology {
	t.Helper()
	livetest.Require(t)
	opts = append([]topotest.Option{topotest.WithName(livetest.Name(t, base)), topotest.WithInterval(300 * time.Millisecond)}, opts...)
	return topotest.Up(t, "../../topologies/"+file, opts...)
}
