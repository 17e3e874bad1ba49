package orchestrator_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// fakeProcs is a host's processes: the runners alive on it, by pid.
type fakeProcs struct {
	host      string
	mu        sync.Mutex
	alive     map[int]string // pid -> the topology whose schedule it runs
	onSignal  map[int]func() // what a signal to the pid does; by default it ends at once
	signalled []int
}

func (p *fakeProcs) Host() string { return p.host }

func (p *fakeProcs) IsRunner(pid int, name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.alive[pid] == name
}

func (p *fakeProcs) Signal(pid int) error {
	p.mu.Lock()
	p.signalled = append(p.signalled, pid)
	do := p.onSignal[pid]
	if do == nil {
		delete(p.alive, pid)
	}
	p.mu.Unlock()
	if do != nil {
		do()
	}
	return nil
}

func (p *fakeProcs) end(pid int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.alive, pid)
}

// TestStopScheduleTrustsOnlyItsHost: down signals a runner only where its
// marker's pid means that runner, and removes every marker, which stops a
// runner elsewhere.
func TestStopScheduleTrustsOnlyItsHost(t *testing.T) {
	const here = "boot-1/pid:[1]"
	tests := []struct {
		name       string
		marked     string // the marker's host
		procs      *fakeProcs
		wantSignal bool
	}{
		{"a runner here", here, &fakeProcs{host: here, alive: map[int]string{42: "lab"}}, true},
		{"a runner on another boot or host", "boot-0/pid:[1]", &fakeProcs{host: here, alive: map[int]string{42: "lab"}}, false},
		{"its pid taken by another process", here, &fakeProcs{host: here, alive: map[int]string{}}, false},
		{"its pid taken by another topology's runner", here, &fakeProcs{host: here, alive: map[int]string{42: "other"}}, false},
		{"no host known here", "", &fakeProcs{host: "", alive: map[int]string{42: "lab"}}, false},
		{"no processes to reach", here, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			_, release, err := o.MarkSchedule(ctx, "lab", orchestrator.ScheduleRunner{PID: 42, Host: tt.marked, Start: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			var procs orchestrator.Processes
			if tt.procs != nil {
				procs = tt.procs
			}
			n, err := o.StopSchedule(ctx, "lab", procs)
			if err != nil || n != 1 {
				t.Fatalf("StopSchedule = %d, %v; want the one runner", n, err)
			}
			if got := tt.procs != nil && slices.Contains(tt.procs.signalled, 42); got != tt.wantSignal {
				t.Errorf("runner signalled: %v, want %v", got, tt.wantSignal)
			}
			if rs, err := o.ScheduleRunners(ctx, "lab"); err != nil || len(rs) != 0 {
				t.Errorf("markers after StopSchedule: %v, %v; want none", rs, err)
			}
		})
	}
}

// TestStopScheduleWaitsForTheRunner: a runner signalled finishes its step,
// removes its marker and exits; down goes on only after that.
func TestStopScheduleWaitsForTheRunner(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	stopped, stop := context.WithCancel(ctx) // the signal, as the runner's main sees it
	run, release, err := o.MarkSchedule(stopped, "lab", orchestrator.ScheduleRunner{PID: 7, Host: "h", Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	procs := &fakeProcs{host: "h", alive: map[int]string{7: "lab"}, onSignal: map[int]func(){7: stop}}
	var ranOut bool
	go func() {
		<-run.Done()
		ranOut = true // the rest of its step, after the signal
		release()
		procs.end(7)
	}()
	if _, err := o.StopSchedule(ctx, "lab", procs); err != nil {
		t.Fatal(err)
	}
	if procs.IsRunner(7, "lab") {
		t.Fatal("StopSchedule returned while its runner still runs")
	}
	if !ranOut {
		t.Error("the runner's step did not end before StopSchedule returned")
	}
}

// TestScheduleRunnerStopsWithoutItsMarker: a runner runs under a context
// that ends when its marker is gone, whoever removed it: down, or docker
// rm. Its release removes the marker when it ends by itself.
func TestScheduleRunnerStopsWithoutItsMarker(t *testing.T) {
	tests := []struct {
		name   string
		remove func(o *orchestrator.Orchestrator, f *fakeRuntime, marker string) error
	}{
		{"down", func(o *orchestrator.Orchestrator, _ *fakeRuntime, _ string) error {
			_, err := o.Down(context.Background(), "lab", orchestrator.DownOptions{})
			return err
		}},
		{"docker rm", func(_ *orchestrator.Orchestrator, f *fakeRuntime, marker string) error {
			return f.RemoveContainer(context.Background(), marker)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			start := time.Now().Truncate(time.Millisecond)
			run, release, err := o.MarkSchedule(ctx, "lab", orchestrator.ScheduleRunner{PID: 9, Host: "h", Start: start})
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			rs, err := o.ScheduleRunners(ctx, "lab")
			if err != nil || len(rs) != 1 || rs[0].PID != 9 || rs[0].Host != "h" || !rs[0].Start.Equal(start) {
				t.Fatalf("ScheduleRunners = %+v, %v; want pid 9 on h, started %s", rs, err, start)
			}
			if run.Err() != nil {
				t.Fatal("the run ended with its marker still there")
			}
			if err := tt.remove(o, f, rs[0].Marker); err != nil {
				t.Fatal(err)
			}
			select {
			case <-run.Done():
			case <-time.After(time.Minute):
				t.Fatal("the run goes on without its marker")
			}
		})
	}
}

func TestScheduleReleaseRemovesItsMarker(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	run, release, err := o.MarkSchedule(ctx, "lab", orchestrator.ScheduleRunner{PID: 9, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	release()
	if run.Err() == nil {
		t.Error("the run goes on after release")
	}
	if cs, _ := f.ListContainers(ctx, map[string]string{engine.LabelHelper: "lab"}); len(cs) != 0 {
		t.Errorf("left after release: %v", cs)
	}
}

// TestWaitScheduleMarked: up returns once the runner it started is found
// through its marker, and says so when the runner ended before.
func TestWaitScheduleMarked(t *testing.T) {
	failed := errors.New("exit status 1")
	tests := []struct {
		name    string
		mark    bool  // the runner marked itself
		exit    error // what it ended with, when it did (nil: still runs)
		ended   bool
		wantErr error
	}{
		{"marked", true, nil, false, nil},
		{"ended before it marked itself", false, failed, true, failed},
		{"ran its whole schedule before up looked", false, nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			r := orchestrator.ScheduleRunner{PID: 5, Host: "h", Start: time.Now()}
			if tt.mark {
				_, release, err := o.MarkSchedule(ctx, "lab", r)
				if err != nil {
					t.Fatal(err)
				}
				defer release()
			}
			exited := make(chan error, 1)
			if tt.ended {
				exited <- tt.exit
			}
			err := o.WaitScheduleMarked(ctx, "lab", r, exited)
			if (tt.wantErr == nil) != (err == nil) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("WaitScheduleMarked = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
