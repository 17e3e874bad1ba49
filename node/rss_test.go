package node

import "testing"

func TestParseVmRSS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Name:\ttopo-node\nVmPeak:\t  9000 kB\nVmRSS:\t    6144 kB\nVmData:\t 1 kB\n", 6144 * 1024, true},
		{"VmRSS: 0 kB", 0, true},
		{"Name:\tx\n", 0, false},
		{"VmRSS:\t12 MB\n", 0, false},
		{"VmRSS:\tlots kB\n", 0, false},
		{"VmRSS:\n", 0, false},
	} {
		got, ok := parseVmRSS([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseVmRSS(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if n := rssBytes(); n <= 0 {
		t.Errorf("rssBytes() = %d, want more than 0", n)
	}
}
