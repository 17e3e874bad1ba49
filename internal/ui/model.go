package ui

import (
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/topology"
)

// Anim is one thing the page animates, made from one event of a node:
// a message or the ring's token crossing a hop, a message arriving, or a
// message dropped where it was, with its reason.
type Anim struct {
	Kind   string `json:"kind"` // hop, token, deliver, drop, link
	ID     string `json:"id,omitempty"`
	From   string `json:"from,omitempty"` // hop, token: the node it leaves
	To     string `json:"to,omitempty"`   // hop, token: the node it goes to
	Node   string `json:"node,omitempty"` // deliver, drop: where
	Reason string `json:"reason,omitempty"`
	Source string `json:"source,omitempty"` // the message's origin and destination
	Dest   string `json:"dest,omitempty"`
	State  string `json:"state,omitempty"` // link: up, down or one-way, as Node sees its link to To
}

// Animation kinds.
const (
	AnimHop     = "hop"
	AnimToken   = "token"
	AnimDeliver = "deliver"
	AnimDrop    = "drop"
	AnimLink    = "link"
)

// model turns the nodes' events into animations. A message's first hop is
// not in any event (its origin logs only where it is going), so it comes
// from the plan's routes; every later hop is a node's forward event.
type model struct {
	routes map[string]map[string]string // node → destination → next hop
}

func newModel(p *topology.Plan) *model {
	m := &model{routes: map[string]map[string]string{}}
	for _, n := range p.Nodes {
		m.routes[n.Name] = n.Routes
	}
	return m
}

// animate is what ev shows, if anything.
func (m *model) animate(ev agent.Event) (Anim, bool) {
	switch ev.Event {
	case agent.EvSend:
		nh := m.routes[ev.Node][ev.Peer]
		if nh == "" || ev.Peer == agent.Broadcast {
			return Anim{}, false
		}
		return Anim{Kind: AnimHop, ID: ev.ID, From: ev.Node, To: nh, Source: ev.Node, Dest: ev.Peer}, true
	case agent.EvForward:
		return Anim{Kind: AnimHop, ID: ev.ID, From: ev.Node, To: ev.Peer, Source: field(ev, "from"), Dest: field(ev, "to")}, true
	case agent.EvDeliver:
		return Anim{Kind: AnimDeliver, ID: ev.ID, Node: ev.Node, Source: ev.Peer, Dest: ev.Node}, true
	case agent.EvDrop:
		if ev.ID == "" {
			return Anim{}, false
		}
		return Anim{Kind: AnimDrop, ID: ev.ID, Node: ev.Node, Reason: ev.Reason, Source: field(ev, "from"), Dest: field(ev, "to")}, true
	case agent.EvLink:
		// "link to hub down": a link's state the moment it changes;
		// "link to hub one-way: …": one way of it is cut.
		if ev.Peer != "" && strings.HasPrefix(ev.Msg, "link to "+ev.Peer+" "+agent.LinkOneWay+":") {
			return Anim{Kind: AnimLink, Node: ev.Node, To: ev.Peer, State: agent.LinkOneWay, Reason: ev.Reason}, true
		}
		for _, state := range []string{"up", "down"} {
			if ev.Peer != "" && strings.HasSuffix(ev.Msg, " "+state) && strings.HasPrefix(ev.Msg, "link to ") {
				return Anim{Kind: AnimLink, Node: ev.Node, To: ev.Peer, State: state, Reason: ev.Reason}, true
			}
		}
	case agent.EvToken:
		// "token to node3": the token leaves this node for its successor.
		if ev.Peer != "" && strings.HasPrefix(ev.Msg, "token to ") {
			return Anim{Kind: AnimToken, From: ev.Node, To: ev.Peer}, true
		}
	}
	return Anim{}, false
}

func field(ev agent.Event, key string) string {
	s, _ := ev.Fields[key].(string)
	return s
}
