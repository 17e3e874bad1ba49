package topology

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadRefusesWhatIsNotATopologyFile: a device, a directory or a file
// over MaxFileSize is refused before it is read, in one line that says why.
func TestLoadRefusesWhatIsNotATopologyFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: 50 MB on paper, nothing on disk; read whole, it took 3.7 GB.
	if err := f.Truncate(50 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tests := []struct{ name, path, want string }{
		{"directory", dir, "is a directory"},
		{"too large", big, "larger than 4 MiB"},
	}
	if st, err := os.Stat("/dev/zero"); err == nil && st.Mode()&os.ModeDevice != 0 {
		tests = append(tests, struct{ name, path, want string }{"device", "/dev/zero", "is not a regular file"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path)
			if !errors.Is(err, ErrBadFile) {
				t.Fatalf("Load(%s) = %v, want ErrBadFile", tt.path, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("Load(%s): %q, want one line with %q", tt.path, msg, tt.want)
			}
		})
	}
}

// TestLoadAcceptsAFileUpToTheLimit: the bound is not a regression for a
// real file, and a file exactly at the limit is read.
func TestLoadAcceptsAFileUpToTheLimit(t *testing.T) {
	src := "layout: star\nnodes: 3\n"
	path := filepath.Join(t.TempDir(), "lab.yaml")
	pad := strings.Repeat("#\n", (MaxFileSize-len(src))/2)
	if err := os.WriteFile(path, []byte(src+pad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatalf("Load of a %d-byte file: %v", len(src)+len(pad), err)
	}
}
