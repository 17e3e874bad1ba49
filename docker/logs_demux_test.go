package docker

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/docker/docker/pkg/stdcopy"
)

// TestDemuxLines: a log stream is read as whole lines whether the engine
// multiplexed it (stdout and stderr in frames) or sent a TTY container's
// raw text, told apart by the stream's first bytes.
func TestDemuxLines(t *testing.T) {
	var mux bytes.Buffer
	_, _ = stdcopy.NewStdWriter(&mux, stdcopy.Stdout).Write([]byte("{\"msg\":\"one\"}\n{\"msg\":"))
	_, _ = stdcopy.NewStdWriter(&mux, stdcopy.Stdout).Write([]byte("\"two\"}\n"))
	_, _ = stdcopy.NewStdWriter(&mux, stdcopy.Stderr).Write([]byte("panic: no\n"))
	cases := []struct {
		name, in, want string
	}{
		{"multiplexed", mux.String(), "{\"msg\":\"one\"}\n{\"msg\":\"two\"}\npanic: no\n"},
		{"tty", "{\"msg\":\"one\"}\r\nlast", "{\"msg\":\"one\"}\r\nlast\n"},
		{"tty, short", "hi", "hi\n"},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, stop := context.WithCancel(context.Background())
			r := demuxLines(context.Background(), ctx, stop, "logs of x", io.NopCloser(bytes.NewBufferString(c.in)))
			defer r.Close()
			got, err := io.ReadAll(r)
			if err != nil || string(got) != c.want {
				t.Errorf("read %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
