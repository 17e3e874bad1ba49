package main

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
)

func TestLogsOptions(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		f    logsFlags
		want orchestrator.LogsOptions
		err  string
	}{
		{f: logsFlags{tail: "all"}, want: orchestrator.LogsOptions{Tail: orchestrator.TailAll}},
		{f: logsFlags{tail: "0"}, want: orchestrator.LogsOptions{Tail: orchestrator.TailNone}},
		{f: logsFlags{tail: "7", follow: true}, want: orchestrator.LogsOptions{Tail: 7, Follow: true}},
		{f: logsFlags{tail: "-1"}, err: `--tail "-1": want a number of lines, 0 or more, or all`},
		{f: logsFlags{tail: "some"}, err: `--tail "some"`},
		{f: logsFlags{tail: "all", since: "5m"}, want: orchestrator.LogsOptions{Since: now.Add(-5 * time.Minute)}},
		{f: logsFlags{tail: "all", since: "2026-11-21T05:06:44Z"}, want: orchestrator.LogsOptions{Since: time.Date(2026, 11, 21, 5, 6, 44, 0, time.UTC)}},
		{f: logsFlags{tail: "all", since: "yesterday"}, err: `--since "yesterday": want a duration`},
		{f: logsFlags{tail: "all", id: "c2", events: []string{"send", "deliver"}}, want: orchestrator.LogsOptions{ID: "c2", Events: []string{"send", "deliver"}}},
		{f: logsFlags{tail: "all", events: []string{"delivered"}}, err: `--event "delivered" is not an event the agent logs; they are start, stop`},
		{f: logsFlags{tail: "all", output: "xml"}, err: `unknown output format "xml"`},
	}
	for _, tt := range tests {
		if tt.f.output == "" {
			tt.f.output = "text"
		}
		got, err := tt.f.options(now)
		switch {
		case tt.err != "":
			var ue usageError
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &ue) {
				t.Errorf("%+v: %v, want a usage error with %q", tt.f, err, tt.err)
			}
		case err != nil:
			t.Errorf("%+v: %v", tt.f, err)
		case got.Tail != tt.want.Tail || got.Follow != tt.want.Follow || !got.Since.Equal(tt.want.Since) || got.ID != tt.want.ID || !slices.Equal(got.Events, tt.want.Events):
			t.Errorf("%+v:\n got %+v\nwant %+v", tt.f, got, tt.want)
		}
	}
}

// TestParseSince: --since takes what docker logs --since takes.
func TestParseSince(t *testing.T) {
	loc := time.FixedZone("here", 2*3600)
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, loc)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"0", time.Time{}},
		{"90s", now.Add(-90 * time.Second)},
		{"1h30m", now.Add(-90 * time.Minute)},
		{"500000h", time.Time{}}, // before 1970: from the start, not an engine error
		{"2026-11-21T05:06:44Z", time.Date(2026, 11, 21, 5, 6, 44, 0, time.UTC)},
		{"2026-11-21T05:06:44.525Z", time.Date(2026, 11, 21, 5, 6, 44, 525e6, time.UTC)},
		{"2026-11-21T05:06:44+01:00", time.Date(2026, 11, 21, 4, 6, 44, 0, time.UTC)},
		{"2026-11-21T05:06:44-03:00", time.Date(2026, 11, 21, 8, 6, 44, 0, time.UTC)},
		{"2026-11-21T05:06:44", time.Date(2026, 11, 21, 5, 6, 44, 0, loc)},
		{"2026-11-21T05:06:44.5", time.Date(2026, 11, 21, 5, 6, 44, 5e8, loc)},
		{"2026-11-21T05:06", time.Date(2026, 11, 21, 5, 6, 0, 0, loc)},
		{"2026-11-21T05", time.Date(2026, 11, 21, 5, 0, 0, 0, loc)},
		{"2026-11-21", time.Date(2026, 11, 21, 0, 0, 0, 0, loc)},
		{"2026-11-21Z", time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)},
		{"1763701604", time.Unix(1763701604, 0)},
		{"1763701604.25", time.Unix(1763701604, 25e7)},
	}
	for _, tt := range tests {
		got, err := parseSince(now, tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("--since %s: %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"-5m", "yesterday", "2026-13-01", "2026-11-21T25:00", "12.5.3", "1e9"} {
		if _, err := parseSince(now, bad); err == nil {
			t.Errorf("--since %s: no error", bad)
		}
	}
}
