// Package evlog is how the agent's rooms log: one JSON object per line
// with time, level, msg, node, event and, as fitting, peer, id, bytes,
// reason, path. A server logs "got connection from ADDR" (event
// connection) and its clients "received: Thank you for connecting" (event
// greeting).
package evlog

import (
	"context"
	"fmt"
	"log/slog"
	"unicode"
	"unicode/utf8"

	"github.com/topo-dev/topo/agent"
)

// Event logs msg at level with the event field ev and attrs.
func Event(log *slog.Logger, level slog.Level, ev, msg string, attrs ...slog.Attr) {
	if !log.Enabled(context.Background(), level) {
		return
	}
	log.LogAttrs(context.Background(), level, msg, append([]slog.Attr{slog.String(agent.FieldEvent, ev)}, attrs...)...)
}

// The fields of an event, by name (agent.Field*).
func Peer(name string) slog.Attr { return slog.String(agent.FieldPeer, name) }
func ID(id uint64) slog.Attr     { return slog.String(agent.FieldID, FormatID(id)) }
func Bytes(n int) slog.Attr      { return slog.Int(agent.FieldBytes, n) }
func Reason(r string) slog.Attr  { return slog.String(agent.FieldReason, r) }
func Err(err error) slog.Attr    { return slog.String(agent.FieldError, err.Error()) }
func Path(p []string) slog.Attr  { return slog.Any(agent.FieldPath, p) }
func Addr(addr string) slog.Attr { return slog.String(agent.FieldAddr, addr) }
func FormatID(id uint64) string  { return fmt.Sprintf("%016x", id) }

// textLen is how much of a message its deliver event shows.
const textLen = 32

// Text shows the first bytes of a payload, when they are text, so that a
// user finds their own message among the background traffic.
func Text(p []byte) slog.Attr {
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
