package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/internal/ui"
)

type uiFlags struct {
	ref, addr string
	open      bool
}

func newUICmd(a *app) *cobra.Command {
	var f uiFlags
	cmd := &cobra.Command{
		Use:   "ui [-t T] [--addr HOST:PORT] [--open]",
		Short: "Watch a running topology live in a browser, and act on it",
		Long: `ui serves a page that draws a running topology as its layout has it and
shows its traffic live: each message travelling hop by hop, the ring's token,
drops where they happen with their reason, each node's state and counters.
Click a node for its addresses, neighbours, counters and log; send a message,
cut or restore a link, stop or restart a node from the page.

It listens on loopback unless --addr says otherwise; then everything it
answers (what it shows, its live stream, its actions) needs the token that
the printed URL carries. It answers only to requests addressed to a loopback
name or to the address it listens on. With -t it shows and acts on that
topology alone; without -t, and with several topologies running, the page
lets you pick one. Everything it serves is inside the topo binary. ui never
changes a topology by itself; Ctrl-C stops it.`,
		Example: "  topo up topologies/ring.yaml && topo ui\n  topo ui -t star --addr 127.0.0.1:8080 --open",
		Args:    args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serveUI(cmd.Context(), f)
		},
	}
	topologyFlag(a, cmd, &f.ref)
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:7070", "listen on this address")
	cmd.Flags().BoolVar(&f.open, "open", false, "open the page in the desktop's browser")
	return cmd
}

func (a *app) serveUI(ctx context.Context, f uiFlags) error {
	o, closeFn, err := a.open(ctx, false)
	defer closeFn()
	if err != nil {
		return err
	}
	name := ""
	if f.ref != "" {
		if name, err = o.Resolve(ctx, f.ref); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("ui: %w", err)
	}
	// The server shows only the topology -t names, and answers only to a
	// Host header that names it.
	opts := ui.Options{Topology: name, Addr: ln.Addr().String()}
	if !loopback(ln.Addr()) {
		opts.Token = newToken()
	}
	page := pageURL(ln.Addr().String(), name, opts.Token)
	fmt.Fprintf(a.stdout, "topo ui: %s (Ctrl-C stops it)\n", page)
	if f.open {
		_ = exec.Command("xdg-open", page).Start()
	}
	us := ui.New(o, opts)
	srv := us.HTTPServer()
	go func() {
		<-ctx.Done()
		us.Close()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ui: %w", err)
	}
	return nil
}

func loopback(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

func pageURL(addr, name, token string) string {
	u := url.URL{Scheme: "http", Host: addr, Path: "/"}
	q := url.Values{}
	if name != "" {
		q.Set("t", name)
	}
	if token != "" {
		q.Set("token", token)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
