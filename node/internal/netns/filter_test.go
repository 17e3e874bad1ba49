package netns

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
)

func TestParseFilter(t *testing.T) {
	f, err := ParseFilter("10.210.0.2,02:42:0A:d2:00:03,50")
	if err != nil {
		t.Fatal(err)
	}
	if f.Local != netip.MustParseAddr("10.210.0.2") || f.MAC.String() != "02:42:0a:d2:00:03" || f.Percent != 50 {
		t.Errorf("ParseFilter = %+v", f)
	}
	if got := f.String(); got != "drop 50% from 02:42:0a:d2:00:03 to 10.210.0.2" {
		t.Errorf("String() = %q", got)
	}
	// The form agent.FilterCommand writes.
	r := agent.FilterRule{Local: "10.210.0.2", PeerMAC: "02:42:0a:d2:00:03", Percent: 100}
	if f, err := ParseFilter(r.String()); err != nil || f.Rule != r {
		t.Errorf("ParseFilter(%q) = %+v, %v", r, f, err)
	}
	r = agent.FilterRule{Local: "10.210.0.2", PeerMAC: "02:42:0a:d2:00:03", Percent: 20, KeepPort: 7000}
	if f, err := ParseFilter(r.String()); err != nil || f.Rule != r || f.KeepPort != 7000 || r.String() != "10.210.0.2,02:42:0a:d2:00:03,20,7000" {
		t.Errorf("ParseFilter(%q) = %+v, %v", r, f, err)
	}
}

// TestParseFilterFraction: a loss below one percent (the file's 0.5%)
// reaches the kernel as such, not rounded to a whole percent.
func TestParseFilterFraction(t *testing.T) {
	r := agent.FilterRule{Local: "10.210.0.2", PeerMAC: "02:42:0a:d2:00:03", Percent: 0.5, KeepPort: 7000}
	f, err := ParseFilter(r.String())
	if err != nil || f.Percent != 0.5 || r.String() != "10.210.0.2,02:42:0a:d2:00:03,0.5,7000" {
		t.Errorf("ParseFilter(%q) = %+v, %v", r, f, err)
	}
	if got := f.String(); got != "drop 0.5% from 02:42:0a:d2:00:03 to 10.210.0.2" {
		t.Errorf("String() = %q", got)
	}
}

func TestParseFilterRejects(t *testing.T) {
	cases := []struct{ in, want string }{
		{"10.210.0.2,02:42:0a:d2:00:03", "want LOCAL,MAC,PERCENT"},
		{"10.210.0.2,02:42:0a:d2:00:03,50,7000,1", "want LOCAL,MAC,PERCENT[,PORT]"},
		{"10.210.0.2,02:42:0a:d2:00:03,100,7000", "on a rule below 100%"},
		{"10.210.0.2,02:42:0a:d2:00:03,50,0", "want 1 to 65535"},
		{"10.210.0.2,02:42:0a:d2:00:03,50,65536", "want 1 to 65535"},
		{"10.210.0.2,02:42:0a:d2:00:03,0", "want 0.0001 to 100"},
		{"10.210.0.2,02:42:0a:d2:00:03,101", "want 0.0001 to 100"},
		{"10.210.0.2,02:42:0a:d2:00:03,x", "want 0.0001 to 100"},
		{"10.210.0.2,02:42:0a:d2:00:03,NaN", "want 0.0001 to 100"},
		{"10.210.0.2,02:42:0a:d2:00:03,0.00001", "want 0.0001 to 100"},
		{"node-a,02:42:0a:d2:00:03,100", "local address"},
		{"fd00::1,02:42:0a:d2:00:03,100", "not an IPv4 unicast"},
		{"0.0.0.0,02:42:0a:d2:00:03,100", "not an IPv4 unicast"},
		{"224.0.0.1,02:42:0a:d2:00:03,100", "not an IPv4 unicast"},
		{"10.210.0.2,02-42-0a-d2-00-03,100", "colon-separated"},
		{"10.210.0.2,0242.0ad2.0003,100", "colon-separated"},
		{"10.210.0.2,02:42:0a:d2:00,100", "colon-separated"},
		{"10.210.0.2,2:42:a:d2:0:3,100", "colon-separated"},
		{"10.210.0.2,00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01,100", "colon-separated"},
		{"10.210.0.2,ff:ff:ff:ff:ff:ff,100", "group address"},
		{"10.210.0.2,01:00:5e:00:00:01,100", "group address"},
		{"10.210.0.2,00:00:00:00:00:00,100", "all zeros"},
	}
	for _, c := range cases {
		_, err := ParseFilter(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `filter rule "`+c.in+`"`) {
			t.Errorf("ParseFilter(%q) = %v; want an error naming it and saying %q", c.in, err, c.want)
		}
	}
}

