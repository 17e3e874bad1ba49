//go:build !unix

package flock

// TryLock always succeeds where flock is missing: coordination is then
// best effort, and topo's retries cover what the lock would prevent.
func (l *File) TryLock(shared bool) (bool, error) { return true, nil }

// Unlock does nothing where flock is missing.
func (l *File) Unlock() {}
