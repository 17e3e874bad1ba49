package engine

// Labels that say who made a resource, so that one a killed process left
// behind can be traced to its maker and removed.
const (
	// LabelVersion is on every container and network topo creates: the
	// version of topo that created it.
	LabelVersion = "topo.version"
	// LabelTestRun is on what a test (topotest) creates: the test process,
	// as a token that tells another process whether it is still alive
	// (orchestrator.TestRun).
	LabelTestRun = "topo.test-run"
	// LabelTestBinary is on what a test creates: the test binary's name,
	// so that its next run finds what a killed run of it left.
	LabelTestBinary = "topo.test-binary"
)
