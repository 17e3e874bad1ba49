package agent_test

import (
	"math"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
)

func TestParseConfigImpairment(t *testing.T) {
	base := `{"version":1,"name":"a","traffic":{"protocol":"udp"},"segments":[{"name":"s","addr":"127.0.0.2","impairment":%s}]}`
	for _, tc := range []struct {
		imp, err string
		want     agent.Impairment
	}{
		{imp: `{"delay":"20ms","jitter":"1ms","loss":0.005,"rate":10000000}`,
			want: agent.Impairment{Delay: agent.Duration(20e6), Jitter: agent.Duration(1e6), Loss: 0.005, Rate: 10_000_000}},
		{imp: `{}`},
		{imp: `{"loss":1}`, want: agent.Impairment{Loss: 1}},
		{imp: `{"loss":1.5}`, err: `segment "s": impairment: loss 1.5`},
		{imp: `{"loss":-0.1}`, err: "loss -0.1"},
		{imp: `{"delay":"-1ms","jitter":"-2ms"}`, err: "delay -1ms is negative\njitter -2ms is negative"},
		{imp: `{"rate":-1}`, err: "cannot unmarshal"},
	} {
		cfg, err := agent.ParseConfig([]byte(strings.Replace(base, "%s", tc.imp, 1)))
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

func TestValidateLimits(t *testing.T) {
	long := strings.Repeat("n", 256)
	ok := strings.Repeat("n", 255)
	for _, tc := range []struct {
		name, cfg, err string
	}{
		{"fine", `"port":65535,"neighbors":[{"name":"` + ok + `","addr":"127.0.0.3","port":1}],"routes":{"` + ok + `":"` + ok + `"},"ring":{"token_hold":"1ms"},"traffic":{"protocol":"udp","interval":"10ms"}`, ""},
		{"jitter", `"segments":[{"name":"s","addr":"127.0.0.2","impairment":{"jitter":"2000000h"}}]`, "jitter 2000000h0m0s is longer than 1m0s"},
		{"delay", `"segments":[{"name":"s","addr":"127.0.0.2","impairment":{"delay":"61s"}}]`, "delay 1m1s is longer than 1m0s"},
		{"port", `"port":65536`, "port 65536, want 1 to 65535"},
		{"negative port", `"port":-1`, "port -1"},
		{"neighbour port", `"neighbors":[{"name":"b","addr":"127.0.0.3","port":70000}]`, `neighbour "b": port 70000`},
		{"member port", `"segments":[{"name":"s","addr":"127.0.0.2","shared":true,"members":[{"name":"m","addr":"127.0.0.4","port":-5}]}]`, `segment "s": member "m": port -5`},
		{"own name", `"name":"` + long + `"`, "name \"nnnnnnnnnnnnnnnnnnnn\"… is 256 bytes, longer than 255"},
		{"neighbour name", `"neighbors":[{"name":"` + long + `","addr":"127.0.0.3"}]`, "neighbour \"nnnnnnnnnnnnnnnnnnnn\"… is 256 bytes"},
		{"member name", `"segments":[{"name":"s","addr":"127.0.0.2","shared":true,"members":[{"name":"` + long + `","addr":"127.0.0.4"}]}]`, `segment "s": member "nnnnnnnnnnnnnnnnnnnn"… is 256 bytes`},
		{"route key", `"routes":{"` + long + `":"b"}`, "route to \"nnnnnnnnnnnnnnnnnnnn\"… is 256 bytes"},
		{"route value", `"routes":{"b":"` + long + `"}`, "route to \"b\": next hop \"nnnnnnnnnnnnnnnnnnnn\"… is 256 bytes"},
		{"token hold", `"ring":{"successor":"b","token_hold":"-1ms"}`, "ring token_hold -1ms is negative"},
		{"interval", `"traffic":{"protocol":"udp","interval":"9ms"}`, "traffic interval 9ms, want 0 (none) or at least 10ms"},
		{"negative interval", `"traffic":{"protocol":"udp","interval":"-1s"}`, "traffic interval -1s"},
	} {
		// Later keys win in encoding/json, so each case overrides the base.
		js := `{"version":1,"name":"a","traffic":{"protocol":"udp"},"segments":[{"name":"s","addr":"127.0.0.2"}],` + tc.cfg + `}`
		_, err := agent.ParseConfig([]byte(js))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.err)
		}
	}
}

func TestValidateNaNLoss(t *testing.T) {
	cfg := &agent.Config{Version: agent.ConfigVersion, Name: "a", Traffic: agent.Traffic{Protocol: "udp"},
		Segments: []agent.Segment{{Name: "s", Addr: "127.0.0.2", Impairment: agent.Impairment{Loss: math.NaN()}}}}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "loss NaN") {
		t.Errorf("NaN loss: %v", err)
	}
}

func TestValidateSecret(t *testing.T) {
	hex64 := strings.Repeat("0123456789abcdef", 4)
	for _, tc := range []struct {
		name, secret, err string
	}{
		{"none", "", ""},
		{"hex", hex64, ""},
		{"upper hex", strings.ToUpper(hex64), ""},
		{"short", hex64[:63], "secret of 63 characters, want 64 hex digits"},
		{"long", hex64 + "00", "secret of 66 characters"},
		{"not hex", "g" + hex64[1:], "secret is not hex"},
	} {
		cfg := &agent.Config{Version: agent.ConfigVersion, Name: "a", Traffic: agent.Traffic{Protocol: "udp"},
			Segments: []agent.Segment{{Name: "s", Addr: "127.0.0.2"}}, Secret: tc.secret}
		err := cfg.Validate()
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.err)
		case err != nil && tc.secret != "" && strings.Contains(err.Error(), tc.secret[1:20]):
			t.Errorf("%s: the error quotes the secret: %v", tc.name, err)
		}
		if tc.err == "" && tc.secret != "" && len(cfg.SecretKey()) != 32 {
			t.Errorf("%s: key of %d bytes, want 32", tc.name, len(cfg.SecretKey()))
		}
	}
}
