package node

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
)

// rssBytes is the resident memory of this process: VmRSS from
// /proc/self/status where there is one, else what the Go runtime has
// obtained from the OS, which bounds the heap, stacks and runtime data
// but not the text of the binary.
func rssBytes() int64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		if n, ok := parseVmRSS(b); ok {
			return n
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys)
}

// parseVmRSS finds the line "VmRSS:    1234 kB" and returns it in bytes.
func parseVmRSS(status []byte) (int64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil || kb < 0 {
			return 0, false
		}
		return kb * 1024, true
	}
	return 0, false
}
