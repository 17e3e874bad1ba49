package orchestrator

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// TestRun is a test process that created a topology: topotest labels what
// it creates with it (engine.LabelTestRun), so that a later process, the
// next run of the same test binary or `topo ls`, can tell whether the
// process is gone and its topology left behind by a kill that no cleanup
// survived.
type TestRun struct {
	Binary string // the test binary's base name, "topotest.test"
	PID    int
	// Start is when the process started, in clock ticks since boot, so
	// that a new process under a reused pid is not taken for it; 0 unknown.
	Start uint64
	Boot  string // the kernel's boot id; "" unknown
	PIDNS string // the inode of the process's pid namespace; "" unknown
	Host  string // the host name
	// Machine is the machine id (/etc/machine-id), which tells a host
	// that rebooted from another host of the same name; "" unknown.
	Machine string
}

// testRunFields is how many fields a TestRun's token has after its binary.
const testRunFields = 6

// String is the run as a label value: binary:pid:start:boot:pidns:host:machine.
func (r TestRun) String() string {
	return strings.Join([]string{r.Binary, strconv.Itoa(r.PID), strconv.FormatUint(r.Start, 10), r.Boot, r.PIDNS, r.Host, r.Machine}, ":")
}

// ParseTestRun reads a topo.test-run label value back. The binary's name
// comes first and may hold a colon, so the fields are taken from the end.
func ParseTestRun(s string) (TestRun, error) {
	f := strings.Split(s, ":")
	if len(f) < testRunFields+1 {
		return TestRun{}, fmt.Errorf("test run %q: want binary:pid:start:boot:pidns:host:machine", s)
	}
	n := len(f) - testRunFields
	tail := f[n:]
	pid, err := strconv.Atoi(tail[0])
	if err != nil || pid <= 0 {
		return TestRun{}, fmt.Errorf("test run %q: pid %q", s, tail[0])
	}
	start, err := strconv.ParseUint(tail[1], 10, 64)
	if err != nil {
		return TestRun{}, fmt.Errorf("test run %q: start %q: %w", s, tail[1], err)
	}
	return TestRun{Binary: strings.Join(f[:n], ":"), PID: pid, Start: start, Boot: tail[2], PIDNS: tail[3], Host: tail[4], Machine: tail[5]}, nil
}

// CurrentTestRun is this process as a TestRun; read once.
var CurrentTestRun = sync.OnceValue(func() TestRun {
	r := TestRun{Binary: filepath.Base(os.Args[0]), PID: os.Getpid(), Boot: readTrim("/proc/sys/kernel/random/boot_id"), Machine: readTrim("/etc/machine-id")}
	r.Host, _ = os.Hostname()
	if ns, err := os.Readlink("/proc/self/ns/pid"); err == nil {
		r.PIDNS = strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]")
	}
	if st, state := procStart(r.PID); state == procAlive {
		r.Start = st
	}
	return r
})

// Over reports whether the run's process is gone, as this process sees
// it. It says true only when it is sure: a run on another host, in
// another pid namespace, or on a system where it cannot look, is not over.
func (r TestRun) Over() bool { return r.over(CurrentTestRun(), procStart) }

// TestRunOver is Over of a label value; a value it cannot read is not over.
func TestRunOver(label string) bool {
	r, err := ParseTestRun(label)
	return err == nil && r.Over()
}

// procState is what /proc says of a pid.
type procState int

const (
	procUnknown procState = iota // cannot tell
	procAlive
	procGone // no such process, or a zombie: it ended, its parent has not reaped it
)

// over judges r from self, asking proc about a pid on this host.
func (r TestRun) over(self TestRun, proc func(pid int) (uint64, procState)) bool {
	// A boot id is random to each boot of each host: with both known, the
	// same one means this host and boot, another one another boot of this
	// host only when its name and machine id say it is the same host.
	if r.Boot == "" || self.Boot == "" || r.Host != self.Host {
		return false
	}
	if r.Boot != self.Boot {
		return r.Machine != "" && r.Machine == self.Machine
	}
	if r.PIDNS == "" || r.PIDNS != self.PIDNS {
		return false // a container's pids are not ours to look up
	}
	start, state := proc(r.PID)
	switch state {
	case procGone:
		return true
	case procAlive:
		return r.Start != 0 && start != 0 && start != r.Start // the pid was reused
	}
	return false
}

// procStart reads a process's start time (field 22 of /proc/PID/stat, in
// clock ticks since boot) and whether it runs.
func procStart(pid int) (uint64, procState) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, fs.ErrNotExist) {
		// /proc mounted with hidepid hides other users' processes too:
		// gone is when a signal finds no process either.
		if _, err := os.Stat("/proc/self/stat"); err == nil && !signalled(pid) {
			return 0, procGone
		}
	}
	if err != nil {
		return 0, procUnknown
	}
	// The command name, in parentheses, may hold spaces and parentheses:
	// the fields that follow it start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, procUnknown
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 { // state is field 3, starttime field 22
		return 0, procUnknown
	}
	if f[0] == "Z" || f[0] == "X" {
		return 0, procGone
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, procUnknown
	}
	return start, procAlive
}

// signalled reports whether signal 0 reaches pid or is refused for
// want of permission: whether any process has that pid.
func signalled(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	defer p.Release() // the pidfd it may hold
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// readTrim is a small file's content without surrounding space; "" when
// it cannot be read.
func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
