package livetest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/flock"
)

// swarmLock is held exclusively while a test has made the engine a swarm,
// and shared by tests that swarm mode's coming and going would break.
const swarmLock = "topo-swarm.lock"

// NoSwarmChange keeps the engine from entering or leaving swarm mode, by
// another test package's Swarm, until t ends. A test whose networks are
// attachable needs it: docker-compose 1.x makes every network attachable,
// and an engine leaving a swarm disconnects every container from every
// attachable network (seen: a compose test's nodes lost their addresses
// in the middle of it, while the root package's swarm test left).
func NoSwarmChange(t testing.TB) {
	t.Helper()
	holdSwarmLock(t, true)
}

func holdSwarmLock(t testing.TB, shared bool) {
	t.Helper()
	l, err := flock.Open(swarmLock)
	if err != nil {
		t.Fatalf("livetest: %v", err)
	}
	if err := l.Lock(context.Background(), shared); err != nil {
		_ = l.Close()
		t.Fatalf("livetest: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
}

// Swarm makes the local engine a single-node swarm for t, with `docker
// swarm init --advertise-addr 127.0.0.1`, and registers, before anything
// else can fail, the cleanup that leaves it again and removes the
// docker_gwbridge and ingress networks that swarm mode left behind. A
// swarm that was active before t is the user's: t uses it and leaves it
// be. Swarm mode is global to the engine, so t should be short. When the
// engine refuses swarm mode, t is skipped with the engine's reason, except
// under CI=true, where that fails it. Call Swarm before registering any
// cleanup that needs the swarm, so that those run first.
func Swarm(t testing.TB) {
	t.Helper()
	Require(t)
	if _, err := exec.LookPath("docker"); err != nil {
		refuse(t, "the docker command is needed to init a swarm: "+err.Error())
	}
	state, err := dockerCmd("info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}")
	if err != nil {
		t.Fatalf("livetest: docker info: %v", err)
	}
	switch state {
	case "active true":
		return // the user's own swarm, and a manager: use it, keep it
	case "inactive false":
	default:
		refuse(t, "the engine is in swarm state "+state+", neither off nor a manager")
	}
	holdSwarmLock(t, false) // released after the leave: cleanups run last in, first out
	_, hadBridge := dockerCmd("network", "inspect", "docker_gwbridge")
	t.Cleanup(func() { leaveSwarm(t, hadBridge == nil) })
	if _, err := dockerCmd("swarm", "init", "--advertise-addr", "127.0.0.1"); err != nil {
		refuse(t, "docker swarm init: "+err.Error())
	}
}

// leaveSwarm leaves the swarm Swarm made, and removes the networks swarm
// mode creates (docker_gwbridge, unless it was there before). A swarm left
// while its tasks are still being taken down leaves the engine with
// endpoints it never frees (docker_gwbridge then cannot be removed until
// the daemon restarts), so every service goes first, and their tasks.
func leaveSwarm(t testing.TB, keepBridge bool) {
	if ids, err := dockerCmd("service", "ls", "-q"); err == nil && ids != "" {
		if _, err := dockerCmd(append([]string{"service", "rm"}, strings.Fields(ids)...)...); err != nil {
			t.Errorf("livetest: %v", err)
		}
	}
	for range 120 { // Swarm takes a task down some 6 s after its service goes
		left, err := dockerCmd("ps", "-aq", "--filter", "label=com.docker.swarm.task.id")
		if err != nil || left == "" {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if _, err := dockerCmd("swarm", "leave", "--force"); err != nil && !strings.Contains(err.Error(), "not part of a swarm") {
		t.Errorf("livetest: docker swarm leave: %v", err)
	}
	nets := []string{"ingress"}
	if !keepBridge {
		nets = append(nets, "docker_gwbridge")
	}
	for _, n := range nets {
		if _, err := dockerCmd("network", "inspect", n); err != nil {
			continue // gone, as it should be
		}
		var err error
		for range 20 { // the engine frees its endpoints a moment after it left
			if _, err = dockerCmd("network", "rm", n); err == nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("livetest: remove network %s that swarm mode left: %v", n, err)
		}
	}
}

// refuse skips t, or fails it under CI=true.
func refuse(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("livetest: swarm mode is needed in CI (CI=true): %s", why)
	}
	t.Skipf("livetest: the engine refuses swarm mode, swarm tests skipped: %s", why)
}

// dockerCmd runs the docker command and returns its trimmed output; its
// error carries what it printed on stderr.
func dockerCmd(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", &cmdError{args: args, err: err, stderr: strings.TrimSpace(errOut.String())}
	}
	return strings.TrimSpace(out.String()), nil
}

type cmdError struct {
	args   []string
	err    error
	stderr string
}

func (e *cmdError) Error() string {
	return "docker " + strings.Join(e.args, " ") + ": " + e.err.Error() + ": " + e.stderr
}

func (e *cmdError) Unwrap() error { return e.err }
