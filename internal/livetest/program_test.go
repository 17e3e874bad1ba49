package livetest

import (
	"archive/tar"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestScratchContext reads back the build contexts of Busybox and
// Program's kind: every file, with its mode and bytes, in order.
func TestScratchContext(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []contextFile
	}{
		{"busybox", []contextFile{
			{"Dockerfile", 0o644, []byte("FROM scratch\nCOPY busybox /bin/busybox\nLABEL topo.busybox-test=\"t:1\"\n")},
			{"busybox", 0o755, []byte("\x7fELF")},
		}},
		{"program", []contextFile{
			{"Dockerfile", 0o644, []byte("FROM scratch\nCOPY forger /forger\nCMD [\"/forger\"]\n")},
			{"forger", 0o755, []byte("\x7fELF..")},
		}},
		{"empty file", []contextFile{{"Dockerfile", 0o644, nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := tar.NewReader(scratchContext(t, tc.files))
			var got []contextFile
			for {
				h, err := tr.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(tr)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, contextFile{h.Name, h.Mode, b})
			}
			if len(got) != len(tc.files) {
				t.Fatalf("got %d files, want %d", len(got), len(tc.files))
			}
			for i, f := range tc.files {
				g := got[i]
				if g.name != f.name || g.mode != f.mode || string(g.data) != string(f.data) {
					t.Errorf("file %d: %s %o %q, want %s %o %q", i, g.name, g.mode, g.data, f.name, f.mode, f.data)
				}
			}
		})
	}
	if b := busyboxContext(t, []byte("bin"), "tag:x"); !strings.Contains(b.String(), `LABEL topo.busybox-test="tag:x"`) {
		t.Error("the busybox context's Dockerfile does not carry the image's own label")
	}
}
