package topology

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
	}{{"10mbit", 1e7}, {"1.5gbit", 15e8}, {"512kbit", 512000}, {"64000bit", 64000}, {"10Mbit", 1e7}, {"0", 0}} {
		got, err := ParseRate(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
		if back, _ := ParseRate(FormatRate(got)); back != got {
			t.Errorf("FormatRate(%d) = %q does not read back", got, FormatRate(got))
		}
	}
	for _, bad := range []string{"10mbps", "10", "fast", "-1mbit", "0.1bit", "1bit", "7999bit", "7.9kbit", "nanmbit", "1e30gbit"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q): want an error", bad)
		}
	}
	for _, tc := range []struct {
		in   string
		want float64
	}{{"0.5%", 0.005}, {"100%", 1}, {"0", 0}, {"0%", 0}} {
		if got, err := ParseLoss(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseLoss(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if got := FormatLoss(0.005); got != "0.5%" {
		t.Errorf("FormatLoss(0.005) = %q", got)
	}
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "0"}, {2 * time.Second, "2s"}, {1500 * time.Millisecond, "1500ms"}, {250 * time.Microsecond, "250us"}, {time.Minute, "60s"}, {7, "7ns"}} {
		if got := FormatDuration(tc.d); got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestHash(t *testing.T) {
	a, err := Parse("a.yaml", []byte("name: x\nlayout: star\nnodes: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("elsewhere/b.yaml", []byte("# same thing\nname: x\nlayout: star\nnodes: [hub, spoke1, spoke2]\ntraffic: {interval: 2s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() {
		t.Error("equivalent topologies hash differently")
	}
	if len(a.Hash()) != 64 {
		t.Errorf("hash %q is not hex sha256", a.Hash())
	}
	c, _ := Parse("a.yaml", []byte("name: x\nlayout: star\nnodes: 4\n"))
	if a.Hash() == c.Hash() {
		t.Error("different topologies hash the same")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "my-lab.yml")
	if err := os.WriteFile(f, []byte("layout: bus\nnodes: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	top, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if top.Name != "my-lab" || top.File != f {
		t.Errorf("name %q file %q", top.Name, top.File)
	}
	_, err = Load(filepath.Join(dir, "missing.yaml"))
	var list ErrorList
	if !errors.Is(err, os.ErrNotExist) || errors.As(err, &list) {
		t.Errorf("missing file: got %v, want a not-exist error that is not an ErrorList", err)
	}
	if _, err := Parse("", []byte("layout: bus\nnodes: 2\n")); err == nil || !strings.Contains(err.Error(), "set name:") {
		t.Errorf("no file and no name: got %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{"f.yaml", 3, 7, "bad"}, "f.yaml:3:7: bad"},
		{Error{"f.yaml", 0, 0, "bad"}, "f.yaml: bad"},
		{Error{"", 2, 1, "bad"}, "2:1: bad"},
		{Error{"", 0, 0, "bad"}, "bad"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	_, err := Parse("x.yaml", []byte("layout: star\nnodes: 1\ntraffic: {size: 0}\n"))
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 {
		t.Errorf("errors.As(*Error) = %v", e)
	}
}

func TestTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("layout: custom\nnodes: [a, b]\nlinks:\n")
	for i := range 150 {
		fmt.Fprintf(&b, "  - [a, x%d]\n", i)
	}
	_, err := Parse("many.yaml", []byte(b.String()))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != maxErrors+1 {
		t.Fatalf("got %d errors, want %d and a summary", len(list), maxErrors)
	}
	if got := list[maxErrors].Error(); got != "many.yaml: 50 more problems not shown: fix these first" {
		t.Errorf("last line %q", got)
	}
}
