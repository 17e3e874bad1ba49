package topo_test

import (
	"testing"

	"github.com/topo-dev/topo/internal/livetest"
)

func TestMain(m *testing.M) { livetest.Main(m, "op") }
