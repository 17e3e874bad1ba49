//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/internal/flock"
	"github.com/topo-dev/topo/topology"
)

// newScheduleCmd is the hidden command that runs a file's fault schedule in
// the background, started by up: `topo faults-run NAME FILE START`.
func newScheduleCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use: "faults-run NAME FILE START", Hidden: true, Args: args(cobra.ExactArgs(3)),
		RunE: func(cmd *cobra.Command, pos []string) error {
			if err := topology.CheckName(pos[0]); err != nil {
				return usageError{err}
			}
			start, err := time.Parse(time.RFC3339Nano, pos[2])
			if err != nil {
				return usageError{err}
			}
			t, err := loadTopology(pos[1])
			if err != nil {
				return err
			}
			o, closeFn, err := a.open(cmd.Context(), false)
			defer closeFn()
			if err != nil {
				return err
			}
			if pid, err := schedulePidFile(pos[0]); err == nil {
				defer os.Remove(pid)
			}
			return o.RunSchedule(cmd.Context(), pos[0], t.Faults, start)
		},
	}
}

// startSchedule runs the file's fault schedule in a process of its own that
// outlives up, and notes its pid for down.
func (a *app) startSchedule(name, file string, faults []topology.ScheduledFault, start time.Time) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "faults-run", name, abs, start.Format(time.RFC3339Nano))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // not stopped by the terminal's Ctrl-C
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("fault schedule: %w", err)
	}
	pidFile, err := schedulePidFile(name)
	if err != nil {
		_ = cmd.Process.Kill()
		return err
	}
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o600); err != nil {
		_ = cmd.Process.Kill()
		return fmt.Errorf("fault schedule: %w", err)
	}
	_ = cmd.Process.Release()
	last := time.Duration(0)
	for _, f := range faults {
		last = max(last, f.At+f.For)
	}
	fmt.Fprintf(a.stdout, "fault schedule: %d faults over the next %s; `%s logs -t %s faults` shows each step\n", len(faults), topology.FormatDuration(last), a.self, name)
	return nil
}

// stopSchedule ends the fault schedule of a topology, if one runs.
func stopSchedule(name string) {
	file, err := schedulePidFile(name)
	if err != nil {
		return // no schedule was ever started under a name that is not one
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return
	}
	defer os.Remove(file)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || !isSchedule(pid, name) {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
}

// isSchedule makes sure pid is still this topology's schedule, not a
// process that took its number since.
func isSchedule(pid int, name string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(string(cmdline), "\x00")
	return len(args) > 2 && args[1] == "faults-run" && args[2] == name
}

// schedulePidFile is where a topology's fault schedule notes its pid. The
// name becomes part of a path, so only a valid topology name is taken:
// `down x/../../name` once removed a file outside topo's directory.
func schedulePidFile(name string) (string, error) {
	if err := topology.CheckName(name); err != nil {
		return "", fmt.Errorf("fault schedule: %w", err)
	}
	dir, err := flock.Dir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "schedule-"+name+".pid"), nil
}
