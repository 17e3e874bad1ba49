//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// newScheduleCmd is the hidden command that runs a file's fault schedule in
// the background, started by up: `topo faults-run NAME FILE START`. It
// marks itself in the engine first, and stops when that marker is gone.
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
			self := orchestrator.ScheduleRunner{PID: os.Getpid(), Host: hostID(), Start: start}
			run, release, err := o.MarkSchedule(cmd.Context(), pos[0], self)
			if err != nil {
				return err
			}
			defer release()
			err = o.RunSchedule(run, pos[0], t.Faults, start)
			if run.Err() != nil && cmd.Context().Err() == nil {
				return nil // the marker is gone: the topology went down
			}
			return err
		},
	}
}

// startSchedule runs the file's fault schedule in a process of its own that
// outlives up, and returns once that process has marked itself in the
// engine, where down finds it.
func (a *app) startSchedule(ctx context.Context, o orchestrator.Service, name, file string, faults []topology.ScheduledFault, start time.Time) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	// NAME stays the second argument: IsRunner knows the runner by it.
	cmd := exec.Command(self, "faults-run", name, abs, start.Format(time.RFC3339Nano), "--engine", a.engine)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // not stopped by the terminal's Ctrl-C
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("fault schedule: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	runner := orchestrator.ScheduleRunner{PID: cmd.Process.Pid, Host: hostID()}
	if err := o.WaitScheduleMarked(ctx, name, runner, exited); err != nil {
		_ = cmd.Process.Kill()
		return fmt.Errorf("%w; `%s faults-run %s %s %s` runs it in the foreground", err, a.self, name, abs, start.Format(time.RFC3339Nano))
	}
	last := time.Duration(0)
	for _, f := range faults {
		last = max(last, f.At+f.For)
	}
	fmt.Fprintf(a.stdout, "fault schedule: %d faults over the next %s; `%s logs -t %s faults` shows each step\n", len(faults), topology.FormatDuration(last), a.self, name)
	return nil
}

// stopSchedule ends the fault schedule of a topology, if one runs, before
// its topology goes: a fault schedule must not act on what goes.
func (a *app) stopSchedule(ctx context.Context, o orchestrator.Service, name string) {
	if _, err := o.StopSchedule(ctx, name, hostProcs{host: hostID()}); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(a.stderr, "warning: %v\n", err)
	}
}

// hostProcs are the processes of this host, through /proc.
type hostProcs struct{ host string }

func (p hostProcs) Host() string { return p.host }

// IsRunner makes sure pid is still this topology's schedule, not a
// process that took its number since (nor a zombie, whose command line is
// empty).
func (hostProcs) IsRunner(pid int, name string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(string(cmdline), "\x00")
	return len(args) > 2 && args[1] == "faults-run" && args[2] == name
}

func (hostProcs) Signal(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }

// hostID names where a pid means one process: this boot of this host, and
// this pid namespace. Without /proc it is unknown (""), and a marker's pid
// is never trusted: removing the marker stops its runner all the same.
func hostID() string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(boot)) + "/" + ns
}
