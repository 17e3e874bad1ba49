package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/agent/capfilter"
	"github.com/topo-dev/topo/orchestrator"
)

func newCaptureCmd(a *app) *cobra.Command {
	var ref, file string
	var opts orchestrator.CaptureOptions
	cmd := &cobra.Command{
		Use:   "capture (A B | NODE | SEGMENT) [-w FILE|-]",
		Short: "Capture the packets of a link, a node or a segment as pcapng",
		Long: `capture records the packets of the link between nodes A and B (on A's
interface on it), of every interface of NODE, or of a shared SEGMENT (on one
member's interface on it), as pcapng: to FILE, or to standard output with
-w - (the default when standard output is not a terminal), so that Wireshark
or tshark can watch live. It captures from inside the node's network
namespace with a short-lived helper that holds NET_RAW alone; the node gets
nothing, so a node running your own image is captured as well. Ctrl-C,
--count or --duration ends it with a whole file, and a line on stderr says
how many packets were written and how many the kernel dropped.

--filter takes a small part of tcpdump's language, compiled to classic BPF:
` + agent.CaptureFilterHelp + `.

contrib/topo.lua dissects the agents' own frames: wireshark -X lua_script:contrib/topo.lua`,
		Example: `  topo capture hub spoke1 -w hub-spoke1.pcapng
  topo capture hub spoke1 -w - | tshark -r -
  topo capture hub spoke1 -w - | wireshark -k -i -
  topo capture -t lan client1 --filter 'udp port 7000' --count 100 -w lan.pcapng`,
		Args: args(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, pos []string) error {
			if err := checkCapture(opts); err != nil {
				return err
			}
			if file == "" {
				if f, ok := a.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
					return usageError{errors.New("capture: standard output is a terminal; write to a file (-w FILE) or pipe it (-w - | tshark -r -)")}
				}
				file = "-"
			}
			o, name, closeFn, err := a.resolve(cmd.Context(), ref)
			defer closeFn()
			if err != nil {
				return err
			}
			opts.Target = pos
			if file == "-" {
				// A reader that goes away (| head) makes a write fail
				// with EPIPE instead of killing topo with SIGPIPE, which
				// would leave the helper capturing.
				pipe := make(chan os.Signal, 1)
				signal.Notify(pipe, syscall.SIGPIPE)
				defer signal.Stop(pipe)
			}
			out := &lazyFile{path: file, stdout: a.stdout}
			defer out.Close()
			started := func(p orchestrator.CapturePoint) {
				fmt.Fprintf(a.stderr, "capturing on %s into %s; Ctrl-C stops\n", p, out.name())
			}
			sum, err := o.Capture(cmd.Context(), name, opts, out, started)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil && sum == nil && cmd.Context().Err() != nil {
				fmt.Fprintf(a.stderr, "capture interrupted before it started; nothing written to %s\n", out.name())
				return silentError{exitInterrupted}
			}
			if errors.Is(err, syscall.EPIPE) {
				fmt.Fprintf(a.stderr, "capture stopped: the reader of %s closed it\n", out.name())
				return nil
			}
			if sum != nil {
				printCaptureSummary(a.stderr, sum, out.name())
			}
			return err
		},
	}
	topologyFlag(a, cmd, &ref)
	cmd.Flags().StringVarP(&file, "write", "w", "", "write the pcapng to `FILE`; - is standard output")
	cmd.Flags().StringVar(&opts.Filter, "filter", "", "keep only the packets `EXPR` matches (see above)")
	cmd.Flags().IntVarP(&opts.Count, "count", "c", 0, "stop after `N` packets (0: no limit)")
	cmd.Flags().DurationVar(&opts.Duration, "duration", 0, "stop after `D`, e.g. 10s (0: until Ctrl-C)")
	cmd.Flags().IntVarP(&opts.SnapLen, "snaplen", "s", agent.DefaultSnapLen, "keep at most `N` bytes of each packet (64 to 262144)")
	return cmd
}

// checkCapture says in topo's words what is wrong with capture's flags,
// before any helper starts.
func checkCapture(opts orchestrator.CaptureOptions) error {
	switch {
	case opts.Count < 0:
		return usageError{fmt.Errorf("capture: --count %d: want 0 (no limit) or more", opts.Count)}
	case opts.Duration < 0:
		return usageError{fmt.Errorf("capture: --duration %s: want 0 (until Ctrl-C) or more", opts.Duration)}
	case opts.SnapLen < 64 || opts.SnapLen > 262144:
		return usageError{fmt.Errorf("capture: --snaplen %d: want 64 to 262144", opts.SnapLen)}
	}
	if _, err := capfilter.Compile(opts.Filter, opts.SnapLen); err != nil {
		return usageError{fmt.Errorf("capture: --%w; the language: %s", err, agent.CaptureFilterHelp)}
	}
	return nil
}

func printCaptureSummary(w io.Writer, sum *agent.CaptureSummary, into string) {
	var ifs []string
	for _, i := range sum.Interfaces {
		ifs = append(ifs, fmt.Sprintf("%s %s: %d", i.Name, i.Addr, i.Packets))
	}
	fmt.Fprintf(w, "%d packets written to %s, %d dropped by the kernel (%s)\n", sum.Packets, into, sum.Dropped, strings.Join(ifs, ", "))
}

// lazyFile is the capture's output: standard output for "-", else a file
// created at the first write, so that a capture that fails before its
// first byte leaves no empty file behind.
type lazyFile struct {
	path   string
	stdout io.Writer
	f      *os.File
	err    error
}

func (l *lazyFile) name() string {
	if l.path == "-" {
		return "standard output"
	}
	return l.path
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.path == "-" {
		return l.stdout.Write(p)
	}
	if l.f == nil && l.err == nil {
		l.f, l.err = os.Create(l.path)
	}
	if l.err != nil {
		return 0, l.err
	}
	return l.f.Write(p)
}

// Close closes the file, once.
func (l *lazyFile) Close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f, l.err = nil, errors.New("closed")
	return err
}
