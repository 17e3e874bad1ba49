package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	topo "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// netnsTag is the image of the one helper for every node.
const netnsTag = "topo-bench-netns:latest"

// netnsWay is one way to act inside every node's network namespace: here,
// to install each node's routes.
type netnsWay struct {
	name string
	do   func(ctx context.Context) error
}

// runNetns times, in one run and interleaved over rounds, the ways to
// install the routes of every node of a running ring of n: a helper
// container per node (what topo does), an exec per node in the node itself
// (what that costs; unprivileged, so the kernel refuses the routes: on
// Docker 20.10 an exec gets no capability the container's user lacks, and
// a privileged one is refused where the daemon lacks any capability), and
// one helper for every node, which enters each namespace by the node's
// pid: it needs CAP_SYS_ADMIN (setns), CAP_SYS_PTRACE (to open another
// process's namespace) and the host's pid namespace.
func runNetns(ctx context.Context, n, rounds, workers int) error {
	o, closeEngine, err := topo.Open(ctx, topo.Options{})
	if err != nil {
		return err
	}
	defer closeEngine()
	image, err := o.NodeImage(ctx)
	if err != nil {
		return err
	}
	release, err := keepImage(ctx, o, image)
	if err != nil {
		return err
	}
	defer release()
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("%w (install Debian's busybox-static)", err)
	}
	rt := o.Runtime()
	// The node image with busybox beside its agent: nsenter, then the
	// agent's own route command, as a helper of every node would run it.
	if err := rt.BuildImage(ctx, imageContext("FROM "+image+"\n", "/bin/busybox", bin), []string{netnsTag}, map[string]string{engine.LabelImage: "bench"}); err != nil {
		return err
	}
	defer func() { _ = rt.RemoveImage(context.WithoutCancel(ctx), netnsTag) }()
	src := fmt.Sprintf("name: bench-netns\nlayout: ring\nnodes: %d\ntraffic: {interval: 0}\n", n)
	t, err := topology.Parse("bench.yaml", []byte(src))
	if err != nil {
		return err
	}
	res, err := o.Up(ctx, t, orchestrator.UpOptions{Name: t.Name, MaxWorkers: workers})
	defer func() { _, _ = o.Down(context.WithoutCancel(ctx), t.Name, orchestrator.DownOptions{}) }()
	if err != nil {
		return err
	}
	ways := netnsWays(o, res.Plan, image, workers)
	times := make([][]time.Duration, len(ways))
	for r := range rounds {
		for i, w := range ways {
			start := time.Now()
			if err := w.do(ctx); err != nil {
				return fmt.Errorf("round %d, %s: %w", r+1, w.name, err)
			}
			d := time.Since(start)
			times[i] = append(times[i], d)
			fmt.Printf("round %d  %-40s %6.2fs\n", r+1, w.name, d.Seconds())
		}
	}
	fmt.Printf("\nroutes of a ring of %d, %d at once, medians:\n", n, workers)
	for i, w := range ways {
		fmt.Printf("  %-40s %6.2fs  %.2f× a helper per node\n", w.name, median(times[i]).Seconds(), ratio(median(times[i]), median(times[0])))
	}
	return nil
}

// netnsWays are the ways runNetns compares; the first is topo's.
func netnsWays(o *orchestrator.Orchestrator, plan *topology.Plan, image string, workers int) []netnsWay {
	rt := o.Runtime()
	var nodes []string
	for _, n := range plan.Nodes {
		nodes = append(nodes, n.Name)
	}
	return []netnsWay{
		{"a helper container per node", helperPerNode(plan, nodes, image, workers, rt.RunToCompletion)},
		// RunStream: attached before the start, the engine keeps no log.
		{"a helper per node, attached, no log file", helperPerNode(plan, nodes, image, workers, rt.RunStream)},
		{"an exec per node (refused: no capability)", func(ctx context.Context) error {
			return each(ctx, workers, len(nodes), func(ctx context.Context, i int) error {
				_, err := rt.Exec(ctx, engine.ContainerName(plan.Name, nodes[i]), routesCommand(plan, nodes[i]), nil, nil)
				return err
			})
		}},
		{"one helper for all (SYS_ADMIN+SYS_PTRACE, host pids)", func(ctx context.Context) error {
			return oneHelper(ctx, plan, false)
		}},
		{"one helper for all (SYS_ADMIN, their netns mounted)", func(ctx context.Context) error {
			return oneHelper(ctx, plan, true)
		}},
	}
}

// routesCommand is the agent's command that installs a node's routes.
func routesCommand(plan *topology.Plan, node string) []string {
	n, _ := plan.Node(node)
	var routes []agent.Route
	for _, r := range n.IPRoutes {
		routes = append(routes, agent.Route{To: r.To.String(), Via: r.Via.String()})
	}
	return agent.NetnsCommand(routes)
}

// oneHelper installs every node's routes from one container of the node
// image that enters each node's network namespace (busybox's nsenter) to
// run the agent's route command there, after one inspection of every node:
// by its pid, in the host's pid namespace, or, mounted, by the file the
// engine keeps of it (its sandbox key), which shows the helper those
// namespaces and no process.
func oneHelper(ctx context.Context, plan *topology.Plan, mounted bool) error {
	var names []string
	for _, n := range plan.Nodes {
		names = append(names, engine.ContainerName(plan.Name, n.Name))
	}
	out, err := exec.CommandContext(ctx, "docker", append([]string{"inspect", "-f", "{{.State.Pid}} {{.NetworkSettings.SandboxKey}}"}, names...)...).Output()
	if err != nil {
		return fmt.Errorf("docker inspect: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	args := []string{"run", "--rm", "--label", engine.LabelHelper + "=bench-netns", "--network", "none",
		"--cap-drop", "ALL", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--user", "0:0", "--entrypoint", "/bin/busybox"}
	if !mounted {
		args = append(args, "--pid", "host", "--cap-add", "SYS_PTRACE")
	}
	var script strings.Builder
	script.WriteString("set -e\n")
	for i, n := range plan.Nodes {
		pid, key, _ := strings.Cut(lines[i], " ")
		enter := "-t " + pid + " -n"
		if mounted {
			args = append(args, "-v", key+":/netns/"+n.Name+":ro")
			enter = "--net=/netns/" + n.Name
		}
		fmt.Fprintf(&script, "/bin/busybox nsenter %s %s >/dev/null\n", enter, strings.Join(routesCommand(plan, n.Name), " "))
	}
	cmd := exec.CommandContext(ctx, "docker", append(args, netnsTag, "sh", "-c", script.String())...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker run: %w: %s", err, b)
	}
	return nil
}

// helperPerNode installs each node's routes from a route helper of its
// own, run to its end by run (the engine's RunToCompletion or RunStream).
func helperPerNode(plan *topology.Plan, nodes []string, image string, workers int,
	run func(context.Context, engine.ContainerSpec, io.Writer, io.Writer) (int, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		return each(ctx, workers, len(nodes), func(ctx context.Context, i int) error {
			spec, ok := orchestrator.RouteHelper(plan, nodes[i], image)
			if !ok {
				return nil
			}
			spec.Labels[engine.LabelHelper] = "bench-netns"
			var out bytes.Buffer
			code, err := run(ctx, spec, &out, &out)
			if err == nil && code != 0 {
				err = fmt.Errorf("exit %d: %s", code, out.String())
			}
			return err
		})
	}
}
