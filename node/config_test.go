package node_test

import (
	"strings"
	"testing"

	"github.com/topo-dev/topo/node"
)

func TestParseConfigImpairment(t *testing.T) {
	base := `{"version":1,"name":"a","traffic":{"protocol":"udp"},"segments":[{"name":"s","addr":"127.0.0.2","impairment":%s}]}`
	for _, tc := range []struct {
		imp, err string
		want     node.Impairment
	}{
		{imp: `{"delay":"20ms","jitter":"1ms","loss":0.005,"rate":10000000}`,
			want: node.Impairment{Delay: node.Duration(20e6), Jitter: node.Duration(1e6), Loss: 0.005, Rate: 10_000_000}},
		{imp: `{}`},
		{imp: `{"loss":1}`, want: node.Impairment{Loss: 1}},
		{imp: `{"loss":1.5}`, err: `segment "s": impairment: loss 1.5`},
		{imp: `{"loss":-0.1}`, err: "loss -0.1"},
		{imp: `{"delay":"-1ms","jitter":"-2ms"}`, err: "delay -1ms is negative\njitter -2ms is negative"},
		{imp: `{"rate":-1}`, err: "cannot unmarshal"},
	} {
		cfg, err := node.ParseConfig([]byte(strings.Replace(base, "%s", tc.imp, 1)))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one saying %q", tc.imp, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.imp, err)
			continue
		}
		if got := cfg.Segments[0].Impairment; got != tc.want {
			t.Errorf("%s: impairment %+v, want %+v", tc.imp, got, tc.want)
		}
	}
}
