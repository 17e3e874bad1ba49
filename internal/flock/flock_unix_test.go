//go:build unix

package flock

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOpenWritableByAll: the lock file is shared with other users' topo,
// so the umask must not keep them out.
func TestOpenWritableByAll(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	name := testName(t)
	l, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fi, err := os.Stat(filepath.Join(os.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o666 {
		t.Errorf("lock file mode %v, want -rw-rw-rw-", fi.Mode().Perm())
	}
}
