package agent

import (
	"strconv"
	"time"
)

// Path is where the node image keeps the agent binary.
const Path = "/topo-node"

// RunDir holds the agent's control socket, on a small tmpfs in every node
// container (a user's own image gets it too, writable by any user).
const RunDir = "/run/topo"

// The agent's verbs: the first argument of its command line.
const (
	VerbRun   = "run"   // the default: run the agent
	VerbSend  = "send"  // send a message and print its Receipt
	VerbStats = "stats" // print Stats
	VerbReady = "ready" // exit 0 once every link is up
	VerbDial  = "dial"  // exit 0 if a TCP connection to an address opens
	VerbIdle  = "idle"  // log one line, then wait to be stopped
	VerbSay   = "say"   // log one event line and exit
	// VerbTraffic turns the node's background traffic on or off.
	VerbTraffic = "traffic"
)

// Broadcast is the destination, and the next hop, that reaches every node.
const Broadcast = "*"

// DefaultSendTimeout is how long a send waits for its receipt when it is
// given no timeout.
const DefaultSendTimeout = 5 * time.Second

// Exit codes of the agent's command line, which topo reads from the
// commands it runs in a node.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
	// ExitNoAgent: no agent answers on the control socket (it has not
	// started yet, or it is gone).
	ExitNoAgent = 3
)

// TrafficCommand is the command line that turns the node's background
// traffic on or off; messages already under way go on.
func TrafficCommand(on bool) []string {
	state := "off"
	if on {
		state = "on"
	}
	return []string{Path, VerbTraffic, state}
}

// SayCommand is the command line that logs one event line under node and
// exits.
func SayCommand(node, event, text string, at time.Time) []string {
	return []string{Path, VerbSay, "--node", node, "--at", at.UTC().Format(time.RFC3339Nano), "--", event, text}
}

// SendCommand is the command line that sends text to node to and prints
// the Receipt. "--" keeps a text that starts with a dash from reading as a
// flag.
func SendCommand(to, text string, timeout time.Duration) []string {
	return []string{Path, VerbSend, "--timeout", timeout.String(), "--", to, text}
}

// MaxBurst bounds the messages of one burst (send --count).
const MaxBurst = 10_000_000

// DefaultBurstTimeout is how long a burst may take, all of it, unless told:
// the longest a send may wait.
const DefaultBurstTimeout = time.Minute

// BurstCommand is the command line that sends n copies of text to node to
// as a burst (see node.Agent.Burst) and prints the last one's Receipt.
func BurstCommand(to, text string, n int, timeout time.Duration) []string {
	return []string{Path, VerbSend, "--count", strconv.Itoa(n), "--timeout", timeout.String(), "--", to, text}
}

// StatsCommand is the command line that prints the agent's Stats.
func StatsCommand() []string { return []string{Path, VerbStats} }

// ReadyCommand is the command line that waits up to wait for every link to
// be up, and exits 0 when they are.
func ReadyCommand(wait time.Duration) []string {
	return []string{Path, VerbReady, "--wait", wait.Round(time.Millisecond).String()}
}

// DialCommand is the command line that exits 0 when a TCP connection to
// addr (HOST:PORT) opens within timeout.
func DialCommand(addr string, timeout time.Duration) []string {
	return []string{Path, VerbDial, "--timeout", timeout.String(), addr}
}
