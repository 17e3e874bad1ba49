package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/livetest"
)

// TestIntegrationUICommand runs topo ui as a user does: it prints its URL,
// serves the page and the running topologies there, and stops at Ctrl-C.
// On an address beyond loopback the URL carries a token.
func TestIntegrationUICommand(t *testing.T) {
	livetest.Require(t)
	for _, tc := range []struct {
		addr      string
		wantToken bool
	}{{"127.0.0.1:0", false}, {"0.0.0.0:0", true}} {
		cmd := exec.Command(topoBinary(t), "ui", "--addr", tc.addr)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			t.Fatalf("topo ui printed nothing: %v", err)
		}
		url := strings.Fields(strings.TrimPrefix(line, "topo ui: "))[0]
		if strings.Contains(url, "token=") != tc.wantToken {
			t.Errorf("--addr %s: URL %s; token wanted: %v", tc.addr, url, tc.wantToken)
		}
		base := strings.Replace(url[:strings.LastIndex(url, "/")], "0.0.0.0", "127.0.0.1", 1)
		token := ""
		if i := strings.Index(url, "token="); i >= 0 {
			token = "?" + url[i:]
		}
		for _, c := range []struct {
			path, want string
			code       int
		}{{"/", "topo ui", 200}, {"/api/topologies" + token, "[", 200}} {
			r, err := http.Get(base + c.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if r.StatusCode != c.code || !strings.Contains(string(b), c.want) {
				t.Errorf("GET %s: %d %.80s", c.path, r.StatusCode, b)
			}
		}
		// Beyond loopback, what it shows needs the token; and it answers
		// only requests addressed to it.
		if tc.wantToken {
			if code := uiGet(t, base+"/api/topologies", ""); code != 403 {
				t.Errorf("--addr %s: GET /api/topologies without the token: %d, want 403", tc.addr, code)
			}
		}
		if code := uiGet(t, base+"/api/topologies"+token, "rebound.example.com"); code != 421 {
			t.Errorf("--addr %s: a request for Host rebound.example.com: %d, want 421", tc.addr, code)
		}
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("topo ui after Ctrl-C: %v, want exit 0", err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("topo ui did not stop within 10s of Ctrl-C")
		}
	}
}

// uiGet answers the status of a GET of url, with the Host header host when
// it is set.
func uiGet(t *testing.T, url, host string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	return r.StatusCode
}
