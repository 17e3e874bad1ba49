package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/topo-dev/topo/engine"
)

// A fault schedule that outlives `topo up` runs in a process of its own,
// which records itself in the engine as a marker: a container created and
// never started, labelled with the topology (as a helper, so that down
// removes it with the rest), the runner's pid and the host where that pid
// means it. Down finds the runner through its marker and ends it; the
// runner ends by itself when its marker is gone, whoever removed it. There
// is no other state: no pid file to outlive its process or its host.
const (
	// scheduleWatch is how often a runner looks for its marker.
	scheduleWatch = time.Second
	// scheduleStopWait bounds how long StopSchedule waits for a runner it
	// signalled to finish its step and exit.
	scheduleStopWait = 15 * time.Second
	// scheduleMarkWait bounds how long up waits for the runner it started
	// to mark itself: the runner opens the engine and creates a container.
	scheduleMarkWait = 30 * time.Second
	// scheduleMarkerTimeout bounds removing a marker once its run is over.
	scheduleMarkerTimeout = 30 * time.Second
)

// ScheduleRunner is a process that runs a topology's fault schedule, as
// its marker tells.
type ScheduleRunner struct {
	Marker string    // the marker's container ID; set when read back
	PID    int       // the runner's process id on Host
	Host   string    // the host's boot id and pid namespace; "" when unknown, and then PID is never trusted
	Start  time.Time // when the schedule started
}

// MarkSchedule records r as the runner of name's fault schedule, in a
// marker, and returns a context that ends with ctx or when the marker is
// gone: the runner runs its schedule under it, so that a down from
// anywhere, or `docker rm` of the marker, stops it. release stops the watch
// and removes the marker; the runner calls it last, once its steps (and
// their logging) are done, so that a down waiting for the marker to go
// knows that nothing of the schedule acts any more.
func (o *Orchestrator) MarkSchedule(ctx context.Context, name string, r ScheduleRunner) (run context.Context, release func(), err error) {
	if err := needName(name); err != nil {
		return nil, nil, fmt.Errorf("schedule: %w", err)
	}
	image, err := o.NodeImage(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("schedule of %s: %w", name, err)
	}
	// Never started; locked down all the same, in case someone starts it.
	spec := engine.ContainerSpec{Image: image, Hostname: "schedule",
		CapDrop: []string{"ALL"}, NoNewPrivileges: true, ReadOnlyRoot: true, MemoryBytes: helperMemory, PidsLimit: nodePids,
		Labels: map[string]string{engine.LabelHelper: name, engine.LabelSchedule: r.Start.UTC().Format(time.RFC3339Nano),
			engine.LabelPID: strconv.Itoa(r.PID), engine.LabelBoot: r.Host}}
	id, err := o.rt.CreateContainer(ctx, spec)
	if err != nil {
		return nil, nil, fmt.Errorf("schedule of %s: mark it: %w", name, err)
	}
	run, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); o.watchMarker(run, cancel, name, id) }()
	release = func() {
		cancel()
		wg.Wait()
		rctx, done := context.WithTimeout(context.WithoutCancel(ctx), scheduleMarkerTimeout)
		defer done()
		if err := o.rt.RemoveContainer(rctx, id); err != nil && !errors.Is(err, engine.ErrNotFound) {
			o.log.Warn("fault schedule: remove its marker", "topology", name, "err", err)
		}
	}
	return run, release, nil
}

// watchMarker cancels the run when its marker is gone, and returns when
// the run ends. An engine that does not answer is no reason to stop: the
// steps themselves fail then.
func (o *Orchestrator) watchMarker(ctx context.Context, cancel context.CancelFunc, name, id string) {
	t := time.NewTicker(scheduleWatch)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rs, err := o.ScheduleRunners(ctx, name)
		if err != nil {
			o.log.Debug("fault schedule: look for its marker", "topology", name, "err", err)
			continue
		}
		if !slices.ContainsFunc(rs, func(r ScheduleRunner) bool { return r.Marker == id }) {
			o.log.Info("fault schedule: its marker is gone; stopping", "topology", name)
			cancel()
			return
		}
	}
}

