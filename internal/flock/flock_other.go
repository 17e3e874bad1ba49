//go:build !unix

package flock

import "os"

// noFollow is not needed where the lock directory is not shared.
const noFollow = 0

// ownedByUs cannot be told here; the directory is the user's temp dir.
func ownedByUs(os.FileInfo) bool { return true }

// TryLock always succeeds where flock is missing: coordination is then
// best effort, and topo's retries cover what the lock would prevent.
func (l *File) TryLock(shared bool) (bool, error) { return true, nil }

// Unlock does nothing where flock is missing.
func (l *File) Unlock() {}
