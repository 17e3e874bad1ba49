//go:build unix

package flock

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLockDirIsPrivate: lock files live in a directory only this user can
// write, and a symlink in a lock file's place is not followed.
func TestLockDirIsPrivate(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 || !ownedByUs(fi) {
		t.Errorf("lock dir %s: mode %v, want a directory of ours with mode 0700", dir, fi.Mode())
	}
	name := testName(t)
	target := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	if l, err := Open(name); err == nil {
		l.Close()
		t.Error("a symlink in a lock file's place was followed")
	}
}