// ScheduleRunners lists the runners of a topology's fault schedule, read
// from their markers, oldest first.
func (o *Orchestrator) ScheduleRunners(ctx context.Context, name string) ([]ScheduleRunner, error) {
	if err := needName(name); err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	ms, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelHelper: name, engine.LabelSchedule: ""})
	if err != nil {
		return nil, fmt.Errorf("schedule of %s: %w", name, err)
	}
	out := make([]ScheduleRunner, 0, len(ms))
	for _, m := range ms {
		r := ScheduleRunner{Marker: m.ID, Host: m.Labels[engine.LabelBoot]}
		r.PID, _ = strconv.Atoi(m.Labels[engine.LabelPID]) // 0, never trusted, when it is not a number
		r.Start, _ = time.Parse(time.RFC3339Nano, m.Labels[engine.LabelSchedule])
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b ScheduleRunner) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// Processes reaches the processes of the host topo runs on: how
// StopSchedule ends a runner that its marker places here.
type Processes interface {
	// Host names where a pid means one process: this boot of this host,
	// and this pid namespace; "" when unknown, and no pid is trusted.
	Host() string
	// IsRunner reports whether pid is, now, a live runner of name's
	// schedule, and not a process that took its number since.
	IsRunner(pid int, name string) bool
	// Signal asks the process to stop.
	Signal(pid int) error
}

// StopSchedule ends a topology's fault schedule before it goes, so that no
// step acts on what is being removed. A runner whose marker places it on
// procs' host is signalled, and waited for, a while, to finish its step
// and exit. Every marker still there is then removed: a runner elsewhere
// sees its marker gone within a second, and stops. procs may be nil: then
// removing the markers is all it does. It returns how many runners it
// found.
func (o *Orchestrator) StopSchedule(ctx context.Context, name string, procs Processes) (int, error) {
	rs, err := o.ScheduleRunners(ctx, name)
	if err != nil {
		return 0, err
	}
	var signalled []int
	for _, r := range rs {
		if procs != nil && procs.Host() != "" && r.Host == procs.Host() && r.PID > 0 &&
			procs.IsRunner(r.PID, name) && procs.Signal(r.PID) == nil {
			signalled = append(signalled, r.PID)
		}
	}
	if len(signalled) > 0 {
		waitRunnersEnd(ctx, name, procs, signalled)
	}
	var errs []error
	for _, r := range rs {
		if err := o.rt.RemoveContainer(ctx, r.Marker); err != nil && !errors.Is(err, engine.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return len(rs), fmt.Errorf("schedule of %s: remove its marker: %w", name, err)
	}
	return len(rs), nil
}

// waitRunnersEnd waits until none of the pids is a runner of name's any
// more, or until scheduleStopWait has passed: a runner stuck in a step is
// not waited for longer, and its marker's removal stops it after.
func waitRunnersEnd(ctx context.Context, name string, procs Processes, pids []int) {
	ctx, cancel := context.WithTimeout(ctx, scheduleStopWait)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for slices.ContainsFunc(pids, func(pid int) bool { return procs.IsRunner(pid, name) }) {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// WaitScheduleMarked waits until the runner r.PID on r.Host, just started,
// has marked itself, so that a down from now on finds it; or until it
// exits, which is an error unless it ran its whole schedule (exited yields
// what it ended with); or for at most scheduleMarkWait.
func (o *Orchestrator) WaitScheduleMarked(ctx context.Context, name string, r ScheduleRunner, exited <-chan error) error {
	ctx, cancel := context.WithTimeout(ctx, scheduleMarkWait)
	defer cancel()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		rs, err := o.ScheduleRunners(ctx, name)
		if err == nil && slices.ContainsFunc(rs, func(m ScheduleRunner) bool { return m.PID == r.PID && m.Host == r.Host }) {
			return nil
		}
		select {
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("schedule of %s: its runner ended before it began: %w", name, err)
			}
			return nil
		case <-ctx.Done():
			return fmt.Errorf("schedule of %s: its runner did not mark itself: %w", name, ctx.Err())
		case <-t.C:
		}
	}
}
