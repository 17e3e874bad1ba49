package cli

import (
	"log/slog"
	"testing"
)

func TestLogLevel(t *testing.T) {
	for _, tc := range []struct {
		flagged, configured string
		want                slog.Level
		bad                 bool
	}{
		{"", "", slog.LevelInfo, false},
		{"", "debug", slog.LevelDebug, false},
		{"warn", "debug", slog.LevelWarn, false}, // the flag (or $TOPO_NODE_LOG_LEVEL) wins
		{"loud", "", 0, true},
	} {
		got, err := logLevel(tc.flagged, tc.configured)
		if (err != nil) != tc.bad || !tc.bad && got != tc.want {
			t.Errorf("logLevel(%q, %q) = %v, %v", tc.flagged, tc.configured, got, err)
		}
	}
}
