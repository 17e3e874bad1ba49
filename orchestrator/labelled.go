package orchestrator

import (
	"context"
	"io"
	"maps"

	"github.com/topo-dev/topo/engine"
)

// WithLabels puts these labels on every container and network the
// orchestrator creates, beside topo's own, which win over them: topotest
// names its test run with them (engine.LabelTestRun).
func WithLabels(labels map[string]string) Option {
	return func(o *Orchestrator) { o.labels = maps.Clone(labels) }
}

// labelled is the runtime as the orchestrator drives it: every container
// and network it creates gets the version label and the WithLabels
// labels. They go on here, at the one door every create passes, so that
// no command that creates something (up, a route helper, a fault marker,
// a schedule's step) can leave them off. The embedded Runtime serves
// everything else unchanged.
type labelled struct {
	engine.Runtime
	labels map[string]string
}

// stamp wraps rt so that what it creates carries topo's version and extra.
func stamp(rt engine.Runtime, extra map[string]string) labelled {
	l := maps.Clone(extra)
	if l == nil {
		l = map[string]string{}
	}
	l[engine.LabelVersion] = Version()
	return labelled{Runtime: rt, labels: l}
}

// with returns own plus the stamped labels; own wins. It copies, so that
// the caller's spec is left as it was.
func (l labelled) with(own map[string]string) map[string]string {
	out := maps.Clone(l.labels)
	maps.Copy(out, own)
	return out
}

// Capabilities are those of the runtime wrapped: an engine that says what
// it cannot do must still say so through the wrapper.
func (l labelled) Capabilities() engine.Capabilities { return engine.CapabilitiesOf(l.Runtime) }

func (l labelled) CreateNetwork(ctx context.Context, spec engine.NetworkSpec) (string, error) {
	spec.Labels = l.with(spec.Labels)
	return l.Runtime.CreateNetwork(ctx, spec)
}

func (l labelled) CreateContainer(ctx context.Context, spec engine.ContainerSpec) (string, error) {
	spec.Labels = l.with(spec.Labels)
	return l.Runtime.CreateContainer(ctx, spec)
}

func (l labelled) RunToCompletion(ctx context.Context, spec engine.ContainerSpec, stdout, stderr io.Writer) (int, error) {
	spec.Labels = l.with(spec.Labels)
	return l.Runtime.RunToCompletion(ctx, spec, stdout, stderr)
}

func (l labelled) RunStream(ctx context.Context, spec engine.ContainerSpec, stdout, stderr io.Writer) (int, error) {
	spec.Labels = l.with(spec.Labels)
	return l.Runtime.RunStream(ctx, spec, stdout, stderr)
}
