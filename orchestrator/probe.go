package orchestrator

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/topo-dev/topo/agent"
)

// Probe runs a probe from a node's network namespace (agent.VerbProbe):
// the node image's agent, in a helper that joins the namespace as nobody
// with no capability, for an agent node and a user's own image alike. It
// hands each sample to emit as the helper prints it, and returns when the
// run's duration is over, when ctx ends (the helper is removed either
// way), or when the helper cannot run.
func (o *Orchestrator) Probe(ctx context.Context, name, from string, req agent.ProbeRequest, emit func(agent.ProbeSample)) error {
	c, err := o.nodeContainer(ctx, name, from)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	image, err := o.NodeImage(ctx)
	if err != nil {
		return fmt.Errorf("probe from %s: %w", from, err)
	}
	spec := agentHelper(c, image, agent.ProbeCommand(req))
	spec.Name = c.Name + "-probe-" + newRunID()
	// The helper streams its samples (RunStream runs it on the node's
	// host, wherever that is); a reader turns lines into samples as they
	// come, and whatever else it prints is kept for the error.
	pr, pw := io.Pipe()
	var said []string
	read := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var s agent.ProbeSample
			if err := json.Unmarshal(sc.Bytes(), &s); err != nil || s.ID == "" {
				said = append(said, sc.Text())
				continue
			}
			emit(s)
		}
		_, _ = io.Copy(io.Discard, pr) // a line too long for the scanner must not block the helper
		read <- sc.Err()
	}()
	var errOut bytes.Buffer
	code, err := o.rt.RunStream(ctx, spec, pw, &errOut)
	pw.Close()
	if rerr := <-read; err == nil {
		err = rerr
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return fmt.Errorf("probe from %s: %w", from, err)
	case code != 0 || len(said) > 0:
		said = append(said, strings.TrimSpace(errOut.String()))
		return fmt.Errorf("probe from %s: exit %d: %s", from, code, clipEcho(strings.TrimSpace(strings.Join(said, "; "))))
	}
	return nil
}
