package livetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
)

// BusyboxPath is where Debian's busybox-static package puts its binary:
// nc, httpd, wget, ping, traceroute and ip in one static file.
const BusyboxPath = "/bin/busybox"

// Busybox builds an image of its own for t that holds only the static
// busybox, at /bin/busybox, to stand for a user's own software on a
// topology: run it as command [/bin/busybox, httpd, -f, -p, "8080"] and the
// like. The image is removed when t ends; call Busybox before bringing a
// topology up, so that the topology is down by then. Without busybox the
// test fails under CI=true (.ci/run installs busybox-static) and is
// skipped otherwise.
func Busybox(t testing.TB, rt engine.Runtime) string {
	t.Helper()
	Require(t)
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("livetest: %v; install Debian's busybox-static", err)
		}
		t.Skipf("livetest: %v; install Debian's busybox-static to run this test", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	tag := "topo-busybox-test:" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	buildImage(ctx, t, rt, busyboxContext(t, bin, tag), tag, "busybox-test")
	return tag
}

// busyboxContext is a build context with busybox and a Dockerfile that
// copies it into an empty image, labelled with its tag: the label makes each
// test's image its own, where the build cache would give every test the
// same image under another tag, and one test's removal of it would race
// with another's build.
func busyboxContext(t testing.TB, bin []byte, tag string) *bytes.Buffer {
	t.Helper()
	return scratchContext(t, []contextFile{
		{"Dockerfile", 0o644, []byte("FROM scratch\nCOPY busybox /bin/busybox\nLABEL topo.busybox-test=\"" + tag + "\"\n")},
		{"busybox", 0o755, bin},
	})
}
