package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/topo-dev/topo/engine"
)

// ImageExists reports whether ref is present locally.
func (c *Client) ImageExists(ctx context.Context, ref string) (bool, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	_, err := c.api.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	return false, wrap(fmt.Sprintf("inspect image %q", ref), err)
}

// BuildImage builds an image with the classic builder from a tar context
// with a Dockerfile at its root. It never pulls: the Dockerfile must start
// FROM scratch or from an image that is already local. When an image the
// build relies on (a cached step, or the result before it is tagged) is
// removed meanwhile by someone else, the error wraps ErrNotFound, and
// building again is the remedy.
func (c *Client) BuildImage(ctx context.Context, buildContext io.Reader, tags []string, labels map[string]string) error {
	op := "build image " + strings.Join(tags, ",")
	ctx, cancel := context.WithTimeout(ctx, c.buildTimeout)
	defer cancel()
	resp, err := c.api.ImageBuild(ctx, buildContext, build.ImageBuildOptions{
		Tags:        tags,
		Labels:      labels,
		Dockerfile:  "Dockerfile",
		Remove:      true,
		ForceRemove: true,
		PullParent:  false,
		Version:     build.BuilderV1,
	})
	if err != nil {
		return wrap(op, err)
	}
	defer resp.Body.Close()
	if err := c.readBuildStream(resp.Body); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		if vanished(err) {
			return wrapAs(op, engine.ErrNotFound, err)
		}
		return wrap(op, err)
	}
	return nil
}

// readBuildStream reads the build's JSON messages to the end, logging the
// output at debug level, and returns the first error the build reported.
func (c *Client) readBuildStream(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read build output: %w", err)
		}
		if m.Error != nil {
			return m.Error
		}
		if s := strings.TrimSpace(m.Stream); s != "" {
			c.log.Debug("docker build", "output", s)
		}
	}
}

// vanished reports whether a build failed because an image it relied on
// was removed in mid-build.
func vanished(err error) bool {
	for _, s := range []string{"failed to get digest", "no such image", "unrecognized image", "imagedb/content"} {
		if containsFold(err.Error(), s) {
			return true
		}
	}
	return false
}

// RemoveImage removes an image reference (untagging it, and deleting the
// image when no tag is left). ErrConflict when a container uses it.
func (c *Client) RemoveImage(ctx context.Context, ref string) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	_, err := c.api.ImageRemove(ctx, ref, image.RemoveOptions{Force: false, PruneChildren: true})
	op := fmt.Sprintf("remove image %q", ref)
	if err != nil && sentinelFor(err) == nil && containsFold(err.Error(), "unrecognized image") {
		// An ID removed meanwhile, as the engine reports it.
		return wrapAs(op, engine.ErrNotFound, err)
	}
	return wrap(op, err)
}

// ListImages lists local images carrying every label given.
func (c *Client) ListImages(ctx context.Context, labels map[string]string) ([]engine.ImageInfo, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	list, err := c.api.ImageList(ctx, image.ListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, wrap("list images", err)
	}
	out := make([]engine.ImageInfo, 0, len(list))
	for _, im := range list {
		var tags []string
		for _, t := range im.RepoTags {
			if t != "<none>:<none>" {
				tags = append(tags, t)
			}
		}
		out = append(out, engine.ImageInfo{ID: im.ID, Tags: tags, Labels: im.Labels})
	}
	return out, nil
}

// labelFilters turns labels into engine filters: key=value, or just key
// (present with any value) when the value is empty.
func labelFilters(labels map[string]string) filters.Args {
	args := filters.NewArgs()
	for k, v := range labels {
		if v == "" {
			args.Add("label", k)
			continue
		}
		args.Add("label", k+"="+v)
	}
	return args
}
