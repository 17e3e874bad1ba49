package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// allOptions are -all's flags.
type allOptions struct {
	ringNodes, busNodes int
	rounds, busRounds   int
	workers, hopSends   int
	jsonOut, compareTo  string
}

// runAll measures every row of the table of goals in one run, on the
// same code as the other modes (the ring's and the bus's rounds, the
// hop's), prints the table and writes the figures.
func runAll(ctx context.Context, opts allOptions) error {
	var before *Figures
	if opts.compareTo != "" { // read first: a bad file should not cost a run
		f, err := readFigures(opts.compareTo)
		if err != nil {
			return err
		}
		before = &f
	}
	m, err := measureAll(ctx, opts)
	if err != nil {
		return err
	}
	f := Figures{
		Date: time.Now().UTC().Format(time.RFC3339), Engine: engineVersion(ctx),
		Rounds: opts.rounds, BusRounds: opts.busRounds, Workers: opts.workers, HopMessages: opts.hopSends,
		Rows: rowsOf(m),
	}
	fmt.Print("\n" + table(f, before))
	if opts.jsonOut != "" {
		return writeFigures(opts.jsonOut, f)
	}
	return nil
}

// measureAll runs the ring's rounds (floor, docker-compose and topo with
// routing: ip, interleaved), then the bus's (floor and topo, default
// settings), then the hop's.
func measureAll(ctx context.Context, opts allOptions) (measured, error) {
	m := measured{ringNodes: opts.ringNodes, busNodes: opts.busNodes}
	s, closeSession, err := openSession(ctx, opts.workers)
	if err != nil {
		return m, err
	}
	defer closeSession()
	ring, err := s.load(benchSrc("ring", opts.ringNodes, "ip"))
	if err != nil {
		return m, err
	}
	fmt.Printf("ring of %d, %d rounds:\n", opts.ringNodes, opts.rounds)
	res, err := interleave(ctx, []way{s.floorWay(ring), s.composeWay(ring), s.topoWay("topo", ring)}, opts.rounds)
	if err != nil {
		return m, fmt.Errorf("ring: %w", err)
	}
	m.floor, m.compose, m.topo = medians(res[0]), medians(res[1]), medians(res[2])
	// A user's bus: nothing but its layout and size.
	bus, err := s.load(fmt.Sprintf("name: bench\nlayout: bus\nnodes: %d\n", opts.busNodes))
	if err != nil {
		return m, err
	}
	fmt.Printf("bus of %d, %d rounds:\n", opts.busNodes, opts.busRounds)
	res, err = interleave(ctx, []way{s.floorWay(bus), s.topoWay("topo", bus)}, opts.busRounds)
	if err != nil {
		return m, fmt.Errorf("bus: %w", err)
	}
	m.busFloor, m.busTopo = medians(res[0]), medians(res[1])
	fmt.Printf("a hop, %d messages a round, %d rounds:\n", opts.hopSends, opts.rounds)
	if m.hop, err = measureHops(ctx, s.o, opts.hopSends, opts.rounds); err != nil {
		return m, fmt.Errorf("hop: %w", err)
	}
	return m, nil
}

// engineVersion is the engine's version as docker's client reports it, or
// "unknown".
func engineVersion(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return v
	}
	return "unknown"
}
