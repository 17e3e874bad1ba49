// Package textdiff tells where two texts part, for tests that compare
// output with a golden file.
package textdiff

import (
	"strconv"
	"strings"
)

// First returns the first line where want and got differ, numbered from 1,
// or "" when they are the same.
func First(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + a + "\n  got:  " + b
		}
	}
	return ""
}
