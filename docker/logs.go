package docker

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/topo-dev/topo/engine"
)

// Logs streams a container's output with stdout and stderr merged into one
// stream of whole lines. With Follow it runs until ctx ends or the reader is
// closed; closing the reader always stops the stream.
func (c *Client) Logs(ctx context.Context, id string, opts engine.LogOptions) (io.ReadCloser, error) {
	op := fmt.Sprintf("logs of %q", id)
	// The stream outlives this call, so it gets no timeout of its own:
	// it ends with ctx or Close.
	sctx, stop := context.WithCancel(ctx)
	rc, err := c.api.ContainerLogs(sctx, id, logsOptions(opts))
	if err != nil {
		stop()
		return nil, wrap(op, err)
	}
	return demuxLines(ctx, sctx, stop, op, rc), nil
}

// multiplexed reports whether a log stream starts with the header of a
// multiplexed frame (stream 0, 1 or 2, then three zero bytes) rather than
// with a TTY container's raw text. Looking costs nothing; asking the
// engine whether the container has a TTY cost a call per log read, which
// status and readiness make for every node.
func multiplexed(head []byte) bool {
	return len(head) >= 8 && head[0] <= 2 && head[1] == 0 && head[2] == 0 && head[3] == 0
}

// demuxLines reads a log stream, multiplexed or a TTY's, as whole lines.
// The stream was opened on sctx, which stop cancels; ctx is the caller's,
// whose end is an error for the reader, where Close is a clean end.
func demuxLines(ctx, sctx context.Context, stop context.CancelFunc, op string, rc io.ReadCloser) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		defer rc.Close()
		var mu sync.Mutex
		out := &lineWriter{mu: &mu, w: pw}
		in := bufio.NewReader(rc)
		head, _ := in.Peek(8)
		var err error
		if !multiplexed(head) {
			_, err = io.Copy(out, in)
			out.Flush()
		} else {
			errw := &lineWriter{mu: &mu, w: pw}
			_, err = stdcopy.StdCopy(out, errw, in)
			out.Flush()
			errw.Flush()
		}
		if sctx.Err() != nil {
			// Ended by ctx or Close: a clean end for the reader, unless
			// the caller's own ctx ended it.
			err = ctx.Err()
		}
		if err != nil {
			err = fmt.Errorf("%s: %w", op, err)
		}
		pw.CloseWithError(err)
	}()
	return &logReader{PipeReader: pr, stop: stop}
}

func logsOptions(opts engine.LogOptions) container.LogsOptions {
	o := container.LogsOptions{
		ShowStdout: true,
		ShowStderr: true,
		Follow:     opts.Follow,
		Tail:       opts.Tail,
		Timestamps: opts.Timestamps,
	}
	if o.Tail == "" {
		o.Tail = "all"
	}
	if !opts.Since.IsZero() {
		ns := opts.Since.UnixNano()
		o.Since = strconv.FormatInt(ns/1e9, 10) + "." + fmt.Sprintf("%09d", ns%1e9)
	}
	return o
}

type logReader struct {
	*io.PipeReader
	stop context.CancelFunc
}

func (r *logReader) Close() error {
	r.stop()
	return r.PipeReader.Close()
}

// lineWriter passes on only whole lines, so that stdout and stderr lines
// never interleave mid-line. Writers sharing one destination share mu.
type lineWriter struct {
	mu  *sync.Mutex
	w   io.Writer
	buf []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	i := bytes.LastIndexByte(l.buf, '\n')
	if i < 0 {
		return len(p), nil
	}
	l.mu.Lock()
	_, err := l.w.Write(l.buf[:i+1])
	l.mu.Unlock()
	l.buf = append(l.buf[:0], l.buf[i+1:]...)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a last unterminated line, terminated.
func (l *lineWriter) Flush() {
	if len(l.buf) == 0 {
		return
	}
	l.buf = append(l.buf, '\n')
	l.mu.Lock()
	_, _ = l.w.Write(l.buf)
	l.mu.Unlock()
	l.buf = l.buf[:0]
}
