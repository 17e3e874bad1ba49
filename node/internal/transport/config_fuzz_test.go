package transport

import (
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/transport/link"
)

// FuzzParseConfig checks that no config ParseConfig accepts makes New, or
// a shaper's first schedule, panic.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"version":1,"name":"a","layout":"p2p","traffic":{"protocol":"tcp","interval":"1s","size":32},` +
		`"segments":[{"name":"s","addr":"127.0.0.2","subnet":"127.0.0.0/24","impairment":{"delay":"20ms","jitter":"1ms","loss":0.1,"rate":1000}}],` +
		`"neighbors":[{"name":"b","addr":"127.0.0.3","dial":true,"port":7001}],"routes":{"b":"b"}}`))
	f.Add([]byte(`{"version":1,"name":"r1","layout":"ring","traffic":{"protocol":"udp"},` +
		`"segments":[{"name":"lan","addr":"10.0.0.1","shared":true,"broadcast":"10.0.0.255","members":[{"name":"r2","addr":"10.0.0.2"}],"impairment":{"jitter":"1m"}}],` +
		`"neighbors":[{"name":"r2","addr":"10.0.0.2","segment":"lan"}],"ring":{"successor":"r2","predecessor":"r2","leader":true,"token_hold":"1ms"},"routes":{"r2":"r2"}}`))
	f.Add([]byte(`{"version":1,"name":"a","traffic":{"protocol":"udp"},"segments":[{"name":"s","addr":"::1","impairment":{"jitter":9223372036854775807}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := agent.ParseConfig(b)
		if err != nil {
			return
		}
		if cfg.Validate() != nil {
			return
		}
		a, err := newTestNet(cfg)
		if err != nil {
			return
		}
		for _, s := range a.view().segs {
			if s.shaper == nil {
				continue
			}
			link.Push(s.shaper, &frame.Frame{}, make([]byte, 1500), nil, false)
		}
	})
}
