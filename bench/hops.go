package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	topo "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// busyboxTag is the image the kernel's side of -hops pings from.
const busyboxTag = "topo-bench-busybox:latest"

// hopFigures are a message's one-way time per hop, in seconds, medians
// of one run: the kernel's (half the round trip of a ping between two
// containers on one bridge), topo's agents' with and without an event per
// hop, and a bare Go echo's (bench/echo), the floor of any hop a process
// makes.
type hopFigures struct{ kernel, topo, quiet, echo float64 }

// measureHops times n messages a round, in containers: across a star's
// hub against the kernel's ping (busybox's, from Debian's
// busybox-static) and the bare echo. A receipt comes back the way its
// message went, so a round trip across the hub is four hops.
func measureHops(ctx context.Context, o *orchestrator.Orchestrator, n, rounds int) (hopFigures, error) {
	kernel, err := kernelRTTs(ctx, o, n)
	if err != nil {
		return hopFigures{}, fmt.Errorf("kernel: %w", err)
	}
	// The agents with and without an event per hop, interleaved, so that
	// the engine's load, which changes by the minute here, weighs on both.
	var agents, quiet []float64
	for range rounds {
		a, err := topoRTTs(ctx, o, n, "")
		if err != nil {
			return hopFigures{}, fmt.Errorf("topo: %w", err)
		}
		q, err := topoRTTs(ctx, o, n, "log: {level: warn}\n")
		if err != nil {
			return hopFigures{}, fmt.Errorf("topo, log level warn: %w", err)
		}
		agents, quiet = append(agents, a...), append(quiet, q...)
	}
	echo, err := echoRTTs(ctx, o, n)
	if err != nil {
		return hopFigures{}, fmt.Errorf("echo: %w", err)
	}
	const ms = 1e-3
	return hopFigures{kernel: median(kernel) / 2 * ms, topo: median(agents) / 4 * ms,
		quiet: median(quiet) / 4 * ms, echo: median(echo) / 2 * ms}, nil
}

// hops prints measureHops' figures, then times bursts through one link.
func hops(ctx context.Context, o *orchestrator.Orchestrator, n int) error {
	h, err := measureHops(ctx, o, n, hopRounds)
	if err != nil {
		return err
	}
	k, t, q, e := h.kernel*1e3, h.topo*1e3, h.quiet*1e3, h.echo*1e3
	fmt.Printf("one way per hop, medians of %d: kernel %.3f ms (half a ping's round trip), topo %.3f ms (a receipt's round trip across a hub / 4): %.1f× the kernel\n",
		n, k, t, t/k)
	fmt.Printf("topo with its agents at log level warn (no event per hop; %d rounds of %d interleaved with the above): %.3f ms, %.1f× the kernel; the hop's events cost %.3f ms (%.0f%%)\n",
		hopRounds, n, q, q/k, t-q, 100*(t-q)/t)
	fmt.Printf("a bare Go TCP echo between two containers (bench/echo, no work per message): %.3f ms one way, %.1f× the kernel; topo's hop is %.2f× it\n",
		e, e/k, t/e)
	rates, err := burstRates(ctx, o)
	if err != nil {
		return fmt.Errorf("burst: %w", err)
	}
	fmt.Printf("through one link, median of %d bursts of %d messages of %d byte: %.0f messages a second\n",
		len(rates), burstSize, len(burstText), median(rates))
	return nil
}

// hopRounds is how many times the agents' hops are timed each way.
const hopRounds = 3

// burstSize and burstText make the bursts that measure how many small
// messages one link carries a second.
const (
	burstSize = 200_000
	burstText = "x"
)

// burstRates sends bursts across the one link of two peers.
func burstRates(ctx context.Context, o *orchestrator.Orchestrator) ([]float64, error) {
	down, err := up(ctx, o, "name: bench-burst\nlayout: p2p\nnodes: 2\ntraffic: {interval: 0}\n")
	if err != nil {
		return nil, err
	}
	defer down()
	var rates []float64
	for range 3 {
		r, err := o.Send(ctx, "bench-burst", orchestrator.SendOptions{From: "peer1", To: "peer2", Text: burstText, Count: burstSize})
		if err != nil {
			return nil, err
		}
		if !r.Delivered {
			return nil, fmt.Errorf("not delivered: %s after %d", r.Reason, r.Count)
		}
		rates = append(rates, r.PerSecond)
	}
	return rates, nil
}

