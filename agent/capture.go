package agent

import (
	"strconv"
	"time"
)

// VerbCapture captures the packets of the interfaces that hold the given
// addresses, from inside the network namespace it runs in, and writes them
// as pcapng to standard output. It runs in a short-lived helper container
// that joins a node's namespace with NET_RAW alone, never in the node
// itself. When it ends (SIGTERM, --count, --duration) it writes a
// CaptureSummary as one line of JSON to standard error.
const VerbCapture = "capture"

// CaptureOptions say what a capture takes.
type CaptureOptions struct {
	// Addrs are the node's addresses whose interfaces are captured: an
	// interface is found by its address, never by a name such as eth1,
	// which the engine picks.
	Addrs []string
	// Names describe each interface in the capture (if_description),
	// index for index with Addrs: e.g. "hub–spoke1".
	Names []string
	// Filter keeps only the packets it matches (see CaptureFilterHelp);
	// empty: every packet.
	Filter string
	// Count stops after that many packets; 0: no limit.
	Count int
	// Duration stops after that long; 0: until stopped.
	Duration time.Duration
	// SnapLen is how much of each packet is kept; 0: DefaultSnapLen.
	SnapLen int
}

// DefaultSnapLen keeps whole packets up to a jumbo frame's size.
const DefaultSnapLen = 65535

// CaptureFilterHelp says which filters a capture takes: a small part of
// pcap-filter(7)'s language, compiled by the agent into classic BPF.
const CaptureFilterHelp = `primitives tcp, udp, icmp, arp, ip, host ADDR, net CIDR, port N, ` +
	`with src or dst before host, net and port; combined with and (&&), or (||), not (!) and parentheses`

// CaptureCommand is the command line of a capture.
func CaptureCommand(opts CaptureOptions) []string {
	cmd := []string{Path, VerbCapture}
	for i, a := range opts.Addrs {
		cmd = append(cmd, "--addr", a)
		if i < len(opts.Names) && opts.Names[i] != "" {
			cmd = append(cmd, "--name", a+"="+opts.Names[i])
		}
	}
	if opts.Filter != "" {
		cmd = append(cmd, "--filter", opts.Filter)
	}
	if opts.Count > 0 {
		cmd = append(cmd, "--count", strconv.Itoa(opts.Count))
	}
	if opts.Duration > 0 {
		cmd = append(cmd, "--duration", opts.Duration.String())
	}
	if opts.SnapLen > 0 {
		cmd = append(cmd, "--snaplen", strconv.Itoa(opts.SnapLen))
	}
	return cmd
}

// CaptureSummary is what a capture says when it ends.
type CaptureSummary struct {
	Packets    int                `json:"packets"` // written
	Dropped    uint64             `json:"dropped"` // by the kernel: the capture did not keep up
	Interfaces []CaptureInterface `json:"interfaces"`
}

// CaptureInterface is one interface of a capture.
type CaptureInterface struct {
	Name    string `json:"name"` // as the node's kernel names it, e.g. eth1
	Addr    string `json:"addr"`
	Packets int    `json:"packets"`
	Dropped uint64 `json:"dropped"`
}
