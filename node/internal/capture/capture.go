// Package capture is the agent's packet capture: the capture verb, which
// runs in a short-lived helper container that joins a node's network
// namespace with CAP_NET_RAW alone. It finds the interfaces to capture by
// their addresses (never by names such as eth1, which the engine picks),
// reads them through AF_PACKET sockets with an optional classic BPF
// filter, and writes the packets as pcapng to standard output, so that
// topo can stream them to a file or to Wireshark. It imports only the
// standard library and the agent contract, beside its pcapng writer.
package capture

import (
	"context"
	"errors"
	"fmt"
	"github.com/topo-dev/topo/agent/capfilter"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/capture/pcapng"
)

// iface is an interface being captured.
type iface struct {
	name, addr, desc string
	index            int
	id               int // in the pcapng
	sock             *socket
	packets          int
	dropped          uint64
}

// Run captures until ctx ends, opts.Count packets are written or
// opts.Duration has passed, and writes pcapng to out. What it wrote is a
// whole capture even when it ends on a cancelled ctx: the summary says how
// many packets were written and dropped.
func Run(ctx context.Context, opts agent.CaptureOptions, out io.Writer) (agent.CaptureSummary, error) {
	snap := opts.SnapLen
	if snap <= 0 {
		snap = agent.DefaultSnapLen
	}
	prog, err := capfilter.Compile(opts.Filter, snap)
	if err != nil {
		return agent.CaptureSummary{}, err
	}
	ifs, err := interfaces(opts)
	if err != nil {
		return agent.CaptureSummary{}, err
	}
	w, err := pcapng.NewWriter(out, "topo capture")
	if err != nil {
		return agent.CaptureSummary{}, fmt.Errorf("write: %w", err)
	}
	for _, i := range ifs {
		if i.sock, err = open(i.index, i.name, prog); err != nil {
			closeAll(ifs)
			return agent.CaptureSummary{}, err
		}
		if i.id, err = w.AddInterface(pcapng.Interface{Name: i.name, Description: i.desc, SnapLen: uint32(snap)}); err != nil {
			closeAll(ifs)
			return agent.CaptureSummary{}, fmt.Errorf("write: %w", err)
		}
	}
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Duration)
		defer cancel()
	}
	return capture(ctx, w, ifs, opts.Count, snap)
}

// interfaces finds the interface of each address, once each.
func interfaces(opts agent.CaptureOptions) ([]*iface, error) {
	if len(opts.Addrs) == 0 {
		return nil, errors.New("no address to capture on")
	}
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("interfaces: %w", err)
	}
	var out []*iface
	seen := map[int]bool{}
	for k, a := range opts.Addrs {
		want, err := netip.ParseAddr(a)
		if err != nil {
			return nil, fmt.Errorf("address %q: %w", a, err)
		}
		ni, err := interfaceOf(all, want)
		if err != nil {
			return nil, err
		}
		if seen[ni.Index] {
			continue
		}
		seen[ni.Index] = true
		desc := a
		if k < len(opts.Names) && opts.Names[k] != "" {
			desc = opts.Names[k] + " " + a
		}
		out = append(out, &iface{name: ni.Name, addr: a, desc: desc, index: ni.Index})
	}
	return out, nil
}

func interfaceOf(all []net.Interface, want netip.Addr) (net.Interface, error) {
	var here []string
	for _, ni := range all {
		addrs, err := ni.Addrs()
		if err != nil {
			return net.Interface{}, fmt.Errorf("addresses of %s: %w", ni.Name, err)
		}
		for _, ad := range addrs {
			ipn, ok := ad.(*net.IPNet)
			if !ok {
				continue
			}
			if got, ok := netip.AddrFromSlice(ipn.IP); ok && got.Unmap() == want {
				return ni, nil
			}
			here = append(here, ipn.IP.String())
		}
	}
	return net.Interface{}, fmt.Errorf("no interface has address %s (this namespace has %v)", want, here)
}

func closeAll(ifs []*iface) {
	for _, i := range ifs {
		if i.sock != nil {
			i.sock.close()
		}
	}
}

// capture reads every interface, one goroutine each, into w until ctx
// ends or count packets are written, then reads each socket's drops,
// closes it and writes its statistics.
func capture(ctx context.Context, w *pcapng.Writer, ifs []*iface, count, snap int) (agent.CaptureSummary, error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
	var mu sync.Mutex // guards written, werr and each iface's packets
	written := 0
	var werr error
	var closing atomic.Bool // a read that fails after this is the socket closed
	var wg sync.WaitGroup
	for _, i := range ifs {
		wg.Go(func() {
			buf, oob := make([]byte, snap), make([]byte, oobSize)
			for {
				n, info, err := i.sock.read(buf, oob)
				if err != nil {
					if !closing.Load() {
						mu.Lock()
						werr = errors.Join(werr, fmt.Errorf("read %s: %w", i.name, err))
						mu.Unlock()
					}
					stop()
					return
				}
				dir := pcapng.DirInbound
				if info.outgoing {
					dir = pcapng.DirOutbound
				}
				mu.Lock()
				if count > 0 && written >= count || werr != nil {
					mu.Unlock()
					continue // until the socket is closed
				}
				if err := w.WritePacket(i.id, info.at, buf[:n], info.length, dir); err != nil {
					werr = fmt.Errorf("write: %w", err)
					stop()
				} else {
					written++
					i.packets++
					if count > 0 && written >= count {
						stop()
					}
				}
				mu.Unlock()
			}
		})
	}
	<-ctx.Done()
	sum := agent.CaptureSummary{}
	closing.Store(true)
	for _, i := range ifs {
		d, err := i.sock.dropped()
		if err == nil {
			i.dropped = d
		}
		i.sock.close()
	}
	wg.Wait()
	end := time.Now()
	for _, i := range ifs {
		if werr == nil {
			werr = w.WriteStats(i.id, pcapng.Stats{Start: start, End: end, Received: uint64(i.packets), Dropped: i.dropped})
		}
		sum.Packets += i.packets
		sum.Dropped += i.dropped
		sum.Interfaces = append(sum.Interfaces, agent.CaptureInterface{Name: i.name, Addr: i.addr, Packets: i.packets, Dropped: i.dropped})
	}
	return sum, werr
}
