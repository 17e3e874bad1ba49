// Package flock coordinates a user's topo processes on one machine through
// advisory locks on files in a directory of that user's own (Dir):
// concurrent ups creating networks, concurrent builds of the node image,
// and test packages sharing that image. The directory is private, so no
// other user can hold a lock to stall topo or plant a symlink in its place,
// and every wait is bounded (MaxWait) and can be reported (ExclusiveNotify).
package flock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File is an open lock file.
type File struct {
	f *os.File
}

// MaxWait bounds every wait for a lock: a holder that keeps a lock longer
// is stuck, and the error says which file to look at.
var MaxWait = 3 * time.Minute

// Dir is the directory of the lock files: topo-<uid> in the temporary
// directory, made private to this user. It refuses one that is a symlink,
// is not a directory, or belongs to another user.
func Dir() (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("topo-%d", os.Getuid()))
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("lock dir %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("lock dir %s: %w", dir, err)
	}
	if !fi.IsDir() || !ownedByUs(fi) {
		return "", fmt.Errorf("lock dir %s is not a directory of this user's; remove it", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return "", fmt.Errorf("lock dir %s: %w", dir, err)
		}
	}
	return dir, nil
}

// Open opens (creating it if need be) the lock file name in Dir, without
// following a symlink. One the system will not let us open for writing is
// opened read only: flock needs no more.
func Open(name string) (*File, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	path, err := inDir(dir, name)
	if err != nil {
		return nil, err
	}
	return open(path, os.OpenFile)
}

// inDir is the path of the lock file name in dir. Names are built from
// topology names, so anything but a plain file name is refused: a name
// must never lead out of dir.
func inDir(dir, name string) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || name != filepath.Base(name) {
		return "", fmt.Errorf("lock file name %q: want a plain file name", name)
	}
	return filepath.Join(dir, name), nil
}

// open is Open with the file system call passed in, for tests.
func open(path string, openFile func(string, int, fs.FileMode) (*os.File, error)) (*File, error) {
	f, err := openFile(path, os.O_CREATE|os.O_RDWR|noFollow, 0o600)
	if err == nil {
		return &File{f: f}, nil
	}
	if errors.Is(err, fs.ErrPermission) {
		f, rerr := openFile(path, os.O_RDONLY|noFollow, 0)
		if rerr == nil {
			return &File{f: f}, nil
		}
	}
	return nil, fmt.Errorf("lock %s: %w", path, err)
}

// Lock waits until it holds the lock, shared or exclusive, or ctx ends,
// or MaxWait has passed.
func (l *File) Lock(ctx context.Context, shared bool) error {
	return l.lock(ctx, shared, nil)
}

// lock is Lock that calls waiting once, when the lock is not free at once.
func (l *File) lock(ctx context.Context, shared bool, waiting func(path string)) error {
	deadline := time.Now().Add(MaxWait)
	for first := true; ; first = false {
		ok, err := l.TryLock(shared)
		if err != nil || ok {
			return err
		}
		if first && waiting != nil {
			waiting(l.f.Name())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lock %s: held by another topo process for more than %v; if none runs, remove the file", l.f.Name(), MaxWait)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for lock %s: %w", l.f.Name(), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Close releases the lock and closes the file.
func (l *File) Close() error {
	l.Unlock()
	return l.f.Close()
}

// Note returns the lock file's content: what a holder of the lock left
// with SetNote for those who come after.
func (l *File) Note() (string, error) {
	b, err := io.ReadAll(io.NewSectionReader(l.f, 0, maxNote))
	if err != nil {
		return "", fmt.Errorf("lock %s: %w", l.f.Name(), err)
	}
	return string(b), nil
}

// SetNote replaces the lock file's content. Hold the lock exclusively. It
// fails on a file Open could only open read only.
func (l *File) SetNote(note string) error {
	if len(note) > maxNote {
		return fmt.Errorf("lock %s: note of %d bytes, more than %d", l.f.Name(), len(note), maxNote)
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("lock %s: %w", l.f.Name(), err)
	}
	if _, err := l.f.WriteAt([]byte(note), 0); err != nil {
		return fmt.Errorf("lock %s: %w", l.f.Name(), err)
	}
	return nil
}

// maxNote bounds a note: a line or two, not a data store.
const maxNote = 4096

// Exclusive opens the lock file name and waits for it exclusively. The
// returned func releases it.
func Exclusive(ctx context.Context, name string) (func(), error) {
	return ExclusiveNotify(ctx, name, nil)
}

// ExclusiveNotify is Exclusive that calls waiting, once, with the lock
// file's path when another process holds it, so that a wait can be shown.
func ExclusiveNotify(ctx context.Context, name string, waiting func(path string)) (func(), error) {
	l, err := Open(name)
	if err != nil {
		return nil, err
	}
	if err := l.lock(ctx, false, waiting); err != nil {
		l.Close()
		return nil, err
	}
	return func() { l.Close() }, nil
}
