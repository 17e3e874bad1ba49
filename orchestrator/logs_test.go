package orchestrator_test

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
)

func TestFormatLogText(t *testing.T) {
	ts := time.Date(2026, 11, 21, 5, 6, 44, 525000000, time.UTC)
	clock := ts.Local().Format("15:04:05.000")
	tests := []struct{ in, want string }{
		{`{"time":"2026-11-21T05:06:44.525Z","level":"INFO","msg":"delivered from spoke4","node":"spoke2","event":"deliver","peer":"spoke4","id":"c2","bytes":64}`,
			clock + " deliver delivered from spoke4 bytes=64 id=c2 peer=spoke4"},
		{`{"time":"2026-11-21T05:06:44.525Z","msg":"token","event":"token"}`, clock + " token"},
		{`not json at all`, `not json at all`},
		{`{"msg":"no time"}`, `no time`},
	}
	for _, tt := range tests {
		if got := orchestrator.FormatLogText(tt.in); got != tt.want {
			t.Errorf("FormatLogText(%s)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
