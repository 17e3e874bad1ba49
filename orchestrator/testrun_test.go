package orchestrator

import (
	"os/exec"
	"runtime/debug"
	"testing"
)

func TestTestRunOver(t *testing.T) {
	self := TestRun{Binary: "pkg.test", PID: 100, Start: 500, Boot: "b1", PIDNS: "4026531836", Host: "h", Machine: "m"}
	run := func(edit func(*TestRun)) TestRun {
		r := self
		r.PID, r.Start = 200, 700
		edit(&r)
		return r
	}
	same := func(*TestRun) {}
	tests := []struct {
		name  string
		r     TestRun
		start uint64
		state procState
		want  bool
	}{
		{"its process is gone", run(same), 0, procGone, true},
		{"its process runs", run(same), 700, procAlive, false},
		{"its pid runs another process", run(same), 900, procAlive, true},
		{"its start is unknown", run(func(r *TestRun) { r.Start = 0 }), 900, procAlive, false},
		{"proc cannot tell", run(same), 0, procUnknown, false},
		{"another host", run(func(r *TestRun) { r.Host = "other" }), 0, procGone, false},
		{"another host, another boot", run(func(r *TestRun) { r.Host, r.Boot = "other", "b0" }), 0, procGone, false},
		{"this host, rebooted since", run(func(r *TestRun) { r.Boot = "b0" }), 700, procAlive, true},
		{"this host's name, another machine", run(func(r *TestRun) { r.Boot, r.Machine = "b0", "m2" }), 0, procGone, false},
		{"this host's name, no machine id", run(func(r *TestRun) { r.Boot, r.Machine = "b0", "" }), 0, procGone, false},
		{"its boot unknown", run(func(r *TestRun) { r.Boot = "" }), 0, procGone, false},
		{"another pid namespace", run(func(r *TestRun) { r.PIDNS = "4026532000" }), 0, procGone, false},
		{"its pid namespace unknown", run(func(r *TestRun) { r.PIDNS = "" }), 0, procGone, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			proc := func(pid int) (uint64, procState) {
				if pid != tc.r.PID {
					t.Errorf("asked about pid %d, want %d", pid, tc.r.PID)
				}
				return tc.start, tc.state
			}
			if got := tc.r.over(self, proc); got != tc.want {
				t.Errorf("over = %v, want %v", got, tc.want)
			}
		})
	}
	unknownSelf := self
	unknownSelf.Boot = ""
	if run(same).over(unknownSelf, func(int) (uint64, procState) { return 0, procGone }) {
		t.Error("over with this boot unknown: want false")
	}
}

func TestParseTestRun(t *testing.T) {
	for _, r := range []TestRun{
		{Binary: "topotest.test", PID: 1234, Start: 99, Boot: "ba8f1d5c-bbb2", PIDNS: "4026531836", Host: "vm", Machine: "3d12"},
		{Binary: "odd:name.test", PID: 1, Host: "vm"},
	} {
		got, err := ParseTestRun(r.String())
		if err != nil || got != r {
			t.Errorf("ParseTestRun(%q) = %+v, %v; want %+v", r.String(), got, err, r)
		}
	}
	for _, bad := range []string{"", "x.test:12", "x.test:pid:0:b:n:h:m", "x.test:0:0:b:n:h:m", "x.test:12:start:b:n:h:m"} {
		if r, err := ParseTestRun(bad); err == nil {
			t.Errorf("ParseTestRun(%q) = %+v, want an error", bad, r)
		}
		if TestRunOver(bad) {
			t.Errorf("TestRunOver(%q): want false for a label it cannot read", bad)
		}
	}
}

// TestTestRunOverOfARealProcess judges a process this test starts, while
// it runs and after it was killed.
func TestTestRunOverOfARealProcess(t *testing.T) {
	self := CurrentTestRun()
	if self.Boot == "" || self.PIDNS == "" || self.Start == 0 {
		t.Skipf("no /proc to judge processes by: %+v", self)
	}
	if self.Over() {
		t.Error("this process is over, by its own judgement")
	}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start, state := procStart(cmd.Process.Pid)
	if state != procAlive || start == 0 {
		t.Fatalf("procStart of a running child: %d, %v", start, state)
	}
	r := self
	r.PID, r.Start = cmd.Process.Pid, start
	if r.Over() {
		t.Error("a running child is over")
	}
	if TestRunOver(r.String()) != r.Over() {
		t.Error("TestRunOver disagrees with Over")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if !r.Over() {
		t.Error("a killed child is not over")
	}
	if !TestRunOver(r.String()) {
		t.Error("TestRunOver of a killed child's label: false")
	}
}

func TestVersionOf(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.modified", Value: "true"}}
	tests := []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"a release", debug.BuildInfo{Main: debug.Module{Path: module, Version: "v1.2.0"}}, "v1.2.0"},
		{"a checkout", debug.BuildInfo{Main: debug.Module{Path: module, Version: "(devel)"}, Settings: vcs}, "devel-0123456789ab+dirty"},
		{"a checkout without vcs", debug.BuildInfo{Main: debug.Module{Path: module, Version: "(devel)"}}, "devel"},
		{"a library", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{{Path: "other"}, {Path: module, Version: "v0.3.1"}}, Settings: vcs}, "v0.3.1"},
		{"a replaced library", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Deps: []*debug.Module{{Path: module, Version: "v0.3.1", Replace: &debug.Module{Path: "../topo"}}}, Settings: vcs}, "devel"},
		{"no topo at all", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}, Settings: vcs}, "devel"},
	}
	for _, tc := range tests {
		if got := versionOf(&tc.bi); got != tc.want {
			t.Errorf("%s: versionOf = %q, want %q", tc.name, got, tc.want)
		}
	}
	if Version() == "" {
		t.Error("Version is empty")
	}
}
