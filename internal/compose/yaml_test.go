package compose

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestQuoteStyle(t *testing.T) {
	tests := []struct {
		in   string
		want yaml.Style
	}{
		{"topo-node:latest", 0},
		{"/run/topo:rw,noexec,nosuid,size=1m,uid=65534,gid=65534", 0},
		{"topo.topology", 0},
		{"no-new-privileges", 0},
		{"ALL", 0},
		// YAML 1.1 reads these as something other than a string.
		{"65534:65534", yaml.DoubleQuotedStyle}, // base 60
		{"12:30", yaml.DoubleQuotedStyle},
		{"yes", yaml.DoubleQuotedStyle},
		{"On", yaml.DoubleQuotedStyle},
		{"n", yaml.DoubleQuotedStyle},
		{"NULL", yaml.DoubleQuotedStyle},
		{"true", yaml.DoubleQuotedStyle},
		{"0755", yaml.DoubleQuotedStyle},
		{"2.4", yaml.DoubleQuotedStyle},
		{"10.210.0.2", yaml.DoubleQuotedStyle},
		{".inf", yaml.DoubleQuotedStyle},
		{"~", yaml.DoubleQuotedStyle},
		{"", yaml.DoubleQuotedStyle},
		// YAML syntax.
		{"-x", yaml.DoubleQuotedStyle},
		{"a: b", yaml.DoubleQuotedStyle},
		{"a #b", yaml.DoubleQuotedStyle},
		{"key:", yaml.DoubleQuotedStyle},
		{"*alias", yaml.DoubleQuotedStyle},
		{"$$HOME", yaml.DoubleQuotedStyle},
		{"two\nlines", yaml.DoubleQuotedStyle},
		{"tab\there", yaml.DoubleQuotedStyle},
		{"ünïcode", yaml.DoubleQuotedStyle},
		// JSON reads best single-quoted.
		{`{"a":"b"}`, yaml.SingleQuotedStyle},
		{`back\slash`, yaml.SingleQuotedStyle},
		{"{\"a\":\"\n\"}", yaml.DoubleQuotedStyle},
	}
	for _, tt := range tests {
		if got := quoteStyle(tt.in); got != tt.want {
			t.Errorf("quoteStyle(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestStrRoundTrip: every string reads back as itself with $ doubled.
func TestStrRoundTrip(t *testing.T) {
	for _, s := range []string{
		"plain", "yes", "65534:65534", "", " lead", "trail ", "it's", `"q"`, `a\b`, "a\nb",
		"$HOME", "$$", "${X:-y}", "# not a comment", "[x]", "{x}", "&a", "!tag", "%p", "@x", "`x`",
		"|", ">", "? x", "ünïcode ✓", "\x01ctl", "'single'",
	} {
		m := newMapping()
		m.str("k", s)
		out, err := encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m.node()}})
		if err != nil {
			t.Fatalf("encode %q: %v", s, err)
		}
		var back map[string]string
		if err := yaml.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q encodes as %q, which does not decode: %v", s, out, err)
		}
		if back["k"] != escape(s) {
			t.Errorf("%q encodes as %q, which reads back as %q", s, out, back["k"])
		}
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"no dollars": "no dollars",
		"$":          "$$",
		"$HOME":      "$$HOME",
		"${X}":       "$${X}",
		"$$":         "$$$$",
		"a$b$":       "a$$b$$",
	} {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}
