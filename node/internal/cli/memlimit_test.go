package cli

import (
	"runtime/debug"
	"testing"
	"testing/fstest"
)

func TestCgroupMemoryLimit(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		want int64
	}{
		{"v2", fstest.MapFS{cgroupV2Max: file("67108864\n")}, 64 << 20},
		{"v2 unlimited", fstest.MapFS{cgroupV2Max: file("max\n")}, 0},
		{"v1", fstest.MapFS{cgroupV1Max: file("67108864\n")}, 64 << 20},
		{"v1 unlimited", fstest.MapFS{cgroupV1Max: file("9223372036854771712\n")}, 0},
		{"v2 before v1", fstest.MapFS{cgroupV2Max: file("1048576"), cgroupV1Max: file("67108864")}, 1 << 20},
		{"garbage", fstest.MapFS{cgroupV2Max: file("lots")}, 0},
		{"none", fstest.MapFS{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cgroupMemoryLimit(tc.fs); got != tc.want {
				t.Errorf("limit %d, want %d", got, tc.want)
			}
		})
	}
}

// TestSetMemoryLimit gives the runtime 75% of a 64 MiB container, and
// leaves a GOMEMLIMIT alone.
func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	cg := fstest.MapFS{cgroupV2Max: &fstest.MapFile{Data: []byte("67108864\n")}}

	noEnv := func(string) string { return "" }
	if got, want := setMemoryLimit(noEnv, cg), int64(48<<20); got != want || debug.SetMemoryLimit(-1) != want {
		t.Errorf("limit %d (runtime: %d), want %d", got, debug.SetMemoryLimit(-1), want)
	}

	debug.SetMemoryLimit(100 << 20) // as GOMEMLIMIT=100MiB would have
	gomem := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "100MiB"
		}
		return ""
	}
	if got := setMemoryLimit(gomem, cg); got != 100<<20 || debug.SetMemoryLimit(-1) != 100<<20 {
		t.Errorf("with GOMEMLIMIT set: limit %d (runtime: %d), want it left at 100 MiB", got, debug.SetMemoryLimit(-1))
	}
}