// up brings a topology up from YAML text and returns its down.
func up(ctx context.Context, o *orchestrator.Orchestrator, src string) (func(), error) {
	t, err := topology.Parse("bench.yaml", []byte(src))
	if err != nil {
		return nil, err
	}
	if _, err := o.Up(ctx, t, orchestrator.UpOptions{Name: t.Name}); err != nil {
		return nil, err
	}
	return func() { _, _ = o.Down(context.WithoutCancel(ctx), t.Name, orchestrator.DownOptions{}) }, nil
}

// topoRTTs times n receipts' round trips from one spoke of a star to
// another, across the hub; extra is more of the topology's YAML.
func topoRTTs(ctx context.Context, o *orchestrator.Orchestrator, n int, extra string) ([]float64, error) {
	down, err := up(ctx, o, "name: bench-hops\nlayout: star\nnodes: 3\ntraffic: {interval: 0}\n"+extra)
	if err != nil {
		return nil, err
	}
	defer down()
	var rtts []float64
	for range n + 1 {
		r, err := o.Send(ctx, "bench-hops", orchestrator.SendOptions{From: "spoke1", To: "spoke2", Text: "hop"})
		if err != nil {
			return nil, err
		}
		rtts = append(rtts, r.RTTMs)
	}
	return rtts[1:], nil // the first sets up what the rest reuse
}

var pingTime = regexp.MustCompile(`time=([0-9.]+) ms`)

func kernelRTTs(ctx context.Context, o *orchestrator.Orchestrator, n int) ([]float64, error) {
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return nil, fmt.Errorf("%w (install Debian's busybox-static)", err)
	}
	out, err := pairExec(ctx, o, pair{name: "bench-ping", tag: busyboxTag, path: "/bin/busybox", bin: bin,
		a:   "command: [/bin/busybox, sleep, '3600'], capabilities: [NET_RAW]",
		b:   "command: [/bin/busybox, sleep, '3600']",
		cmd: []string{"/bin/busybox", "ping", "-c", strconv.Itoa(n + 1), "-i", "0.2", "b"}})
	if err != nil {
		return nil, err
	}
	var rtts []float64
	for _, m := range pingTime.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		rtts = append(rtts, v)
	}
	if len(rtts) < 2 {
		return nil, fmt.Errorf("ping said: %s", out)
	}
	return rtts[1:], nil // the first resolves the neighbour's address
}

// pair is a p2p topology of two nodes, a and b, on an image made of one
// static binary, and a command that node a runs once both are up.
type pair struct {
	name, tag, path string
	bin             []byte
	a, b            string // each node's YAML fields beyond its name and image
	cmd             []string
}

// pairExec builds p's image, brings p up, runs its command in node a and
// returns what it printed; it removes the topology and the image after.
func pairExec(ctx context.Context, o *orchestrator.Orchestrator, p pair) (string, error) {
	rt := o.Runtime()
	if err := rt.BuildImage(ctx, scratchContext(p.path, p.bin), []string{p.tag}, map[string]string{engine.LabelImage: "bench"}); err != nil {
		return "", err
	}
	defer func() { _ = rt.RemoveImage(context.WithoutCancel(ctx), p.tag) }()
	down, err := up(ctx, o, "name: "+p.name+"\nlayout: p2p\nnodes:\n"+
		"  - {name: a, image: "+p.tag+", "+p.a+"}\n"+
		"  - {name: b, image: "+p.tag+", "+p.b+"}\n")
	if err != nil {
		return "", err
	}
	defer down()
	var out bytes.Buffer
	if code, err := o.Exec(ctx, p.name, orchestrator.ExecOptions{Node: "a", Cmd: p.cmd, Stdout: &out, Stderr: &out}); err != nil || code != 0 {
		return "", fmt.Errorf("%s: exit %d, %v: %s", strings.Join(p.cmd, " "), code, err, out.String())
	}
	return out.String(), nil
}

// scratchContext is a build context: one static binary at path in an
// empty image.
func scratchContext(path string, bin []byte) *bytes.Buffer {
	return imageContext("FROM scratch\n", path, bin)
}

// imageContext is a build context: one static binary at path on the image
// of from (a Dockerfile's FROM line).
func imageContext(from, path string, bin []byte) *bytes.Buffer {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, []byte(from + "COPY bin " + path + "\n")}, {"bin", 0o755, bin}} {
		_ = tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg})
		_, _ = tw.Write(f.data)
	}
	_ = tw.Close()
	return &buf
}

// runHops opens the engine and runs hops.
func runHops(ctx context.Context, n int) error {
	o, closeEngine, err := topo.Open(ctx, topo.Options{})
	if err != nil {
		return err
	}
	defer closeEngine()
	defer sweep(ctx, o)
	return hops(ctx, o, n)
}
