package node

import (
	"runtime"
	"testing"
)

// The agent runs on one processor unless GOMAXPROCS says otherwise.
func TestSetProcs(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(before)
	if got := setProcs(func(string) string { return "" }); got != 1 || runtime.GOMAXPROCS(0) != 1 {
		t.Errorf("without GOMAXPROCS: %d processors (setting %d), want 1", runtime.GOMAXPROCS(0), got)
	}
	runtime.GOMAXPROCS(3) // as the runtime would have from GOMAXPROCS=3
	env := func(k string) string {
		if k == "GOMAXPROCS" {
			return "3"
		}
		return ""
	}
	if got := setProcs(env); got != 3 || runtime.GOMAXPROCS(0) != 3 {
		t.Errorf("with GOMAXPROCS=3: %d processors (setting %d), want 3", runtime.GOMAXPROCS(0), got)
	}
}
