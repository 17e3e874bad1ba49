package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
)

// TestImpairOptions: impair reads its values as the topology file does
// (loss 5%, 0.5%, and a bare number as a percent), a value of 0 lifts that
// setting alone, and every bad value is refused in the file's words.
func TestImpairOptions(t *testing.T) {
	tests := []struct {
		given   map[string]string
		all     bool
		want    orchestrator.ImpairOptions
		wantErr string
	}{
		{given: map[string]string{"loss": "5%"}, want: orchestrator.ImpairOptions{LossPercent: 5}},
		{given: map[string]string{"loss": "0.5%"}, want: orchestrator.ImpairOptions{LossPercent: 0.5}},
		{given: map[string]string{"loss": "0.5"}, want: orchestrator.ImpairOptions{LossPercent: 0.5}},
		{given: map[string]string{"loss": "20"}, want: orchestrator.ImpairOptions{LossPercent: 20}},
		{given: map[string]string{"loss": " 99.9% "}, want: orchestrator.ImpairOptions{LossPercent: 99.9}},
		{given: map[string]string{"loss": "0", "delay": "100ms"}, want: orchestrator.ImpairOptions{Delay: 100 * time.Millisecond, Lift: []string{"loss"}}},
		{given: map[string]string{"delay": "200ms", "jitter": "50ms", "rate": "1mbit"}, all: true,
			want: orchestrator.ImpairOptions{All: true, Delay: 200 * time.Millisecond, Jitter: 50 * time.Millisecond, Rate: 1e6}},
		{given: map[string]string{"rate": "0"}, want: orchestrator.ImpairOptions{Lift: []string{"rate"}}},
		{given: map[string]string{"rate": "8kbit"}, want: orchestrator.ImpairOptions{Rate: 8000}},
		{given: map[string]string{"loss": "5x"}, wantErr: `impair: --loss: "5x" is not a percentage: write it like 0.5%`},
		{given: map[string]string{"loss": "-1"}, wantErr: `impair: --loss: "-1" is negative`},
		{given: map[string]string{"loss": "100%"}, wantErr: `impair: --loss: "100%" loses everything: use topo link A B down`},
		{given: map[string]string{"loss": "150"}, wantErr: `impair: --loss: "150" is more than 100%`},
		{given: map[string]string{"loss": "0.00001%"}, wantErr: `is less than 0.0001%`},
		{given: map[string]string{"rate": "1bit"}, wantErr: `impair: --rate: "1bit" is less than 8kbit`},
		{given: map[string]string{"rate": "10"}, wantErr: `impair: --rate: "10" has no unit: write it like 10mbit`},
		{given: map[string]string{"rate": "10mbps"}, wantErr: `impair: --rate: "10mbps" is not a rate`},
		{given: map[string]string{"delay": "5"}, wantErr: `impair: --delay: "5" has no unit: write it like 5ms`},
		{given: map[string]string{"delay": "-5ms"}, wantErr: `impair: --delay: "-5ms" is negative`},
		{given: map[string]string{"jitter": "2m"}, wantErr: `impair: --jitter: "2m" is longer than 60s`},
		{given: map[string]string{"delay": "10ms", "jitter": "20ms"}, wantErr: "impair: jitter 20ms is more than the delay 10ms"},
		{given: map[string]string{}, wantErr: "impair: give --delay, --jitter, --loss or --rate, or --clear"},
		{given: map[string]string{"clear": "true", "replace": "true"}, wantErr: "impair: --clear takes no other setting"},
		{given: map[string]string{"clear": "true", "loss": "5%"}, wantErr: "impair: --clear takes no other setting"},
	}
	for _, tc := range tests {
		var opts orchestrator.ImpairOptions
		opts.All, opts.Clear = tc.all, tc.given["clear"] == "true"
		nodes := 2
		if tc.all {
			nodes = 0
		}
		err := impairOptions(tc.given, nodes, &opts)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: error %v, want %q", tc.given, err, tc.wantErr)
			}
			continue
		}
		if err != nil || opts.LossPercent != tc.want.LossPercent || opts.Delay != tc.want.Delay || opts.Jitter != tc.want.Jitter ||
			opts.Rate != tc.want.Rate || !slices.Equal(opts.Lift, tc.want.Lift) {
			t.Errorf("%v: %+v, %v; want %+v", tc.given, opts, err, tc.want)
		}
	}
}

// TestImpairBadValuesExit2: every bad value of an impair flag is one line
// in topo's words and exit code 2, before any engine is asked.
func TestImpairBadValuesExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--loss", "5x"}, `topo: impair: --loss: "5x" is not a percentage: write it like 0.5%`},
		{[]string{"--rate", "1bit"}, `topo: impair: --rate: "1bit" is less than 8kbit, the slowest rate topo shapes (0 is unlimited)`},
		{[]string{"--delay", "fast"}, `topo: impair: --delay: "fast" is not a duration: write it like 5ms or 1.5s`},
		{[]string{"--jitter", "5"}, `topo: impair: --jitter: "5" has no unit: write it like 5ms (units: us, ms, s)`},
		{[]string{"--loss", "100"}, `topo: impair: --loss: "100" loses everything: use topo link A B down`},
	} {
		args := append([]string{"impair", "-t", "no-such-topology", "hub", "spoke1"}, tc.args...)
		code, stdout, stderr := runCLI(t, args...)
		if code != 2 || stdout != "" || stderr != tc.want+"\n" {
			t.Errorf("topo %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", strings.Join(args, " "), code, stdout, stderr, tc.want)
		}
	}
}

// TestFromNotAnEndExit2: --from that names neither end of the link is one
// line in topo's words and exit code 2, before any engine is asked; so is
// impair --all --from.
func TestFromNotAnEndExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"link", "-t", "no-such-topology", "hub", "spoke1", "down", "--from", "spoke2"}, "topo: link: --from spoke2, want hub or spoke1"},
		{[]string{"impair", "-t", "no-such-topology", "--all", "--from", "hub", "--loss", "5%"}, "topo: impair: --from names an end of one link, not --all"},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != 2 || stdout != "" || stderr != tc.want+"\n" {
			t.Errorf("topo %s: exit %d, stdout %q, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.want)
		}
	}
}
