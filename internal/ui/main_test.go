package ui_test

import (
	"testing"

	"github.com/topo-dev/topo/internal/livetest"
)

// TestMain fails the run in CI when Docker is unreachable, and checks at the
// end that no container or network of this suite is left behind.
func TestMain(m *testing.M) { livetest.Main(m, "ui") }
