package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/topo-dev/topo/orchestrator"
)

// A dry run on a running topology prints the operations one a line, says
// on stderr when up would refuse them, and gives them typed with -o json.
func TestDryRunChange(t *testing.T) {
	recreate := orchestrator.Operation{Op: orchestrator.OpRecreate, On: orchestrator.OnNode, Name: "web",
		Fields: []orchestrator.FieldChange{{Field: "command"}}, Text: "! recreate node web: command changed"}
	add := orchestrator.Operation{Op: orchestrator.OpAdd, On: orchestrator.OnNode, Name: "client2", Text: "+ node client2"}
	for _, tc := range []struct {
		name           string
		c              orchestrator.Change
		stdout, stderr string
	}{
		{"applies", orchestrator.Change{Name: "cs", File: "/cs.yaml", Operations: []orchestrator.Operation{recreate}},
			"! recreate node web: command changed\n", "dry run: cs runs; nothing was changed\n"},
		{"added in place", orchestrator.Change{Name: "cs", File: "/cs.yaml", Operations: []orchestrator.Operation{add}, Reconfigure: []string{"server"}},
			"+ node client2\n", "dry run: cs runs; nothing was changed\n"},
		{"refused", orchestrator.Change{Name: "cs", File: "/cs.yaml", Operations: []orchestrator.Operation{add}, Refused: []string{"the layout changed from star to ring"}},
			"+ node client2\n", "up would refuse this: it cannot be applied in place: the layout changed"},
		{"nothing", orchestrator.Change{Name: "cs", File: "/cs.yaml"},
			"cs runs as /cs.yaml plans it; up would change nothing\n", "dry run: cs runs"},
		{"in part", orchestrator.Change{Name: "cs", File: "/cs.yaml", Completes: []string{"+ node client1"}},
			"+ node client1\n", "dry run: cs runs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			a := &app{stdout: &out, stderr: &errOut}
			if err := a.dryRunChange(&tc.c, "text"); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.stdout || !strings.HasPrefix(errOut.String(), tc.stderr) {
				t.Errorf("stdout %q, stderr %q; want %q, and stderr to start %q", out.String(), errOut.String(), tc.stdout, tc.stderr)
			}
			out.Reset()
			if err := a.dryRunChange(&tc.c, "json"); err != nil {
				t.Fatal(err)
			}
			var got struct {
				Running    bool                     `json:"running"`
				Applies    bool                     `json:"applies"`
				Name       string                   `json:"name"`
				Operations []orchestrator.Operation `json:"operations"`
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			if !got.Running || got.Applies != tc.c.Applies() || got.Name != "cs" || len(got.Operations) != len(tc.c.Operations) {
				t.Errorf("-o json: %s", out.String())
			}
		})
	}
}
