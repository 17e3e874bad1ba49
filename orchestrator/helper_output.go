package orchestrator

import (
	"bytes"
	"fmt"
)

// maxHelperLine bounds the part of a helper's output an error repeats.
const maxHelperLine = 160

// helperFailed is a command run by who (the helper, the agent) that
// exited code, as one line: the first line of what it said. The whole output (the
// agent's usage text, a tool's trace) goes to the debug log, which
// --debug shows, and not to the user's terminal.
func (o *Orchestrator) helperFailed(who, what string, code int, output []byte) error {
	o.log.Debug("helper failed", "what", what, "exit", code, "output", string(output))
	line := firstLine(output)
	if line == "" {
		return fmt.Errorf("%s exited %d", who, code)
	}
	more := ""
	if len(bytes.TrimSpace(output)) > len(line) {
		more = " (--debug shows all it said)"
	}
	return fmt.Errorf("%s exited %d: %s%s", who, code, line, more)
}

// firstLine is the first line of out that says something, shortened to
// maxHelperLine characters.
func firstLine(out []byte) string {
	for _, l := range bytes.Split(out, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			if r := []rune(string(l)); len(r) > maxHelperLine {
				return string(r[:maxHelperLine]) + "…"
			}
			return string(l)
		}
	}
	return ""
}

// maxEcho bounds how much of a name the user typed an error repeats: a
// 5,000-character node name is recognised by its first 64.
const maxEcho = 64

// clipEcho shortens what a user typed for an error message, marking the
// cut with "…".
func clipEcho(s string) string {
	if r := []rune(s); len(r) > maxEcho {
		return string(r[:maxEcho]) + "…"
	}
	return s
}
