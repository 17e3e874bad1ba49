package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/engine"
)

// DownOptions adjust Down and DownAll.
type DownOptions struct {
	MaxWorkers int // engine calls in flight at once; DefaultMaxWorkers when 0
}

// DownResult counts what Down removed.
type DownResult struct {
	Containers int
	Networks   int
}

// rollbackTimeout bounds cleanup after a failed or cancelled Up of n
// nodes, and a down without a deadline of its own: 2 minutes, or a second
// a node for more than 120, since an engine loaded enough to make up fail
// removes slowly too.
func rollbackTimeout(n int) time.Duration { return max(2*time.Minute, time.Duration(n)*time.Second) }

// Down removes every container and network labelled with the topology's
// name. Nothing to remove is not an error. It is best effort: one resource
// that cannot be removed does not stop the others, and every failure is
// reported.
func (o *Orchestrator) Down(ctx context.Context, name string, opts DownOptions) (DownResult, error) {
	if err := needName(name); err != nil {
		return DownResult{}, fmt.Errorf("down: %w", err)
	}
	// A route helper removes itself; one an interrupted up left behind
	// goes first, since it holds its node's network namespace.
	helpers, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelHelper: name})
	if err != nil {
		return DownResult{}, fmt.Errorf("down %s: %w", name, err)
	}
	for _, h := range helpers {
		if err := o.rt.RemoveContainer(ctx, h.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return DownResult{}, fmt.Errorf("down %s: %w", name, err)
		}
	}
	return o.remove(ctx, name, map[string]string{engine.LabelTopology: name}, opts.MaxWorkers)
}

// remove removes the containers, then the networks, that carry every label
// of sel, best effort, reporting progress under the topology's name.
func (o *Orchestrator) remove(ctx context.Context, name string, sel map[string]string, maxWorkers int) (DownResult, error) {
	var res DownResult
	if maxWorkers <= 0 {
		maxWorkers = DefaultMaxWorkers
	}
	cs, err := o.rt.ListContainers(ctx, sel)
	if err != nil {
		return res, fmt.Errorf("down %s: %w", name, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		// A whole down's deadline bounds each engine call, rather than
		// the engine layer's limit per call, which a loaded engine
		// removing hundreds of containers exceeds while it progresses.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, rollbackTimeout(len(cs)))
		defer cancel()
	}
	start := time.Now()
	o.emit(Progress{Topology: name, Phase: PhaseRemove, Status: "started", Total: len(cs)})
	var done atomic.Int64
	crowded := crowdedLocks(cs)
	removed, errC := eachBestEffort(ctx, maxWorkers, cs, func(ctx context.Context, c engine.ContainerInfo) error {
		unlock := lockCrowded(c, crowded)
		err := o.rt.RemoveContainer(ctx, c.ID)
		unlock()
		if errors.Is(err, engine.ErrNotFound) {
			err = nil
		}
		if err == nil {
			o.emit(Progress{Topology: name, Phase: PhaseRemove, Resource: c.Name, Status: "done", Done: int(done.Add(1)), Total: len(cs)})
		}
		return err
	})
	res.Containers = removed

	// Networks go after their containers: the engine refuses to remove a
	// network with endpoints.
	ns, err := o.rt.ListNetworks(ctx, sel)
	if err != nil {
		return res, fmt.Errorf("down %s: %w", name, errors.Join(errC, err))
	}
	total := len(cs) + len(ns)
	res.Networks, err = eachBestEffort(ctx, maxWorkers, ns, func(ctx context.Context, n engine.NetworkInfo) error {
		err := o.rt.RemoveNetwork(ctx, n.ID)
		if errors.Is(err, engine.ErrNotFound) {
			err = nil
		}
		if err == nil {
			o.emit(Progress{Topology: name, Phase: PhaseRemove, Resource: n.Name, Status: "done", Done: int(done.Add(1)), Total: total})
		}
		return err
	})
	if err := errors.Join(errC, err); err != nil {
		return res, fmt.Errorf("down %s: %w", name, firstOf(err))
	}
	o.emit(Progress{Topology: name, Phase: PhaseRemove, Status: "done", Done: total, Total: total, Elapsed: time.Since(start)})
	return res, nil
}

// eachBestEffort runs f over items, at most limit at once, and unlike
// boundedEach lets a failure stop nothing: it returns how many succeeded
// and every error, joined.
func eachBestEffort[T any](ctx context.Context, limit int, items []T, f func(ctx context.Context, item T) error) (int, error) {
	var (
		mu   sync.Mutex
		errs []error
		ok   int
		wg   sync.WaitGroup
		sem  = make(chan struct{}, limit)
	)
	for _, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			err := f(ctx, it)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			ok++
		}()
	}
	wg.Wait()
	return ok, errors.Join(errs...)
}

