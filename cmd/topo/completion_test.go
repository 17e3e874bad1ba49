package main

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

// TestCompleteArgs: the commands that take node names complete them, from
// the topology -t names, each once where several are taken.
func TestCompleteArgs(t *testing.T) {
	var asked []string
	nodes := func(_ context.Context, ref string) ([]string, error) {
		asked = append(asked, ref)
		if ref == "gone" {
			return nil, errors.New("not running")
		}
		return []string{"hub", "spoke1", "spoke2"}, nil
	}
	a, _ := testApp()
	root := newRootCmd(a)
	find := func(name string) *cobra.Command {
		for _, c := range root.Commands() {
			if c.Name() == name {
				return c
			}
		}
		t.Fatalf("no command %s", name)
		return nil
	}
	all := []string{"hub", "spoke1", "spoke2"}
	tests := []struct {
		cmd  string
		args []string
		ref  string
		want []string
		dir  cobra.ShellCompDirective
	}{
		{"send", nil, "", all, cobra.ShellCompDirectiveNoFileComp},
		{"send", []string{"hub"}, "star", all, cobra.ShellCompDirectiveNoFileComp},
		{"send", []string{"hub", "spoke1"}, "", nil, cobra.ShellCompDirectiveNoFileComp}, // the text
		{"exec", nil, "", all, cobra.ShellCompDirectiveNoFileComp},
		{"exec", []string{"hub"}, "", nil, cobra.ShellCompDirectiveNoFileComp},
		{"logs", []string{"spoke1"}, "", []string{"hub", "spoke2"}, cobra.ShellCompDirectiveNoFileComp},
		{"trace", []string{"spoke1"}, "", all, cobra.ShellCompDirectiveNoFileComp},
		{"link", []string{"hub", "spoke1"}, "", []string{"down", "up"}, cobra.ShellCompDirectiveNoFileComp},
		{"node", nil, "", []string{"stop", "start", "restart", "kill", "pause", "unpause"}, cobra.ShellCompDirectiveNoFileComp},
		{"node", []string{"stop", "hub"}, "", []string{"spoke1", "spoke2"}, cobra.ShellCompDirectiveNoFileComp},
		{"send", nil, "gone", nil, cobra.ShellCompDirectiveError},
	}
	for _, tt := range tests {
		c := find(tt.cmd)
		if c.ValidArgsFunction == nil {
			t.Errorf("%s completes no arguments", tt.cmd)
			continue
		}
		complete := completeArgs(argShapes[tt.cmd], nodes)
		if err := c.Flags().Set("topology", tt.ref); err != nil {
			t.Fatal(err)
		}
		asked = nil
		got, dir := complete(c, tt.args, "")
		if !slices.Equal(got, tt.want) || dir != tt.dir {
			t.Errorf("%s %q: %q, %v; want %q, %v", tt.cmd, tt.args, got, dir, tt.want, tt.dir)
		}
		if len(asked) > 0 && asked[0] != tt.ref {
			t.Errorf("%s -t %q asked for the nodes of %q", tt.cmd, tt.ref, asked[0])
		}
	}
}
