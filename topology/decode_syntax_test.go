package topology

import (
	"bytes"
	"testing"
)

// TestMisindented: the line an indentation mistake is on, and none where
// block scalars, flow collections over several lines, comments, anchors
// and sequences of mappings are indented as YAML allows.
func TestMisindented(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		from      int
		line, col int // 0: none found
	}{
		{"dedent between levels", "a:\n  b: 1\n c: 2\n", 1, 3, 2},
		{"deeper after a value", "a: 1\n  b: 2\n", 1, 2, 3},
		{"a sequence item's mapping", "l:\n  - x: 1\n    y: 2\n   z: 3\n", 1, 4, 4},
		{"a sequence item deeper than its mapping", "l:\n  - x: 1\n      y: 2\n", 1, 3, 7},
		{"comments and blank lines are not judged", "a:\n  b: 1\n\n      # deep\n# shallow\n  c: 2\n d: 3\n", 1, 7, 2},
		{"from: earlier lines are not reported", "a: 1\n  b: 2\nc: 3\n   d: 4\n", 3, 4, 4},
		{"all well", "a:\n  b: 1\n  c:\n    - x\n    - y: 1\n      z: 2\n    -\n      w: 3\nd: 4\n", 1, 0, 0},
		{"a block scalar", "a: |\n    any\n  thing\n     at all\nb: 1\n", 1, 0, 0},
		{"a block scalar with indicators", "a: >-\n   text\nb: 1\n", 1, 0, 0},
		{"a flow collection over lines", "a: [1,\n   2,\n 3]\nb: {x: 1,\n        y: 2}\nc: 1\n", 1, 0, 0},
		{"brackets in quotes and comments", "a: \"[\"  # [\nb: 1\n", 1, 0, 0},
		{"an anchor opens a block", "a: &x\n  b: 1\nc: *x\n", 1, 0, 0},
		{"a nested sequence", "a:\n- - 1\n  - 2\n- 3\n", 1, 0, 0},
		{"crlf", "a:\r\n  b: 1\r\n c: 2\r\n", 1, 3, 2},
	}
	for _, tt := range tests {
		line, col, why, ok := misindented(bytes.Split([]byte(tt.src), []byte("\n")), tt.from)
		if line != tt.line || col != tt.col || ok != (tt.line != 0) || ok && why == "" {
			t.Errorf("%s: line %d col %d (%q, %v), want line %d col %d", tt.name, line, col, why, ok, tt.line, tt.col)
		}
	}
}
