package experiment

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// inFlightAge is how old a message must be, in a check of a topology
// whose traffic keeps running, to be owed an outcome.
const inFlightAge = 10 * time.Second

// afterChecks are the checks made once the timeline is over: the books,
// the logs, and commands. The books are settled once, for all.
type afterChecks struct {
	o        Engine
	name     string
	now      bool
	progress func(string)

	once sync.Once
	acc  orchestrator.Accounting
	err  error
}

func (a *afterChecks) accounting(ctx context.Context, e topology.Expectation) Result {
	a.once.Do(func() {
		if !a.now {
			a.progress("settling: background traffic off, waiting for every message to end…")
			if a.err = a.o.Settle(ctx, a.name, settleTimeout); a.err != nil {
				return
			}
		}
		a.acc, a.err = a.o.Account(ctx, a.name)
		if a.now {
			a.acc = oldEnough(a.acc, time.Now().Add(-inFlightAge))
		}
	})
	if a.err != nil {
		return Result{Name: e.Name, Kind: "accounting", Summary: fmt.Sprintf("the books could not be read: %v", a.err)}
	}
	return accountingResult(e, a.acc)
}

// oldEnough leaves out of the missing the messages sent after cut: on a
// topology whose traffic runs, they may still be under way.
func oldEnough(acc orchestrator.Accounting, cut time.Time) orchestrator.Accounting {
	missing := acc.Missing[:0:0]
	for _, m := range acc.Missing {
		if m.Time.Before(cut) {
			missing = append(missing, m)
		}
	}
	acc.Missing = missing
	return acc
}

func (a *afterChecks) logs(ctx context.Context, e topology.Expectation) Result {
	var lines []string
	err := a.o.Logs(ctx, a.name, orchestrator.LogsOptions{Nodes: []string{e.Logs.Node}}, func(l orchestrator.LogLine) error {
		lines = append(lines, l.Text)
		return nil
	})
	if err != nil {
		return Result{Name: e.Name, Kind: "logs", Summary: fmt.Sprintf("the log of %s could not be read: %v", e.Logs.Node, err)}
	}
	return logsResult(e, lines)
}

func (a *afterChecks) run(ctx context.Context, e topology.Expectation) Result {
	var out bytes.Buffer
	code, err := a.o.Exec(ctx, a.name, orchestrator.ExecOptions{Node: e.Run.Node, Cmd: e.Run.Command, Stdout: &out, Stderr: &out})
	return runResult(e, code, out.String(), err)
}
