package orchestrator

import (
	"context"
	"io"
	"net/netip"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// Service is everything topo does with topologies, one method a verb with
// its options, context first: what the topo command asks of the
// orchestrator, and all it asks. *Orchestrator is the implementation; the
// command's tests use a fake of it.
type Service interface {
	// Bringing up, changing and taking down.
	Plan(ctx context.Context, t *topology.Topology, opts PlanOptions) (*Deployment, error)
	Preview(ctx context.Context, d *Deployment) (*Change, error)
	Up(ctx context.Context, t *topology.Topology, opts UpOptions) (*UpResult, error)
	Down(ctx context.Context, name string, opts DownOptions) (DownResult, error)
	DownAll(ctx context.Context, opts DownOptions) ([]string, error)

	// Finding and watching.
	List(ctx context.Context) ([]TopologyInfo, error)
	Resolve(ctx context.Context, ref string) (string, error)
	ResolveWhy(ctx context.Context, ref string) (name, why string, err error)
	Status(ctx context.Context, name string, opts StatusOptions) (*Status, error)
	Nodes(ctx context.Context, name string) ([]NodeRef, error)
	AppliedPlan(ctx context.Context, name string) (*topology.Plan, error)
	Subnets(ctx context.Context) ([]netip.Prefix, error)
	Logs(ctx context.Context, name string, opts LogsOptions, emit func(LogLine) error) error

	// Acting in nodes.
	Send(ctx context.Context, name string, opts SendOptions) (*agent.Receipt, error)
	Trace(ctx context.Context, name string, opts TraceOptions) (*agent.TraceResult, error)
	Exec(ctx context.Context, name string, opts ExecOptions) (int, error)
	Traffic(ctx context.Context, name string, on bool) ([]string, error)
	Probe(ctx context.Context, name, from string, req agent.ProbeRequest, emit func(agent.ProbeSample)) error
	Capture(ctx context.Context, name string, opts CaptureOptions, out io.Writer, started func(CapturePoint)) (*agent.CaptureSummary, error)

	// Faults, by hand and on a schedule.
	Link(ctx context.Context, name string, opts LinkOptions) ([]Fault, error)
	Impair(ctx context.Context, name string, opts ImpairOptions) ([]Fault, error)
	Partition(ctx context.Context, name string, groups [][]string) ([]Fault, error)
	Heal(ctx context.Context, name string) ([]Fault, error)
	NodeAction(ctx context.Context, name string, opts NodeActionOptions) error
	Faults(ctx context.Context, name string) ([]Fault, error)
	ClearFaults(ctx context.Context, name string) error
	RunSchedule(ctx context.Context, name string, faults []topology.ScheduledFault, start time.Time) error
	RunTimeline(ctx context.Context, name string, faults []topology.ScheduledFault, start time.Time, observe func(StepDone)) error
	MarkSchedule(ctx context.Context, name string, r ScheduleRunner) (run context.Context, release func(), err error)
	StopSchedule(ctx context.Context, name string, procs Processes) (int, error)
	ScheduleRunners(ctx context.Context, name string) ([]ScheduleRunner, error)
	WaitScheduleMarked(ctx context.Context, name string, r ScheduleRunner, exited <-chan error) error

	// The books.
	Settle(ctx context.Context, name string, timeout time.Duration) error
	Account(ctx context.Context, name string) (Accounting, error)

	// The engine and the node image, for topo build.
	Runtime() engine.Runtime
	NodeImage(ctx context.Context) (string, error)
}

var _ Service = (*Orchestrator)(nil)
