//go:build !unix

package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/topology"
)

func newScheduleCmd(*app) *cobra.Command {
	return &cobra.Command{Use: "faults-run", Hidden: true}
}

func (a *app) startSchedule(string, string, []topology.ScheduledFault, time.Time) error {
	return errors.New("fault schedules run on Unix only")
}

func stopSchedule(string) {}
