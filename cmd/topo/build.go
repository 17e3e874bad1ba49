package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	topolib "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/internal/nodeimage"
)

func newBuildCmd(a *app) *cobra.Command {
	var opts nodeimage.Options
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build the node image and tag it " + nodeimage.LatestTag + ", for compose files",
		Long: `build compiles the node agent from the source inside topo (or from the
checkout $TOPO_SOURCE names) with the local Go toolchain, builds
the node image locally if it is missing or out of date (nothing is pulled),
and tags it ` + nodeimage.LatestTag + `, the image that compose files made by
` + "`topo export compose`" + ` run. It prints the image's tags.

topo up does not need it: it builds the image by content on its own.`,
		Example: `  topo build
  topo export compose topologies/star.yaml -o compose.yaml
  docker-compose up -d`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.build(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.GOARCH, "goarch", "", "build the agent for this architecture (default: the host's)")
	return cmd
}

func (a *app) build(ctx context.Context, opts nodeimage.Options) error {
	o, closeFn, err := a.open(ctx, false)
	defer closeFn()
	if err != nil {
		return err
	}
	rt := o.Runtime()
	if err := rt.Ping(ctx); err != nil {
		return err
	}
	opts.TagLatest = true
	opts.Source = topolib.AgentSource()
	opts.Logger = a.logger()
	opts.Progress = func(msg string) { fmt.Fprintln(a.stderr, msg) }
	ref, _, err := nodeimage.Ensure(ctx, rt, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, ref)
	if ref != nodeimage.LatestTag {
		fmt.Fprintln(a.stdout, nodeimage.LatestTag)
	}
	return nil
}
