package orchestrator

import (
	"runtime/debug"
	"sync"
)

// module is topo's module path, to find its version among a program's
// dependencies when topo is used as a library.
const module = "github.com/topo-dev/topo"

// Version is the version of topo that creates resources (the topo.version
// label): the module's version as the build recorded it ("v1.2.0", or a
// pseudo-version of a commit), else "devel", with the commit when the build
// recorded one ("devel-0123456789ab", "+dirty" for uncommitted changes). It
// is read once: it cannot change while the process runs.
var Version = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return versionOf(bi)
})

// versionOf finds topo's version in a build's record.
func versionOf(bi *debug.BuildInfo) string {
	m := &bi.Main
	for _, d := range bi.Deps {
		if m.Path == module {
			break
		}
		if d.Path == module {
			m = d
		}
	}
	if m.Path == module {
		if m.Replace != nil {
			m = m.Replace
		}
		if m.Version != "" && m.Version != "(devel)" {
			return m.Version
		}
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if bi.Main.Path != module || rev == "" {
		return "devel"
	}
	return "devel-" + rev[:min(12, len(rev))] + dirty
}
