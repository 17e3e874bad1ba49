package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"

	topo "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// busyboxTag is the image the kernel's side of -hops pings from.
const busyboxTag = "topo-bench-busybox:latest"

// hops measures, in one run, a message's one-way time per hop across a
// star's hub, in containers, against the kernel's: half the round trip of
// a ping between two containers on one bridge (busybox's, from Debian's
// busybox-static). A receipt comes back the way its message went, so a
// round trip across the hub is four hops.
func hops(ctx context.Context, o *orchestrator.Orchestrator, n int) error {
	kernel, err := kernelRTTs(ctx, o, n)
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	agents, err := topoRTTs(ctx, o, n)
	if err != nil {
		return fmt.Errorf("topo: %w", err)
	}
	echo, err := echoRTTs(ctx, o, n)
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	k, t, e := median(kernel)/2, median(agents)/4, median(echo)/2
	fmt.Printf("one way per hop, medians of %d: kernel %.3f ms (half a ping's round trip), topo %.3f ms (a receipt's round trip across a hub / 4): %.1f× the kernel\n",
		n, k, t, t/k)
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

func topoRTTs(ctx context.Context, o *orchestrator.Orchestrator, n int) ([]float64, error) {
	down, err := up(ctx, o, "name: bench-hops\nlayout: star\nnodes: 3\ntraffic: {interval: 0}\n")
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
	rt := o.Runtime()
	if err := rt.BuildImage(ctx, scratchContext("/bin/busybox", bin), []string{busyboxTag}, map[string]string{engine.LabelImage: "bench"}); err != nil {
		return nil, err
	}
	defer func() { _ = rt.RemoveImage(context.WithoutCancel(ctx), busyboxTag) }()
	down, err := up(ctx, o, "name: bench-ping\nlayout: p2p\nnodes:\n"+
		"  - {name: a, image: "+busyboxTag+", command: [/bin/busybox, sleep, '3600'], capabilities: [NET_RAW]}\n"+
		"  - {name: b, image: "+busyboxTag+", command: [/bin/busybox, sleep, '3600']}\n")
	if err != nil {
		return nil, err
	}
	defer down()
	var out bytes.Buffer
	cmd := []string{"/bin/busybox", "ping", "-c", strconv.Itoa(n + 1), "-i", "0.2", "b"}
	if code, err := o.Exec(ctx, "bench-ping", orchestrator.ExecOptions{Node: "a", Cmd: cmd, Stdout: &out, Stderr: &out}); err != nil || code != 0 {
		return nil, fmt.Errorf("ping: exit %d, %v: %s", code, err, out.String())
	}
	var rtts []float64
	for _, m := range pingTime.FindAllStringSubmatch(out.String(), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		rtts = append(rtts, v)
	}
	if len(rtts) < 2 {
		return nil, fmt.Errorf("ping said: %s", out.String())
	}
	return rtts[1:], nil // the first resolves the neighbour's address
}

// scratchContext is a build context: one static binary at path in an
// empty image.
func scratchContext(path string, bin []byte) *bytes.Buffer {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, []byte("FROM scratch\nCOPY bin " + path + "\n")}, {"bin", 0o755, bin}} {
		_ = tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg})
		_, _ = tw.Write(f.data)
	}
	_ = tw.Close()
	return &buf
}

// runHops opens the engine and runs hops.
func runHops(n int) error {
	ctx := context.Background()
	o, closeEngine, err := topo.Open(ctx, topo.Options{})
	if err != nil {
		return err
	}
	defer closeEngine()
	return hops(ctx, o, n)
}
