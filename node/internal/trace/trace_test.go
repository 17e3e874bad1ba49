package trace

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// ans is an answer of a kind, from an address, after rtt.
func ans(k kind, from netip.Addr, rtt time.Duration) answer {
	return answer{kind: k, from: from, rtt: rtt}
}

// path is a made-up route: the answer to each TTL, from 1.
func path(answers ...answer) prober {
	return func(_ context.Context, _ netip.Addr, ttl int, _ time.Duration) (answer, error) {
		if ttl > len(answers) {
			return answer{kind: silent}, nil
		}
		return answers[ttl-1], nil
	}
}

func TestRun(t *testing.T) {
	to := netip.MustParseAddr("10.0.0.9")
	r1, r2 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.1.1")
	src := netip.MustParseAddr("10.0.0.5")
	ms := time.Millisecond
	silence := answer{kind: silent}
	cases := []struct {
		name  string
		o     Options
		p     prober
		want  string
		isErr bool
	}{
		{"two routers, then there", Options{}, path(ans(timeExceeded, r1, 1500*time.Microsecond), ans(timeExceeded, r2, 2*ms), ans(portUnreach, to, 3*ms)),
			`{"to":"10.0.0.9","hops":[{"ttl":1,"addr":"10.0.0.1","rtt_ms":1.5},{"ttl":2,"addr":"10.0.1.1","rtt_ms":2},{"ttl":3,"addr":"10.0.0.9","rtt_ms":3}],"reached":true}`, false},
		{"a silent hop", Options{}, path(answer{kind: silent}, ans(portUnreach, to, ms)),
			`{"to":"10.0.0.9","hops":[{"ttl":1},{"ttl":2,"addr":"10.0.0.9","rtt_ms":1}],"reached":true}`, false},
		{"all silent, up to max hops", Options{MaxHops: 3}, path(),
			`{"to":"10.0.0.9","hops":[{"ttl":1},{"ttl":2},{"ttl":3}],"reached":false}`, false},
		{"host unreachable ends it", Options{}, path(ans(timeExceeded, r1, ms), ans(unreachable, r2, ms)),
			`{"to":"10.0.0.9","hops":[{"ttl":1,"addr":"10.0.0.1","rtt_ms":1},{"ttl":2,"addr":"10.0.1.1","rtt_ms":1}],"reached":false,"stop":{"addr":"10.0.1.1","why":"unreachable"}}`, false},
		// Across a cut link: the hub drops the probes it cannot pass on
		// until its neighbour entry fails, then answers unreachable: not a
		// hop again (a loop, to the eye), the place the trace stops.
		{"the hub again, unreachable", Options{}, path(ans(timeExceeded, r1, ms), silence, silence, silence, silence, silence, silence,
			answer{kind: unreachable, from: r1, rtt: ms, why: "host unreachable", local: src}),
			`{"to":"10.0.0.9","hops":[{"ttl":1,"addr":"10.0.0.1","rtt_ms":1}],"reached":false,"stop":{"addr":"10.0.0.1","why":"host unreachable"}}`, false},
		{"the source itself, unreachable", Options{}, path(silence, silence, silence, silence, silence, silence, silence, silence,
			answer{kind: unreachable, from: src, rtt: ms, why: "host unreachable", local: src}),
			`{"to":"10.0.0.9","hops":[],"reached":false,"stop":{"addr":"10.0.0.5","why":"host unreachable"}}`, false},
		{"a probe fails", Options{}, func(_ context.Context, _ netip.Addr, ttl int, _ time.Duration) (answer, error) {
			if ttl == 2 {
				return answer{}, errors.New("network is unreachable")
			}
			return ans(timeExceeded, r1, ms), nil
		}, `{"to":"10.0.0.9","hops":[{"ttl":1,"addr":"10.0.0.1","rtt_ms":1}],"reached":false}`, true},
		{"too many hops", Options{MaxHops: 256}, path(), `{"to":"10.0.0.9","hops":[],"reached":false}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := run(context.Background(), to, c.o, c.p)
			if (err != nil) != c.isErr {
				t.Errorf("error %v, want one: %v", err, c.isErr)
			}
			b, _ := json.Marshal(res)
			if string(b) != c.want {
				t.Errorf("got  %s\nwant %s", b, c.want)
			}
		})
	}
}

func TestRunIPv6(t *testing.T) {
	if _, err := run(context.Background(), netip.MustParseAddr("fd00::1"), Options{}, path()); err == nil {
		t.Error("IPv6: no error")
	}
	res, err := run(context.Background(), netip.MustParseAddr("::ffff:10.0.0.9"), Options{MaxHops: 1}, path())
	if err != nil || res.To != "10.0.0.9" {
		t.Errorf("IPv4-mapped: %+v, %v", res, err)
	}
}

// A router whose ICMP rate limit swallowed the first probe answers the
// second: the hop is named, not silent.
func TestSilentHopGetsASecondProbe(t *testing.T) {
	router, to := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.1.2")
	calls := map[int]int{}
	p := func(_ context.Context, _ netip.Addr, ttl int, _ time.Duration) (answer, error) {
		calls[ttl]++
		switch {
		case ttl == 1 && calls[ttl] == 1:
			return answer{kind: silent}, nil
		case ttl == 1:
			return ans(timeExceeded, router, time.Millisecond), nil
		}
		return ans(portUnreach, to, time.Millisecond), nil
	}
	res, err := run(context.Background(), to, Options{}, p)
	if err != nil || !res.Reached || len(res.Hops) != 2 || res.Hops[0].Addr != router.String() || calls[1] != 2 || calls[2] != 1 {
		t.Errorf("trace %+v, %v; probes per ttl %v", res, err, calls)
	}
}
