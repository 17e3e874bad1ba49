package topology

import (
	"fmt"
	"strings"
)

// checkValues range-checks the values of a Topology built in Go, which no
// decoder has read: the same limits a file gets, without positions.
func checkValues(t *Topology, e *errs) {
	if p := t.Traffic.Protocol; p != TCP && p != UDP {
		e.add(Pos{}, "traffic.protocol: %q is not tcp or udp", p)
	}
	if err := checkInterval(t.Traffic.Interval); err != nil {
		e.add(Pos{}, "traffic.interval: %v", err)
	}
	if n := t.Traffic.Size; n < 1 || n > MaxSize {
		e.add(Pos{}, "traffic.size: %d is out of range 1..%d bytes", n, MaxSize)
	}
	if err := t.Link.check(); err != nil {
		e.add(Pos{}, "link: %v", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	for i, l := range t.Links {
		if err := l.Impairment.check(); err != nil {
			e.add(l.Pos, "links[%d]: %v", i, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
	}
}

// maxDatagram is the largest UDP payload IPv4 carries.
const maxDatagram = 65507

// checkDatagramSize refuses a traffic size that cannot cross a datagram
// link. MaxSize holds for TCP point-to-point links, but a UDP datagram
// holds maxDatagram bytes, frame header included, and a node drops a larger
// frame as oversize. MaxDatagramPayload leaves room for the largest header.
func checkDatagramSize(t *Topology, e *errs) {
	n := t.Traffic.Size
	if n <= MaxDatagramPayload || n > MaxSize {
		return // fine, or reported already
	}
	why, alt := datagramCarrier(t)
	if why == "" {
		return
	}
	e.add(t.src.size, "traffic.size: %d bytes is too large for %s: a datagram holds %d bytes, frame header (names and path) included, and a larger frame is dropped as oversize; use at most %d bytes%s", n, why, maxDatagram, MaxDatagramPayload, alt)
}

// datagramCarrier says why frames of t travel as datagrams, and what to do
// instead; why is empty when they travel over TCP only.
func datagramCarrier(t *Topology) (why, alt string) {
	shared := -1
	if t.Layout == Custom {
		for i, l := range t.Links {
			if len(l.Endpoints) >= 3 {
				shared = i
				break
			}
		}
	}
	switch {
	case t.Layout == Bus:
		why = "layout bus, whose shared segment carries frames as UDP datagrams"
		alt = fmt.Sprintf(" (only point-to-point TCP links carry up to %d)", MaxSize)
	case t.Traffic.Protocol == UDP:
		why = "protocol udp"
		alt = ", or protocol tcp"
		if shared >= 0 {
			alt += " and point-to-point links only"
		}
		alt += fmt.Sprintf(" (TCP carries up to %d)", MaxSize)
	case shared >= 0:
		at := ""
		if p := t.Links[shared].Pos; p.Line > 0 {
			at = fmt.Sprintf(" (line %d)", p.Line)
		}
		why = fmt.Sprintf("the shared segment of links[%d]%s, which carries frames as UDP datagrams", shared, at)
		alt = fmt.Sprintf(", or split links[%d] into point-to-point links (TCP carries up to %d)", shared, MaxSize)
	}
	return why, alt
}
