package textdiff

import "testing"

func TestFirst(t *testing.T) {
	tests := []struct{ want, got, diff string }{
		{"a\nb", "a\nb", ""},
		{"a\nb", "a\nc", "line 2:\n  want: b\n  got:  c"},
		{"a", "a\nmore", "line 2:\n  want: \n  got:  more"},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\nx", "line 11:\n  want: 11\n  got:  x"},
	}
	for _, tt := range tests {
		if d := First(tt.want, tt.got); d != tt.diff {
			t.Errorf("First(%q, %q) = %q, want %q", tt.want, tt.got, d, tt.diff)
		}
	}
}
