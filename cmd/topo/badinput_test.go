package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckRef(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lab.yaml")
	if err := os.WriteFile(file, []byte("layout: p2p\nnodes: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref  string
		want string // "" when accepted
	}{
		{"", ""},
		{"lab", ""},
		{"lab-7", ""},
		{file, ""},
		{dir, "is a directory"},
		{"/dev/zero", "is not a regular file"},
		{"x/../../name", "x/../../name: no such file, and not a topology name"},
		{"../name", "no such file, and not a topology name"},
		{"missing.yaml", "missing.yaml: no such file"},
		{"Lab", `"Lab" is not a valid topology name`},
		{strings.Repeat("a", 100), `"` + strings.Repeat("a", 64) + `…"`},
		{strings.Repeat("a/", 100), strings.Repeat("a/", 32) + "…: no such file"},
	}
	for _, tt := range tests {
		err := checkRef(tt.ref)
		var ue usageError
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("checkRef(%.40q): %v, want it accepted", tt.ref, err)
		case tt.want != "" && (!errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("checkRef(%.40q): %v, want a usage error with %q", tt.ref, err, tt.want)
		}
	}
}

func TestCheckUpTimeout(t *testing.T) {
	tests := []struct {
		changed bool
		d       time.Duration
		want    string
	}{
		{false, 0, ""},
		{true, 5 * time.Minute, ""},
		{true, time.Second, ""},
		{true, time.Nanosecond, "too short"},
		{true, 999 * time.Millisecond, "too short"},
		{true, 0, "must be positive"},
		{true, -time.Second, "must be positive"},
	}
	for _, tt := range tests {
		err := checkUpTimeout(tt.changed, tt.d)
		var ue usageError
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("--timeout %v: %v, want it accepted", tt.d, err)
		case tt.want != "" && (!errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("--timeout %v: %v, want a usage error with %q", tt.d, err, tt.want)
		}
	}
}

func TestClipLong(t *testing.T) {
	long := strings.Repeat("n", 5000)
	tests := []struct{ in, want string }{
		{"read topology: stat " + long + ": file name too long", "read topology: stat " + long[:64] + "…: file name too long"},
		{`no such node "` + long + `"; its nodes are a, b`, `no such node "` + long[:64] + `…"; its nodes are a, b`},
		{"a path of 256 " + strings.Repeat("p", 256) + " stays", "a path of 256 " + strings.Repeat("p", 256) + " stays"},
		{"ok", "ok"},
	}
	for _, tt := range tests {
		if got := clipLong(tt.in); got != tt.want {
			t.Errorf("clipLong(%.40q…) = %.120q, want %.120q", tt.in, got, tt.want)
		}
	}
}
