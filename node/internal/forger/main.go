// Command forger stands for a user's own image that tries to speak for
// another node of its topology, as TestIntegrationForger runs it on a
// client-server LAN: it knows what any node running a user's image knows
// (its config in TOPO_NODE_CONFIG, its neighbours' addresses, the port, the
// wire format), and no more.
//
// Run without arguments, as the container's command, it reports whether
// its config holds a key or the topology's secret, then waits for SIGTERM.
// Run as
//
//	forger attack -as client1 -to client2 -marker M -n 100
//
// in the same container (topo exec), it claims to be the node named by -as:
// to its neighbour (the server), that frames come from that node; to the
// node named by -to, found in /etc/hosts, that the server passes them on
// from it. Over TCP it says hellos naming the claimed sender and sends
// data frames from the victim, each of whose payloads starts with the
// marker; over UDP, the same as datagrams, to the neighbour also at the
// segment's broadcast address. Each is sent unsealed, sealed with a key it
// made up, and sealed with every key its config holds (it should hold
// none). It prints what it did and what answered, and a last line that
// counts it:
//
//	summary: tcp_server=4 udp_server=202 tcp_client2=4 udp_client2=202 udp_broadcast=202 answered=0 data_frames=1200
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/frame"
)

func main() {
	cfg, err := loadConfig()
	if err != nil {
		fmt.Println("forger:", err)
		os.Exit(1)
	}
	report(cfg)
	if len(os.Args) > 1 && os.Args[1] == "attack" {
		if err := attack(cfg, os.Args[2:]); err != nil {
			fmt.Println("forger:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	<-ctx.Done()
}

func loadConfig() (*agent.Config, error) {
	raw := os.Getenv(agent.ConfigEnv)
	if raw == "" {
		return nil, errors.New(agent.ConfigEnv + " is not set")
	}
	return agent.ParseConfig([]byte(raw))
}

// report says what the config gives this node to seal frames with. The
// test reads the line "config: keys=0 secret=no".
func report(cfg *agent.Config) {
	keys := 0
	for _, s := range cfg.Segments {
		if s.Key != "" {
			keys++
			fmt.Printf("config: segment %s has a key\n", s.Name)
		}
	}
	secret := "no"
	if cfg.Secret != "" {
		secret = "yes"
	}
	fmt.Printf("config: keys=%d secret=%s\n", keys, secret)
}

// sealer seals frames one way: not at all, with a made-up key, or with a
// key the config holds. Its sequence numbers start, as an agent's do, at
// the time it was made.
type sealer struct {
	name string
	key  *frame.Key
	seq  uint64
}

func sealers(cfg *agent.Config) []*sealer {
	made := make([]byte, 32)
	_, _ = rand.Read(made)
	start := uint64(time.Now().UnixNano())
	out := []*sealer{{name: "unsealed"}, {name: "made-up key", key: frame.NewKey(made), seq: start}}
	for _, s := range cfg.Segments {
		if k := cfg.SegmentKeyBytes(s); k != nil {
			out = append(out, &sealer{name: "key of segment " + s.Name, key: frame.NewKey(k), seq: start})
		}
	}
	return out
}

// datagram is f's encoding as it would travel in a datagram.
func (s *sealer) datagram(f *frame.Frame) []byte {
	b, err := frame.Encode(f)
	if err != nil {
		panic(err) // the forger's own frames: a bug here
	}
	if s.key == nil {
		return b
	}
	s.seq++
	return s.key.AppendSealed(nil, b, s.seq)
}

// stream is f's encoding with its length prefix, as on a TCP connection.
func (s *sealer) stream(f *frame.Frame) []byte {
	b := s.datagram(f)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// plan is who the forger claims to be, to whom, and where, and what it
// managed to send.
type plan struct {
	victim, dest, marker string
	n                    int
	port                 int
	self, bcast          netip.Addr // its own address on the segment, and the segment's broadcast
	hops                 []hop

	tcp, udp         map[string]int // connections made and datagrams sent, by where to
	answered, frames int
}

// hop is a way in for forged frames: the node they are handed to, at its
// address, along a path whose last node is the sender they claim.
type hop struct {
	name string
	addr netip.Addr
	path []string
}

func (h hop) sender() string { return h.path[len(h.path)-1] }

func attack(cfg *agent.Config, args []string) error {
	fs := flag.NewFlagSet("attack", flag.ContinueOnError)
	p := &plan{tcp: map[string]int{}, udp: map[string]int{}}
	fs.StringVar(&p.victim, "as", "client1", "the node to claim to be")
	fs.StringVar(&p.dest, "to", "client2", "the destination of the forged data frames")
	fs.StringVar(&p.marker, "marker", "FORGED", "what every forged payload starts with")
	fs.IntVar(&p.n, "n", 100, "data frames per connection and per destination of datagrams")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := p.find(cfg); err != nil {
		return err
	}
	p.spoof()
	for _, s := range sealers(cfg) {
		for _, h := range p.hops {
			p.sendDatagrams(s, h)
			p.connect(s, h, false)
			p.connect(s, h, true)
		}
	}
	fmt.Print("summary:")
	for _, h := range p.hops {
		fmt.Printf(" tcp_%s=%d udp_%s=%d", h.name, p.tcp[h.name], h.name, p.udp[h.name])
	}
	fmt.Printf(" udp_broadcast=%d answered=%d data_frames=%d\n", p.udp["broadcast"], p.answered, p.frames)
	return nil
}

// find picks the ways in: the forger's neighbour (the server), told that
// the frames come from the victim; and the destination, found in
// /etc/hosts where the topology routes, told that the neighbour passes
// them on from the victim.
func (p *plan) find(cfg *agent.Config) error {
	if len(cfg.Neighbors) == 0 {
		return errors.New("no neighbour in the config to talk to")
	}
	nb := cfg.Neighbors[0]
	if p.port = nb.Port; p.port == 0 {
		p.port = agent.DefaultPort
	}
	for _, s := range cfg.Segments {
		if s.Name == nb.Segment {
			p.self, _ = netip.ParseAddr(s.Addr)
			if pre, err := netip.ParsePrefix(s.Subnet); err == nil {
				p.bcast = lastAddr(pre)
			}
		}
	}
	addr, err := netip.ParseAddr(nb.Addr)
	if err != nil {
		return fmt.Errorf("neighbour %s: %w", nb.Name, err)
	}
	p.hops = []hop{{name: nb.Name, addr: addr, path: []string{p.victim}}}
	if a, err := lookup(p.dest); err == nil {
		p.hops = append(p.hops, hop{name: p.dest, addr: a, path: []string{p.victim, nb.Name}})
	} else {
		fmt.Printf("attack: %s has no address here: %v\n", p.dest, err)
	}
	for _, h := range p.hops {
		fmt.Printf("attack: to %s at %s:%d, from %s along %v, data to %s\n", h.name, h.addr, p.port, p.self, h.path, p.dest)
	}
	return nil
}

func lookup(node string) (netip.Addr, error) {
	addrs, err := net.LookupHost(node)
	if err != nil {
		return netip.Addr{}, err
	}
	return netip.ParseAddr(addrs[0])
}

// spoof tries to take the victim's own address: a node without NET_ADMIN
// cannot.
func (p *plan) spoof() {
	a, err := lookup(p.victim)
	if err != nil {
		fmt.Printf("spoof: %s has no address here: %v\n", p.victim, err)
		return
	}
	d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: a.AsSlice()}}
	c, err := d.Dial("tcp", p.hops[0].addrPort(p.port).String())
	if err != nil {
		fmt.Printf("spoof: dial from %s's address %s: %v\n", p.victim, a, err)
		return
	}
	_ = c.Close()
	fmt.Printf("spoof: dialled from %s's address %s\n", p.victim, a)
}

func (h hop) addrPort(port int) netip.AddrPort { return netip.AddrPortFrom(h.addr, uint16(port)) }

func (p *plan) hello(h hop, id, ref uint64) *frame.Frame {
	from := h.sender()
	return &frame.Frame{Type: frame.Hello, ID: id, Ref: ref, Source: from, Destination: h.name, NextHop: h.name, Path: []string{from}}
}

// dataFrame i is from the victim to the destination, or every fifth one to
// the node it is handed to, with the marker first in its payload.
func (p *plan) dataFrame(h hop, s *sealer, i int) *frame.Frame {
	to := p.dest
	if i%5 == 4 {
		to = h.name
	}
	p.frames++
	return &frame.Frame{Type: frame.Data, TTL: 16, ID: randUint64(), Sent: time.Now().UnixNano(), Source: p.victim,
		Destination: to, NextHop: h.name, Path: append([]string(nil), h.path...),
		Payload: fmt.Appendf(nil, "%s %s #%d", p.marker, s.name, i)}
}
