package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// closedPort is a local TCP and UDP port that nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestTry(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, "Thank you for connecting")
	}))
	defer web.Close()
	webAddr := strings.TrimPrefix(web.URL, "http://")
	closed := closedPort(t)
	for _, c := range []struct {
		name   string
		target agent.ProbeTarget
		ok     bool
		err    string
	}{
		{"tcp open", agent.ProbeTarget{Kind: agent.ProbeTCP, Addr: l.Addr().String()}, true, ""},
		{"tcp closed", agent.ProbeTarget{Kind: agent.ProbeTCP, Addr: closed}, false, "refused"},
		{"udp closed", agent.ProbeTarget{Kind: agent.ProbeUDP, Addr: closed}, false, "refused"},
		{"http ok", agent.ProbeTarget{Kind: agent.ProbeHTTP, Addr: webAddr, Path: "/", Body: "Thank you"}, true, ""},
		{"http body", agent.ProbeTarget{Kind: agent.ProbeHTTP, Addr: webAddr, Path: "/", Body: "goodbye"}, false, `body without "goodbye"`},
		{"http status", agent.ProbeTarget{Kind: agent.ProbeHTTP, Addr: webAddr, Path: "/missing"}, false, "status 404, want 200"},
		{"http status wanted", agent.ProbeTarget{Kind: agent.ProbeHTTP, Addr: webAddr, Path: "/missing", Status: 404}, true, ""},
		{"http closed", agent.ProbeTarget{Kind: agent.ProbeHTTP, Addr: closed, Path: "/"}, false, "refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.target.ID = "x"
			s := Try(context.Background(), c.target, 2*time.Second)
			if s.OK != c.ok || s.Err != c.err || s.ID != "x" {
				t.Errorf("got ok %v err %q, want ok %v err %q", s.OK, s.Err, c.ok, c.err)
			}
			if s.At.IsZero() || s.Latency <= 0 {
				t.Errorf("sample without its time: %+v", s)
			}
		})
	}
}

// A silent UDP port is no answer, an echo is reached, and a TCP dial
// that goes nowhere fails with its reason.
func TestTryTimeout(t *testing.T) {
	// 192.0.2.0/24 is TEST-NET-1: nothing answers there.
	s := Try(context.Background(), agent.ProbeTarget{Kind: agent.ProbeTCP, Addr: "192.0.2.1:80"}, 200*time.Millisecond)
	if s.OK || s.Err == "" {
		t.Errorf("tcp to nowhere: %+v, want a failure with its reason", s)
	}
	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	s = Try(context.Background(), agent.ProbeTarget{Kind: agent.ProbeUDP, Addr: u.LocalAddr().String()}, 100*time.Millisecond)
	if s.OK || s.Err != "no answer" {
		t.Errorf("udp to a silent open port: %+v, want no answer", s)
	}
	go func() { // an echo
		buf := make([]byte, 64)
		for {
			n, from, err := u.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = u.WriteTo(buf[:n], from)
		}
	}()
	s = Try(context.Background(), agent.ProbeTarget{Kind: agent.ProbeUDP, Addr: u.LocalAddr().String()}, time.Second)
	if !s.OK {
		t.Errorf("udp to an echo: %+v, want ok", s)
	}
}

// A run tries each target at the interval for the duration and prints
// one JSON sample a line.
func TestMain(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	req := agent.ProbeRequest{
		Targets:  []agent.ProbeTarget{{ID: "a", Kind: agent.ProbeTCP, Addr: l.Addr().String()}, {ID: "b", Kind: agent.ProbeTCP, Addr: closedPort(t)}},
		Interval: 50 * time.Millisecond, Timeout: time.Second, Duration: 300 * time.Millisecond,
	}
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), agent.ProbeCommand(req)[2:], &out, &errOut); code != agent.ExitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	count := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var s agent.ProbeSample
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if s.OK != (s.ID == "a") {
			t.Errorf("sample %+v", s)
		}
		count[s.ID]++
	}
	// 300 ms at 50 ms: 7 tries each on an idle machine; a busy one may
	// miss ticks, never add them.
	for _, id := range []string{"a", "b"} {
		if count[id] < 2 || count[id] > 7 {
			t.Errorf("%d tries of %s, want 2 to 7", count[id], id)
		}
	}
}

func TestBadRequest(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "want one argument"},
		{[]string{"{"}, "request:"},
		{[]string{`{"targets":[],"interval":1000000000,"timeout":1000000000,"duration":1000000000}`}, "0 targets"},
		{[]string{`{"targets":[{"id":"x","kind":"tcp"}],"interval":1,"timeout":1000000000,"duration":1000000000}`}, "interval"},
		{[]string{`{"targets":[{"id":"x","kind":"sctp"}],"interval":1000000000,"timeout":1000000000,"duration":1000000000}`}, `kind "sctp"`},
	} {
		var out, errOut bytes.Buffer
		if code := Main(context.Background(), c.args, &out, &errOut); code != agent.ExitUsage || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%q: exit %d, %q; want %d and %q", c.args, code, errOut.String(), agent.ExitUsage, c.want)
		}
	}
}
