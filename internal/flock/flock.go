// Package flock coordinates topo processes on one machine through advisory
// locks on files in the temporary directory: concurrent ups planning
// subnets, concurrent builds of the node image, and test packages sharing
// that image.
package flock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// File is an open lock file.
type File struct {
	f *os.File
}

// Open opens (creating it if need be) the lock file name in the
// temporary directory. Every user's topo shares it, so it is made writable
// by all; one another user made before that was done, or that the system
// will not let us open for writing (fs.protected_regular), is opened read
// only: flock needs no more.
func Open(name string) (*File, error) {
	return open(filepath.Join(os.TempDir(), name), os.OpenFile)
}

// open is Open with the file system call passed in, for tests.
func open(path string, openFile func(string, int, fs.FileMode) (*os.File, error)) (*File, error) {
	f, err := openFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err == nil {
		// The umask took some of 0666 away; put it back, for other users.
		// Only the owner can, so a failure is no news.
		_ = f.Chmod(0o666)
		return &File{f: f}, nil
	}
	if errors.Is(err, fs.ErrPermission) {
		f, rerr := openFile(path, os.O_RDONLY, 0)
		if rerr == nil {
			return &File{f: f}, nil
		}
	}
	return nil, fmt.Errorf("lock %s: %w", path, err)
}

// Lock waits until it holds the lock, shared or exclusive, or ctx ends.
func (l *File) Lock(ctx context.Context, shared bool) error {
	for {
		ok, err := l.TryLock(shared)
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
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
	l, err := Open(name)
	if err != nil {
		return nil, err
	}
	if err := l.Lock(ctx, false); err != nil {
		l.Close()
		return nil, err
	}
	return func() { l.Close() }, nil
}
