package ui

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Timeouts of the HTTP server. A stream writes for as long as its page
// stays, so there is no server-wide write timeout: each write of a stream
// gets its own deadline (streamWrite), and every other answer one of its
// own (answerWrite), through http.ResponseController.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	answerWrite       = 2 * time.Minute // an action may wait for a fault's helpers on a busy engine
	streamWrite       = 15 * time.Second
)

// HTTPServer is an http.Server for the handler with the timeouts a server
// reachable by others needs: a client that sends its request slowly, or
// keeps an idle connection, is cut off.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{Handler: s.Handler(), ReadHeaderTimeout: s.timeouts.readHeader,
		ReadTimeout: s.timeouts.read, IdleTimeout: s.timeouts.idle}
}

type timeouts struct{ readHeader, read, idle, answer, stream time.Duration }

var defaultTimeouts = timeouts{readHeaderTimeout, readTimeout, idleTimeout, answerWrite, streamWrite}

// guard checks every request before it is served: the Host header names
// this server (a page of another site that rebinds its own name to this
// address gets 421), and each API request comes with the token when the
// server has one, and from this server's own page when it says where it
// comes from.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostOK(r.Host) {
			http.Error(w, fmt.Sprintf("this server answers to a loopback name or the address it listens on, not %q", r.Host),
				http.StatusMisdirectedRequest)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			if s.opts.Token != "" && subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("token")), []byte(s.opts.Token)) != 1 {
				http.Error(w, "this server answers only with its token (see the URL topo ui printed)", http.StatusForbidden)
				return
			}
			// A page of another site may open a stream or post to this
			// server from the same browser; its Origin gives it away.
			if o := r.Header.Get("Origin"); o != "" {
				if u, err := url.Parse(o); err != nil || u.Host != r.Host {
					http.Error(w, "this server answers its own page only", http.StatusForbidden)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hostOK reports whether a request's Host names this server: a loopback
// name or address, or the address it listens on. On every address
// (0.0.0.0, ::) that is any IP address or this machine's name: a page can
// rebind a name of its own to this machine, never an address, and beyond
// loopback the token guards the rest.
func (s *Server) hostOK(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return true
	}
	listen, _, err := net.SplitHostPort(s.opts.Addr)
	if err != nil || listen == "" {
		return false
	}
	lip := net.ParseIP(strings.Trim(listen, "[]"))
	if lip != nil && lip.IsUnspecified() {
		name, _ := os.Hostname()
		return ip != nil || (name != "" && strings.EqualFold(host, name))
	}
	return strings.EqualFold(host, strings.Trim(listen, "[]"))
}

// errElsewhere is a topology this server does not show: it was started
// for another (-t).
var errElsewhere = errors.New("this server shows another topology")

// scope is the topology a request acts on: the one the server was started
// for, whatever the request names; otherwise the one it names, never none
// (an empty name would reach every topology).
func (s *Server) scope(t string) (string, error) {
	if s.opts.Topology != "" {
		if t != "" && t != s.opts.Topology {
			return "", fmt.Errorf("topology %q: %w (%s)", t, errElsewhere, s.opts.Topology)
		}
		return s.opts.Topology, nil
	}
	if t == "" {
		return "", badRequest{errors.New("no topology named: add ?t=NAME")}
	}
	return t, nil
}

// client is who a stream belongs to, for the bound on streams: each client
// address has its own, so that nobody's streams can crowd out another's.
func client(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// takeStream reserves one of the client's streams; false when it has
// MaxPages open already.
func (s *Server) takeStream(who string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams[who] >= s.opts.MaxPages {
		return false
	}
	s.streams[who]++
	return true
}

func (s *Server) releaseStream(who string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams[who]--; s.streams[who] <= 0 {
		delete(s.streams, who)
	}
}