// DownAll removes every topology topo created.
func (o *Orchestrator) DownAll(ctx context.Context, opts DownOptions) ([]string, error) {
	tops, err := o.List(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, t := range tops {
		names[t.Name] = true
	}
	// Networks without containers (a crashed up with --retain) count too.
	ns, err := o.rt.ListNetworks(ctx, map[string]string{engine.LabelTopology: ""})
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		if v, ok := n.Labels[engine.LabelTopology]; ok {
			names[v] = true
		}
	}
	var done []string
	var errs []error
	for _, n := range sortedKeys(names) {
		if _, err := o.Down(ctx, n, opts); err != nil {
			errs = append(errs, err)
			continue
		}
		done = append(done, n)
	}
	return done, errors.Join(errs...)
}

// rollback removes what one failed Apply created: the resources labelled
// with its run, and nothing another up of the same name made. It runs on a
// context of its own, because the caller's may be the reason Apply failed.
func (o *Orchestrator) rollback(ctx context.Context, name, run string, nodes int) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout(nodes))
	defer cancel()
	o.emit(Progress{Topology: name, Phase: PhaseRollback, Status: "started"})
	if needName(name) != nil || run == "" {
		return fmt.Errorf("rollback: no topology name or run") // never select everything
	}
	if err := o.removeRunHelpers(ctx, name, run); err != nil {
		o.emit(Progress{Topology: name, Phase: PhaseRollback, Status: "failed", Err: err})
		return err
	}
	sel := map[string]string{engine.LabelTopology: name, engine.LabelRun: run}
	if _, err := o.remove(ctx, name, sel, DefaultMaxWorkers); err != nil {
		o.emit(Progress{Topology: name, Phase: PhaseRollback, Status: "failed", Err: err})
		return err
	}
	o.emit(Progress{Topology: name, Phase: PhaseRollback, Status: "done"})
	return nil
}

// removeRunHelpers removes the route helpers one run left behind (cut
// short by its failure): each holds its node's network namespace.
func (o *Orchestrator) removeRunHelpers(ctx context.Context, name, run string) error {
	helpers, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelHelper: name, engine.LabelRun: run})
	if err != nil {
		return fmt.Errorf("rollback %s: %w", name, err)
	}
	_, err = eachBestEffort(ctx, DefaultMaxWorkers, helpers, func(ctx context.Context, h engine.ContainerInfo) error {
		if err := o.rt.RemoveContainer(ctx, h.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return err
		}
		return nil
	})
	return err
}

// firstOf cuts an error joined from many (one per resource that could not
// be removed: hundreds, when a loaded engine stops answering) to its first
// line and a count of the rest; errors.Is and As still see them all.
func firstOf(err error) error {
	lines := strings.Split(err.Error(), "\n")
	if len(lines) < 2 {
		return err
	}
	return &cutError{msg: fmt.Sprintf("%s, and %d more", lines[0], len(lines)-1), err: err}
}

// cutError is an error shown shorter than it is.
type cutError struct {
	msg string
	err error
}

func (e *cutError) Error() string { return e.msg }
func (e *cutError) Unwrap() error { return e.err }
