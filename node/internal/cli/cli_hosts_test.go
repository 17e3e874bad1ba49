package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

const dockerHosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" +
	"10.0.0.3\ts1\n10.0.0.3\tlab-s1\n10.0.0.11\ts2\n10.0.0.11\tlab-s2\n10.0.0.2\tlab-hub\n"

// A hosts file is rewritten with topo's lines for other nodes replaced,
// where they were, and every other line kept.
func TestRewriteHosts(t *testing.T) {
	for _, tc := range []struct {
		name, old string
		drop      []string
		entries   []hostEntry
		want      string
	}{
		{"a node added", dockerHosts, []string{"s1", "lab-s1", "s2", "lab-s2"},
			entries("s1:10.0.0.3", "lab-s1:10.0.0.3", "s2:10.0.0.11", "lab-s2:10.0.0.11", "s3:10.0.0.19", "lab-s3:10.0.0.19"),
			"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" +
				"10.0.0.3\ts1\n10.0.0.3\tlab-s1\n10.0.0.11\ts2\n10.0.0.11\tlab-s2\n10.0.0.19\ts3\n10.0.0.19\tlab-s3\n10.0.0.2\tlab-hub\n"},
		{"a node removed", dockerHosts, []string{"s2", "lab-s2"}, entries("s1:10.0.0.3", "lab-s1:10.0.0.3"),
			"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.3\ts1\n10.0.0.3\tlab-s1\n10.0.0.2\tlab-hub\n"},
		{"every node removed", dockerHosts, []string{"s1", "lab-s1", "s2", "lab-s2"}, nil,
			"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.2\tlab-hub\n"},
		{"none before, no final newline", "127.0.0.1\tlocalhost", nil, entries("s1:10.0.0.3"),
			"127.0.0.1\tlocalhost\n10.0.0.3\ts1\n"},
		{"a user's line naming one of ours and another stays", "10.0.0.3 s1 mine # comment\n10.0.0.3 s1\n", []string{"s1"}, entries("s1:10.0.0.4"),
			"10.0.0.3 s1 mine # comment\n10.0.0.4\ts1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rewriteHosts(tc.old, tc.drop, tc.entries); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func entries(args ...string) []hostEntry {
	out, err := parseHostEntries(args)
	if err != nil {
		panic(err)
	}
	return out
}

// The verb rewrites the file in place: a bind-mounted hosts file keeps its
// inode, which a file put in its stead would not.
func TestCliHostsRewritesInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(path, []byte(dockerHosts), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"hosts", "--file", path, "--drop", "s2,lab-s2", "--", "s1:10.0.0.3", "lab-s1:10.0.0.3"},
		func(string) string { return "" }, &out, &errOut)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	after, _ := os.Stat(path)
	got, _ := os.ReadFile(path)
	if want := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.3\ts1\n10.0.0.3\tlab-s1\n10.0.0.2\tlab-hub\n"; string(got) != want {
		t.Errorf("file:\n%s\nwant\n%s", got, want)
	}
	if !os.SameFile(before, after) {
		t.Error("the file was replaced, not rewritten in place")
	}
	if code := Main(context.Background(), []string{"hosts", "--file", path, "s1"}, func(string) string { return "" }, &out, &errOut); code != ExitUsage {
		t.Errorf("an entry without an address: exit %d, want %d", code, ExitUsage)
	}
}
