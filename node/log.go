package node

import (
	"context"
	"fmt"
	"log/slog"
	"unicode"
	"unicode/utf8"

	"github.com/topo-dev/topo/agent"
)

// GreetingText is what a server says to every client that connects.
const GreetingText = "Thank you for connecting"

func (a *Agent) event(level slog.Level, ev, msg string, attrs ...slog.Attr) {
	if !a.log.Enabled(context.Background(), level) {
		return
	}
	a.log.LogAttrs(context.Background(), level, msg, append([]slog.Attr{slog.String(agent.FieldEvent, ev)}, attrs...)...)
}

func peerAttr(name string) slog.Attr { return slog.String(agent.FieldPeer, name) }
func idAttr(id uint64) slog.Attr     { return slog.String(agent.FieldID, formatID(id)) }
func bytesAttr(n int) slog.Attr      { return slog.Int(agent.FieldBytes, n) }
func reasonAttr(r string) slog.Attr  { return slog.String(agent.FieldReason, r) }
func errAttr(err error) slog.Attr    { return slog.String(agent.FieldError, err.Error()) }
func pathAttr(p []string) slog.Attr  { return slog.Any(agent.FieldPath, p) }
func formatID(id uint64) string      { return fmt.Sprintf("%016x", id) }
func addrAttr(addr string) slog.Attr { return slog.String(agent.FieldAddr, addr) }

// textLen is how much of a message its deliver event shows.
const textLen = 32

// textAttr shows the first bytes of a payload, when they are text, so that
// a user finds their own message among the background traffic.
func textAttr(p []byte) slog.Attr {
	p = p[:min(len(p), textLen)]
	for !utf8.Valid(p) && len(p) > 0 {
		p = p[:len(p)-1] // a rune cut in two at the end
	}
	for _, r := range string(p) {
		if !unicode.IsPrint(r) {
			return slog.Attr{}
		}
	}
	return slog.String(agent.FieldText, string(p))
}
