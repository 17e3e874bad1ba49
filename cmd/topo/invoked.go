package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// invokedAs is how the user started topo, for the commands topo suggests:
// "go run ./cmd/topo" under go run from the checkout, the bare name when
// that is what the shell finds, else the path as typed.
func invokedAs(arg0 string, lookPath func(string) (string, error), isDir func(string) bool) string {
	if arg0 == "" {
		return "topo"
	}
	// go run builds into a temporary go-build directory.
	if strings.Contains(filepath.ToSlash(arg0), "/go-build") {
		if isDir(filepath.Join("cmd", "topo")) {
			return "go run ./cmd/topo"
		}
		return "go run github.com/topo-dev/topo/cmd/topo"
	}
	if !strings.ContainsRune(arg0, filepath.Separator) {
		return arg0
	}
	base := filepath.Base(arg0)
	if found, err := lookPath(base); err == nil && sameFile(found, arg0) {
		return base
	}
	return arg0
}

func sameFile(a, b string) bool {
	x, errA := os.Stat(a)
	y, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(x, y)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// selfName is invokedAs for this process.
func selfName() string { return invokedAs(os.Args[0], exec.LookPath, isDir) }
