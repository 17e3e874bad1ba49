package node

import (
	"context"
	"fmt"
	"log/slog"
)

// Event names in the log's "event" field.
const (
	EvStart      = "start"
	EvStop       = "stop"
	EvLink       = "link"
	EvConnection = "connection"
	EvGreeting   = "greeting"
	EvSend       = "send"
	EvDeliver    = "deliver"
	EvForward    = "forward"
	EvIgnored    = "ignored"
	EvDrop       = "drop"
	EvReceipt    = "receipt"
	EvToken      = "token"
	EvRingRTT    = "ring_rtt"
	EvControl    = "control"
	EvError      = "error"
)

// GreetingText is what a server says to every client that connects.
const GreetingText = "Thank you for connecting"

func (a *Agent) event(level slog.Level, ev, msg string, attrs ...slog.Attr) {
	if !a.log.Enabled(context.Background(), level) {
		return
	}
	a.log.LogAttrs(context.Background(), level, msg, append([]slog.Attr{slog.String("event", ev)}, attrs...)...)
}

func peerAttr(name string) slog.Attr { return slog.String("peer", name) }
func idAttr(id uint64) slog.Attr     { return slog.String("id", formatID(id)) }
func bytesAttr(n int) slog.Attr      { return slog.Int("bytes", n) }
func reasonAttr(r string) slog.Attr  { return slog.String("reason", r) }
func errAttr(err error) slog.Attr    { return slog.String("error", err.Error()) }
func pathAttr(p []string) slog.Attr  { return slog.Any("path", p) }
func formatID(id uint64) string      { return fmt.Sprintf("%016x", id) }
func addrAttr(addr string) slog.Attr { return slog.String("addr", addr) }
