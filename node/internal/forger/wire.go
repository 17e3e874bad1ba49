package main

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/topo-dev/topo/node/internal/frame"
)

// answerWait is how long the forger waits for the target to answer or
// close a connection: longer than an agent gives a new connection to say
// its hello (5 s), so that the target has refused (and counted) the
// forger's hello when it returns, however slow it was.
const answerWait = 6 * time.Second

// connect dials h from the forger's own address and says a hello naming
// h's sender, sealed as s seals. Handshake first, it waits for the answer,
// completes the challenge if one comes, then sends the data frames;
// pipelined, it writes the hello and the data frames at once. Either way
// it then reads what comes back until h closes the connection or
// answerWait passes.
func (p *plan) connect(s *sealer, h hop, pipelined bool) {
	how := "handshake first"
	if pipelined {
		how = "pipelined"
	}
	what := fmt.Sprintf("tcp to %s, %s, %s", h.name, s.name, how)
	d := net.Dialer{Timeout: 3 * time.Second, LocalAddr: &net.TCPAddr{IP: p.self.AsSlice()}}
	c, err := d.Dial("tcp", h.addrPort(p.port).String())
	if err != nil {
		fmt.Printf("%s: dial: %v\n", what, err)
		return
	}
	defer c.Close()
	p.tcp[h.name]++
	r := bufio.NewReader(c)
	out := s.stream(p.hello(h, randUint64(), 0))
	if !pipelined {
		var ok bool
		if out, ok = p.handshake(c, r, s, h, out, what); !ok {
			return
		}
	}
	for i := range p.n {
		out = append(out, s.stream(p.dataFrame(h, s, i))...)
	}
	_ = c.SetDeadline(time.Now().Add(answerWait))
	_, werr := c.Write(out)
	fmt.Printf("%s: wrote %d data frames from %s along %v: %s\n", what, p.n, p.victim, h.path, errOr(werr, nil))
	for {
		f, err := readFrame(r)
		if err != nil {
			fmt.Printf("%s: then %s\n", what, errOr(err, nil))
			return
		}
		fmt.Printf("%s: RECEIVED %s from %q: %q\n", what, f.Type, f.Source, f.Payload)
	}
}

// handshake writes hello, the first hello of a connection to h, and waits
// for the answer: when one comes, it returns the hello that answers its
// challenge, to go before the data frames; when none does, nothing. It
// returns false when the hello could not be written.
func (p *plan) handshake(c net.Conn, r *bufio.Reader, s *sealer, h hop, hello []byte, what string) ([]byte, bool) {
	_ = c.SetDeadline(time.Now().Add(answerWait))
	if _, err := c.Write(hello); err != nil {
		fmt.Printf("%s: hello: %v\n", what, err)
		return nil, false
	}
	f, err := readFrame(r)
	if err != nil || f.Type != frame.Hello {
		fmt.Printf("%s: no answer to the hello: %s\n", what, errOr(err, f))
		return nil, true
	}
	p.answered++
	fmt.Printf("%s: ANSWERED: hello from %q, challenge %d\n", what, f.Source, f.ID)
	return s.stream(p.hello(h, 0, f.ID)), true
}

// sendDatagrams sends, from the forger's own address and the agents' port
// when it can have it, a hello naming h's sender and the data frames, to h
// and, for the forger's neighbour, to the segment's broadcast address too;
// a little at a time, so that none is lost in a socket buffer.
func (p *plan) sendDatagrams(s *sealer, h hop) {
	what := fmt.Sprintf("udp to %s, %s", h.name, s.name)
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.self, uint16(p.port))))
	if err != nil {
		fmt.Printf("%s: port %d: %v; from another port\n", what, p.port, err)
		if c, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.self, 0))); err != nil {
			fmt.Printf("%s: %v\n", what, err)
			return
		}
	}
	defer c.Close()
	dests := map[string]netip.Addr{h.name: h.addr}
	if h.name == p.hops[0].name && p.bcast.IsValid() {
		dests["broadcast"] = p.bcast
	}
	for key, to := range dests {
		dst := net.UDPAddrFromAddrPort(netip.AddrPortFrom(to, uint16(p.port)))
		sent, failed := 0, 0
		for i := -1; i < p.n; i++ {
			f := p.hello(h, randUint64(), 0)
			if i >= 0 {
				f = p.dataFrame(h, s, i)
			}
			if _, err := c.WriteToUDP(s.datagram(f), dst); err != nil {
				failed++
				continue
			}
			if sent++; sent%8 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		p.udp[key] += sent
		fmt.Printf("%s: a hello and %d data frames from %s along %v to %s: %d datagrams, %d failed\n", what, p.n, p.victim, h.path, dst, sent, failed)
	}
	udpAnswers(c, what)
}

// udpAnswers prints what came back to the forger's socket for a moment.
func udpAnswers(c *net.UDPConn, what string) {
	buf := make([]byte, 64*1024)
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		f, err := frame.Decode(buf[:n])
		if err != nil {
			fmt.Printf("%s: RECEIVED %d bytes from %s: %v\n", what, n, from, err)
			continue
		}
		fmt.Printf("%s: RECEIVED %s from %q at %s\n", what, f.Type, f.Sender(), from)
	}
}

func readFrame(r *bufio.Reader) (*frame.Frame, error) {
	b, err := frame.ReadRaw(r)
	if err != nil {
		return nil, err
	}
	return frame.Decode(b)
}

func errOr(err error, f *frame.Frame) string {
	switch {
	case err != nil:
		return err.Error()
	case f != nil:
		return "a " + f.Type.String() + " frame"
	}
	return "ok"
}

func randUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) | 1
}

// lastAddr is the directed broadcast address of a subnet.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	v := binary.BigEndian.Uint32(a[:]) | (1<<(32-p.Bits()) - 1)
	return netip.AddrFrom4([4]byte(binary.BigEndian.AppendUint32(nil, v)))
}
