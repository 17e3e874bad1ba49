package topology

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCheckNameClipsTheEcho: a name of 5,000 characters is refused with
// its first 64 and "…", not repeated in full.
func TestCheckNameClipsTheEcho(t *testing.T) {
	tests := []struct {
		name, in string
		echo     string // what the message quotes
	}{
		{"short", "Bad_Name", `"Bad_Name"`},
		{"5000 characters", strings.Repeat("x", 5000), `"` + strings.Repeat("x", 64) + `…"`},
		{"multibyte", strings.Repeat("é", 100), `"` + strings.Repeat("é", 64) + `…"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckName(tt.in)
			if err == nil {
				t.Fatalf("CheckName accepted %.20q", tt.in)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.echo+" is not a valid topology name") {
				t.Errorf("message %.120q, want it to start with %.80q", msg, tt.echo)
			}
			if len(msg) > 300 || !utf8.ValidString(msg) {
				t.Errorf("message of %d bytes (valid UTF-8: %v)", len(msg), utf8.ValidString(msg))
			}
		})
	}
}
