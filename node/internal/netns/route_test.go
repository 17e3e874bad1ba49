package netns

import (
	"strings"
	"testing"
)

func TestParseRoute(t *testing.T) {
	r, err := ParseRoute("10.210.0.16/29=10.210.0.2")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.String(); got != "10.210.0.16/29 via 10.210.0.2" {
		t.Errorf("String() = %q", got)
	}
	if r, err := ParseRoute("0.0.0.0/0=192.168.1.1"); err != nil || r.To.Bits() != 0 {
		t.Errorf("default route: %v, %v", r, err)
	}
}

func TestParseRouteRejects(t *testing.T) {
	cases := []struct{ in, want string }{
		{"10.210.0.16/29", "want TO=VIA"},
		{"", "want TO=VIA"},
		{"10.210.0.16=10.210.0.2", "subnet"},
		{"10.210.0.16/33=10.210.0.2", "subnet"},
		{"10.210.0.17/29=10.210.0.2", "did you mean 10.210.0.16/29?"},
		{"fd00::/64=10.210.0.2", "not IPv4"},
		{"10.210.0.16/29=fd00::1", "not IPv4"},
		{"10.210.0.16/29=::ffff:10.210.0.2", "not IPv4"},
		{"10.210.0.16/29=router", "gateway"},
		{"10.210.0.16/29=", "gateway"},
		{"10.210.0.16/29=0.0.0.0", "not a unicast"},
		{"10.210.0.16/29=224.0.0.1", "not a unicast"},
		{"10.210.0.16/29=255.255.255.255", "not a unicast"},
	}
	for _, c := range cases {
		_, err := ParseRoute(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "route \""+c.in+"\"") {
			t.Errorf("ParseRoute(%q) = %v; want an error naming it and saying %q", c.in, err, c.want)
		}
	}
}

func TestParseRoutes(t *testing.T) {
	rs, err := ParseRoutes([]string{"10.1.0.0/24=10.0.0.1", "10.2.0.0/24=10.0.0.2", "10.1.0.0/24=10.0.0.1"})
	if err != nil || len(rs) != 2 {
		t.Errorf("a repeated route: %v, %v; want two routes", rs, err)
	}
	_, err = ParseRoutes([]string{"bad", "10.1.0.0/24=10.0.0.1", "10.1.0.0/24=10.0.0.9", "10.3.0.1/24=10.0.0.1"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`"bad"`, "via 10.0.0.1 already", "did you mean 10.3.0.0/24"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"10.210.0.16/29=10.210.0.2", "0.0.0.0/0=1.2.3.4", "a=b", "=", "1.2.3.4/32=::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRoute(s)
		if err != nil {
			return
		}
		if !r.To.Addr().Is4() || !r.Via.Is4() || r.To.Masked() != r.To {
			t.Fatalf("ParseRoute(%q) = %v, accepted", s, r)
		}
		if r2, err := ParseRoute(r.To.String() + "=" + r.Via.String()); err != nil || r2 != r {
			t.Fatalf("round trip of %q: %v, %v", s, r2, err)
		}
	})
}
