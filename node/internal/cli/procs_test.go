package cli

import (
	"runtime"
	"runtime/debug"
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

// The agent collects at GOGC=25 unless GOGC says otherwise.
func TestSetGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	if got := setGC(func(string) string { return "" }); got != gcPercent || debug.SetGCPercent(gcPercent) != gcPercent {
		t.Errorf("without GOGC: setting %d, want %d", got, gcPercent)
	}
	debug.SetGCPercent(70) // as the runtime would have from GOGC=70
	env := func(k string) string {
		if k == "GOGC" {
			return "70"
		}
		return ""
	}
	if got := setGC(env); got != 70 || debug.SetGCPercent(70) != 70 {
		t.Errorf("with GOGC=70: setting %d, want 70", got)
	}
}