func TestParseFilters(t *testing.T) {
	fs, err := ParseFilters([]string{"10.0.0.1,02:00:00:00:00:01,100", "10.0.0.1,02:00:00:00:00:02,10", "10.0.0.1,02:00:00:00:00:01,100"})
	if err != nil || len(fs) != 2 {
		t.Errorf("a repeated rule: %v, %v; want two rules", fs, err)
	}
	if fs, err := ParseFilters(nil); err != nil || len(fs) != 0 {
		t.Errorf("no rules: %v, %v", fs, err)
	}
	_, err = ParseFilters([]string{"bad", "10.0.0.1,02:00:00:00:00:01,100", "10.0.0.1,02:00:00:00:00:01,50", "10.0.0.1,02:00:00:00:00:0g,1"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`"bad"`, "filtered at 100% already", `"10.0.0.1,02:00:00:00:00:0g,1"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func mustFilters(t *testing.T, args ...string) []Filter {
	t.Helper()
	fs, err := ParseFilters(args)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestGroup(t *testing.T) {
	byAddr := map[netip.Addr]string{
		netip.MustParseAddr("10.0.1.2"): "eth1",
		netip.MustParseAddr("10.0.0.2"): "eth0",
		netip.MustParseAddr("10.0.0.9"): "eth0",
	}
	fs := mustFilters(t, "10.0.1.2,02:00:00:00:00:01,100", "10.0.0.2,02:00:00:00:00:02,30", "10.0.1.2,02:00:00:00:00:03,100")
	chains, err := Group(fs, byAddr)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range chains {
		for _, f := range c.Filters {
			got = append(got, c.Name()+" "+f.Rule.String())
		}
	}
	want := []string{"ingress_eth1 10.0.1.2,02:00:00:00:00:01,100", "ingress_eth1 10.0.1.2,02:00:00:00:00:03,100",
		"ingress_eth0 10.0.0.2,02:00:00:00:00:02,30"}
	if !slices.Equal(got, want) {
		t.Errorf("Group:\n got %q\nwant %q", got, want)
	}

	fs = mustFilters(t, "10.0.7.7,02:00:00:00:00:01,100", "10.0.0.2,02:00:00:00:00:02,30", "10.0.0.9,02:00:00:00:00:02,30")
	_, err = Group(fs, byAddr)
	for _, want := range []string{`filter rule "10.0.7.7,02:00:00:00:00:01,100": no interface has the address 10.0.7.7`,
		`filter rule "10.0.0.9,02:00:00:00:00:02,30": frames from 02:00:00:00:00:02 on eth0 are filtered by rule "10.0.0.2,02:00:00:00:00:02,30" already`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Group error %v; want %q", err, want)
		}
	}
}

func TestFilterBatch(t *testing.T) {
	const (
		begin = nfnlMsgBatchBegin
		end   = nfnlMsgBatchEnd
		nt    = nfnlSubsysNftables<<8 | nftMsgNewTable
		dt    = nfnlSubsysNftables<<8 | nftMsgDelTable
		nc    = nfnlSubsysNftables<<8 | nftMsgNewChain
		nr    = nfnlSubsysNftables<<8 | nftMsgNewRule
	)
	// No rules: the table goes, and the delete cannot fail for want of it.
	b, what := filterBatch(100, nil)
	if got := nlTypes(t, b, 100); !slices.Equal(got, []uint16{begin, nt, dt, end}) {
		t.Errorf("no rules: message types %#x", got)
	}
	if len(what) != 3 || what[2] != "delete table netdev topo" {
		t.Errorf("no rules: %q", what)
	}

	fs := mustFilters(t, "10.0.1.2,02:00:00:00:00:01,100", "10.0.0.2,02:00:00:00:00:02,30", "10.0.1.2,02:00:00:00:00:03,100")
	chains, err := Group(fs, map[netip.Addr]string{netip.MustParseAddr("10.0.1.2"): "eth1", netip.MustParseAddr("10.0.0.2"): "eth0"})
	if err != nil {
		t.Fatal(err)
	}
	b, what = filterBatch(7, chains)
	if got := nlTypes(t, b, 7); !slices.Equal(got, []uint16{begin, nt, dt, nt, nc, nr, nr, nc, nr, end}) {
		t.Errorf("message types %#x", got)
	}
	want := []string{
		"the nftables transaction", "create table netdev topo", "delete table netdev topo", "create table netdev topo",
		`filter rules "10.0.1.2,02:00:00:00:00:01,100" "10.0.1.2,02:00:00:00:00:03,100": ingress chain on eth1`,
		`filter rule "10.0.1.2,02:00:00:00:00:01,100" on eth1`,
		`filter rule "10.0.1.2,02:00:00:00:00:03,100" on eth1`,
		`filter rules "10.0.0.2,02:00:00:00:00:02,30": ingress chain on eth0`,
		`filter rule "10.0.0.2,02:00:00:00:00:02,30" on eth0`,
	}
	if !slices.Equal(what, want) {
		t.Errorf("what:\n got %q\nwant %q", what, want)
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"10.210.0.2,02:42:0a:d2:00:03,100", "1.2.3.4,aa:bb:cc:dd:ee:ff,1", ",,", "a,b,c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseFilter(s)
		if err != nil {
			return
		}
		if !r.Local.Is4() || len(r.MAC) != 6 || r.MAC[0]&1 != 0 || r.Percent < 1 || r.Percent > 100 {
			t.Fatalf("ParseFilter(%q) = %+v, accepted", s, r)
		}
		r2, err := ParseFilter(r.Local.String() + "," + r.MAC.String() + "," + r.Rule.String()[strings.LastIndex(r.Rule.String(), ",")+1:])
		if err != nil || r2.Local != r.Local || r2.MAC.String() != r.MAC.String() || r2.Percent != r.Percent {
			t.Fatalf("round trip of %q: %+v, %v", s, r2, err)
		}
	})
}
