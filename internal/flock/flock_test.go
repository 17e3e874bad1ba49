package flock

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testName returns a lock file name of t's own, removed when t ends.
func testName(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("topo-flock-test-%d.lock", time.Now().UnixNano())
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(filepath.Join(dir, name)) })
	return name
}

func TestExclusiveExcludes(t *testing.T) {
	name := testName(t)
	unlock, err := Exclusive(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	// A second holder (another open file description, as another process
	// would have) must wait, and give up when its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Exclusive(ctx, name); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second exclusive lock: %v, want to wait until the deadline", err)
	}
	unlock()
	unlock2, err := Exclusive(context.Background(), name)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	unlock2()
}

func TestSharedThenExclusive(t *testing.T) {
	name := testName(t)
	a, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	if err := a.Lock(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if err := b.Lock(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.TryLock(false); ok {
		t.Fatal("exclusive while another holds it shared")
	}
	b.Unlock()
	if ok, err := a.TryLock(false); !ok || err != nil {
		t.Fatalf("exclusive once the other let go: %v %v", ok, err)
	}
}

// TestOpenReadOnly: a lock file another user made, which this one may not
// write, is opened read only, and locks all the same.
func TestOpenReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), testName(t))
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var flags []int
	denyWrite := func(name string, flag int, perm fs.FileMode) (*os.File, error) {
		flags = append(flags, flag)
		if flag&(os.O_RDWR|os.O_WRONLY) != 0 {
			return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
		}
		return os.OpenFile(name, flag, perm)
	}
	l, err := open(path, denyWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if want := []int{os.O_CREATE | os.O_RDWR | noFollow, os.O_RDONLY | noFollow}; !slices.Equal(flags, want) {
		t.Errorf("open flags %v, want %v", flags, want)
	}
	if ok, err := l.TryLock(false); !ok || err != nil {
		t.Errorf("exclusive lock on a read-only file: %v, %v", ok, err)
	}

	// Other errors are not papered over.
	_, err = open(filepath.Join(t.TempDir(), "missing", "x.lock"), os.OpenFile)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open in a missing directory: %v", err)
	}
}

// TestNote: what one holder writes, the next one reads, from its own open
// file; a new note replaces the old one whole.
func TestNote(t *testing.T) {
	name := testName(t)
	a, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if note, err := a.Note(); err != nil || note != "" {
		t.Errorf("new lock file's note = %q, %v", note, err)
	}
	for _, note := range []string{"a longer note\n", "short\n", ""} {
		if err := a.SetNote(note); err != nil {
			t.Fatal(err)
		}
		b, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Note()
		b.Close()
		if err != nil || got != note {
			t.Errorf("Note = %q, %v; want %q", got, err, note)
		}
	}
}

// A wait for a lock another holder keeps is reported once and bounded.
func TestWaitIsVisibleAndBounded(t *testing.T) {
	name := testName(t)
	unlock, err := Exclusive(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	old := MaxWait
	MaxWait = 200 * time.Millisecond
	defer func() { MaxWait = old }()
	var told []string
	_, err = ExclusiveNotify(context.Background(), name, func(path string) { told = append(told, path) })
	if err == nil || !strings.Contains(err.Error(), "held by another topo process") {
		t.Errorf("a lock held past MaxWait: %v", err)
	}
	if len(told) != 1 || !strings.HasSuffix(told[0], name) {
		t.Errorf("waiting reported %v, want the lock's path once", told)
	}
}

// TestOpenRefusesANameThatLeavesDir: a lock name is a plain file name;
// one with a path in it is refused, and nothing outside Dir is created.
func TestOpenRefusesANameThatLeavesDir(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	escaped := fmt.Sprintf("topo-flock-escape-%d.lock", time.Now().UnixNano())
	outside := filepath.Join(filepath.Dir(dir), escaped)
	t.Cleanup(func() { _ = os.Remove(outside) })
	for _, name := range []string{"../" + escaped, "x/../../" + escaped, "a/b.lock", "..", ".", ""} {
		if l, err := Open(name); err == nil {
			l.Close()
			t.Errorf("Open(%q) opened %s, want it refused", name, l.f.Name())
		} else if !strings.Contains(err.Error(), "plain file name") {
			t.Errorf("Open(%q): %v, want a refusal of the name", name, err)
		}
	}
	if _, err := os.Stat(outside); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s was created outside the lock directory: %v", outside, err)
	}
}
