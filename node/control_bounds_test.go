package node_test

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/node"
	"github.com/topo-dev/topo/node/internal/control"
)

// The control channel reads a bounded request, refuses timeouts that would
// overflow or hold a slot for hours, and keeps answering stats while sends
// wait for receipts.
func TestControlBounds(t *testing.T) {
	t.Parallel()
	cfgs := p2pSpec("tcp", 2).configs()
	sock := filepath.Join(t.TempDir(), "control.sock")
	startConfigs(t, cfgs, []string{"p1"}, node.WithControlSocket(sock)) // p2 absent: sends wait
	cl := control.Client{Socket: sock}
	eventually(t, 10*time.Second, "the control socket", func() bool {
		_, err := cl.Stats(context.Background())
		return err == nil
	})

	// A request far over the bound: the agent answers "bad request" after
	// reading MaxControlRequest bytes, not the whole of it.
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		_, _ = conn.Write([]byte(`{"op":"send","to":"p2","text":"` + strings.Repeat("x", 4*control.MaxRequest) + `"}`))
	}()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var resp control.Response
	if err := json.NewDecoder(conn).Decode(&resp); err != nil || !strings.Contains(resp.Error, "bad request") {
		t.Errorf("oversized request: %+v, %v", resp, err)
	}

	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	if _, err := cl.Do(cctx, control.Request{Op: control.OpSend, To: "p2", Text: "x", Receipt: true, Timeout: 1 << 62}); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("a timeout of a century: %v, want it refused", err)
	}

	// Fill every send slot with a send that waits 10s, then ask for stats.
	var wg sync.WaitGroup
	busy := make(chan error, 40)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cl.Do(context.Background(), control.Request{Op: control.OpSend, To: "p2", Text: "x", Receipt: true, Timeout: 10 * 1e9})
			busy <- err
		}()
	}
	time.Sleep(500 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := cl.Stats(ctx); err != nil {
		t.Errorf("stats while sends wait: %v", err)
	}
	wg.Wait()
	close(busy)
	refused := 0
	for err := range busy {
		if err != nil && strings.Contains(err.Error(), "busy") {
			refused++
		}
	}
	if refused != 4 {
		t.Errorf("%d of 20 sends refused as busy, want 4 (16 may wait)", refused)
	}
}
