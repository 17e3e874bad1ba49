package agent

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Event names: the "event" field of each line the agent logs.
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
	// EvRevoke takes back a drop counted for a frame that the next hop
	// acknowledged after all (see Counters.Revoked).
	EvRevoke  = "revoke"
	EvReceipt = "receipt"
	EvToken   = "token"
	EvRingRTT = "ring_rtt"
	EvControl = "control"
	EvError   = "error"
	EvFault   = "fault" // a step of a fault schedule, logged under the node "faults"
	// EvReady says that every link of the node is up: logged when the last
	// one comes up, again after any went down and came back. `topo up`
	// waits for it in the node's log rather than asking each agent.
	EvReady = "ready"
	// EvReconfig says that the agent took a new config as it ran (see
	// VerbReconfig): the links added and removed.
	EvReconfig = "reconfig"
)

// Field names of a log line. Every line is one JSON object with at least
// time, level, msg, node and event; the others appear where they apply.
const (
	FieldTime   = "time"
	FieldLevel  = "level"
	FieldMsg    = "msg"
	FieldNode   = "node"
	FieldEvent  = "event"
	FieldPeer   = "peer"
	FieldID     = "id"
	FieldBytes  = "bytes"
	FieldReason = "reason"
	FieldPath   = "path"
	FieldAddr   = "addr"
	FieldError  = "error"
	FieldText   = "text"  // deliver: the first bytes of the message, when they are text
	FieldCount  = "count" // send: the messages of a burst
)

// Event is one line of a node's log, parsed.
type Event struct {
	Time   time.Time
	Node   string
	Event  string // one of the Ev names, e.g. "deliver"
	Msg    string
	Peer   string
	ID     string
	Bytes  int
	Reason string
	Path   []string
	// Fields holds every field of the line, for what the above leaves out.
	Fields map[string]any
	// Raw is the line as the node wrote it.
	Raw string
}

// ParseEvent parses one log line written by the agent of node. A line that
// is not JSON (a user's own image logs what it likes) becomes an Event with
// only Node, Raw and Msg set.
func ParseEvent(node, line string) Event {
	ev := Event{Node: node, Raw: line, Msg: line}
	var f map[string]any
	if err := json.Unmarshal([]byte(line), &f); err != nil {
		return ev
	}
	ev.Fields = f
	str := func(k string) string { s, _ := f[k].(string); return s }
	ev.Msg, ev.Event, ev.Peer, ev.ID, ev.Reason = str(FieldMsg), str(FieldEvent), str(FieldPeer), str(FieldID), str(FieldReason)
	if n := str(FieldNode); n != "" {
		ev.Node = n
	}
	if ts, err := time.Parse(time.RFC3339Nano, str(FieldTime)); err == nil {
		ev.Time = ts
	}
	if b, ok := f[FieldBytes].(float64); ok {
		ev.Bytes = int(b)
	}
	if p, ok := f[FieldPath].([]any); ok {
		for _, x := range p {
			if s, ok := x.(string); ok {
				ev.Path = append(ev.Path, s)
			}
		}
	}
	return ev
}

// Text formats the event for people: "15:04:05.000 event msg k=v", in local
// time, with the remaining fields sorted by name. A line that was not JSON
// comes back unchanged.
func (ev Event) Text() string {
	if ev.Fields == nil {
		return ev.Raw
	}
	fields := ev.exactFields()
	var parts []string
	if ts, ok := fields[FieldTime].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			parts = append(parts, t.Local().Format("15:04:05.000"))
		}
	}
	msg, _ := fields[FieldMsg].(string)
	// The event once, then its facts: a message that names the event
	// ("send to spoke2", "delivered from spoke1") says it already.
	if ev.Event != "" && !strings.Contains(msg, ev.Event) {
		parts = append(parts, ev.Event)
	}
	if msg != "" {
		parts = append(parts, msg)
	}
	var keys []string
	for k := range fields {
		switch k {
		case FieldTime, FieldEvent, FieldMsg, FieldNode, FieldLevel:
			continue
		case FieldReason:
			if r, _ := fields[k].(string); r != "" && strings.Contains(msg, r) {
				continue // the message says it already
			}
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, fields[k]))
	}
	return strings.Join(parts, " ")
}

// exactFields are the event's fields with every number as the line wrote
// it: decoded into any, a number is a float64, and a token's generation
// (1796487757159907001) or a memory limit (50331648) would print as
// 1.796487757159907e+18 or 5.0331648e+07.
func (ev Event) exactFields() map[string]any {
	d := json.NewDecoder(strings.NewReader(ev.Raw))
	d.UseNumber()
	var f map[string]any
	if ev.Raw == "" || d.Decode(&f) != nil || f == nil {
		return ev.Fields
	}
	return f
}
