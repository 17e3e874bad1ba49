package cli

import (
	"bytes"
	"io/fs"
	"runtime/debug"
	"strconv"
)

// memoryLimitPercent is the share of its container's memory limit that the
// agent gives the Go runtime as its soft limit: the collector works harder
// as the heap nears it, leaving the rest for the binary, stacks and what
// the runtime has not yet returned, so that the agent is not OOM-killed.
const memoryLimitPercent = 75

// Where a cgroup's memory limit is read, relative to the root: cgroup v2,
// then v1. Inside a container the agent's own cgroup is mounted there.
const (
	cgroupV2Max = "sys/fs/cgroup/memory.max"
	cgroupV1Max = "sys/fs/cgroup/memory/memory.limit_in_bytes"
)

// cgroupUnlimited is where cgroup v1 reports a limit that is not set (it
// says 9223372036854771712, the largest multiple of the page size).
const cgroupUnlimited = 1 << 62

// cgroupMemoryLimit is the memory limit of the cgroup the process runs in,
// read from root, or 0 when there is none or it cannot be read.
func cgroupMemoryLimit(root fs.FS) int64 {
	for _, p := range []string{cgroupV2Max, cgroupV1Max} {
		b, err := fs.ReadFile(root, p)
		if err != nil {
			continue
		}
		s := string(bytes.TrimSpace(b))
		if s == "max" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= cgroupUnlimited {
			return 0
		}
		return n
	}
	return 0
}

// setMemoryLimit gives the Go runtime a soft memory limit that fits the
// container: memoryLimitPercent of its cgroup's limit, unless GOMEMLIMIT
// is set, which the runtime has applied already. It returns the limit in
// force, or 0 when there is none.
func setMemoryLimit(env Env, root fs.FS) int64 {
	if env("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1)
	}
	limit := cgroupMemoryLimit(root)
	if limit <= 0 {
		return 0
	}
	soft := int64(float64(limit) * memoryLimitPercent / 100)
	debug.SetMemoryLimit(soft)
	return soft
}
