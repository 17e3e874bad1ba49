//go:build unix

package flock

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// noFollow keeps open from following a symlink in a lock file's place.
const noFollow = syscall.O_NOFOLLOW

// ownedByUs reports whether the file belongs to this process's user.
func ownedByUs(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}

// TryLock takes the lock, shared or exclusive, if it is free now.
func (l *File) TryLock(shared bool) (bool, error) {
	how := syscall.LOCK_EX
	if shared {
		how = syscall.LOCK_SH
	}
	err := syscall.Flock(int(l.f.Fd()), how|syscall.LOCK_NB)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		return false, nil
	}
	return false, fmt.Errorf("lock %s: %w", l.f.Name(), err)
}

// Unlock releases the lock.
func (l *File) Unlock() { _ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN) }
