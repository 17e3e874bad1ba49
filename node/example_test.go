package node_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// Two peers on one point-to-point segment: a dials b over TCP, and a sends b
// a message with a receipt.
func Example() {
	seg := "a-b"
	a := &agent.Config{Version: agent.ConfigVersion, Name: "a", Layout: node.LayoutP2P, Role: "peer",
		Segments:  []agent.Segment{{Name: seg, Addr: "127.0.0.2"}},
		Neighbors: []agent.Neighbor{{Name: "b", Addr: "127.0.0.3", Segment: seg, Dial: true}},
		Routes:    map[string]string{"b": "b"},
		Traffic:   agent.Traffic{Protocol: "tcp"}}
	b := &agent.Config{Version: agent.ConfigVersion, Name: "b", Layout: node.LayoutP2P, Role: "peer",
		Segments:  []agent.Segment{{Name: seg, Addr: "127.0.0.3"}},
		Neighbors: []agent.Neighbor{{Name: "a", Addr: "127.0.0.2", Segment: seg}},
		Routes:    map[string]string{"a": "a"},
		Traffic:   agent.Traffic{Protocol: "tcp"}}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	var agentA *node.Agent
	for _, cfg := range []*agent.Config{a, b} {
		agent, err := node.New(cfg, node.WithLogger(log), node.WithControlSocket(""))
		if err != nil {
			panic(err)
		}
		if cfg.Name == "a" {
			agentA = agent
		}
		go agent.Run(ctx)
	}
	for !agentA.Ready() {
		time.Sleep(10 * time.Millisecond)
	}
	sendCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r, err := agentA.Send(sendCtx, "b", "hello", true)
	fmt.Println(r.Path, r.Delivered, err)
}
