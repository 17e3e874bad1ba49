//go:build !unix

package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

func newScheduleCmd(*app) *cobra.Command {
	return &cobra.Command{Use: "faults-run", Hidden: true}
}

func (a *app) startSchedule(context.Context, orchestrator.Service, string, string, []topology.ScheduledFault, time.Time) error {
	return errors.New("fault schedules run on Unix only")
}

// stopSchedule removes the markers of schedules run elsewhere, which stops
// them.
func (a *app) stopSchedule(ctx context.Context, o orchestrator.Service, name string) {
	if _, err := o.StopSchedule(ctx, name, nil); err != nil {
		fmt.Fprintf(a.stderr, "warning: %v\n", err)
	}
}

// hostID is unknown off Unix: a marker's pid is never trusted there.
func hostID() string { return "" }
