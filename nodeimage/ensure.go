package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/topo-dev/topo/orchestrator"
)

// Ensure makes sure the node image for the current agent source exists in
// the engine and returns its reference. It compiles the agent (cheap when
// unchanged), and builds the image only when no image has its content tag;
// built says whether it did.
func Ensure(ctx context.Context, rt orchestrator.Runtime, opts Options) (ref string, built bool, err error) {
	im, err := Build(ctx, opts)
	if err != nil {
		return "", false, err
	}
	exists, err := rt.ImageExists(ctx, im.Tag)
	if err != nil {
		return "", false, fmt.Errorf("node image %s: %w", im.Tag, err)
	}
	if exists && opts.TagLatest {
		exists, err = latestIs(ctx, rt, im)
		if err != nil {
			return "", false, err
		}
	}
	if exists {
		opts.progress("node image " + im.Tag + " is up to date")
		return im.Tag, false, nil
	}
	tags := []string{im.Tag}
	if opts.TagLatest {
		tags = append(tags, LatestTag)
	}
	opts.progress("building node image " + im.Tag)
	bctx, err := im.Context()
	if err != nil {
		return "", false, err
	}
	if err := rt.BuildImage(ctx, bctx, tags, im.Labels); err != nil {
		return "", false, fmt.Errorf("node image: %w", err)
	}
	opts.progress("built node image " + im.Tag)
	return im.Tag, true, nil
}

// latestIs reports whether LatestTag already names the image with im's
// content. When it does not, rebuilding with both tags moves it (the
// engine's build cache makes that cheap).
func latestIs(ctx context.Context, rt orchestrator.Runtime, im *Image) (bool, error) {
	list, err := rt.ListImages(ctx, map[string]string{LabelContent: im.Hash})
	if err != nil {
		return false, fmt.Errorf("node image: %w", err)
	}
	for _, info := range list {
		if slices.Contains(info.Tags, LatestTag) {
			return true, nil
		}
	}
	return false, nil
}

// Remove removes every node image (labelled topo.image=node) that no
// container uses. Images in use, or removed meanwhile by someone else, are
// skipped silently, so tests running in parallel may all call it.
func Remove(ctx context.Context, rt orchestrator.Runtime) error {
	images, err := rt.ListImages(ctx, map[string]string{orchestrator.LabelImage: ImageKind})
	if err != nil {
		return fmt.Errorf("remove node images: %w", err)
	}
	if len(images) == 0 {
		return nil
	}
	containers, err := rt.ListContainers(ctx, nil)
	if err != nil {
		return fmt.Errorf("remove node images: %w", err)
	}
	inUse := map[string]bool{}
	for _, c := range containers {
		inUse[c.Image] = true
	}
	var errs []error
	for _, im := range images {
		if inUse[im.ID] || slices.ContainsFunc(im.Tags, func(t string) bool { return inUse[t] }) {
			continue
		}
		// Removing every tag removes the image; an untagged one goes by ID.
		refs := im.Tags
		if len(refs) == 0 {
			refs = []string{im.ID}
		}
		for _, ref := range refs {
			err := rt.RemoveImage(ctx, ref)
			if err != nil && !errors.Is(err, orchestrator.ErrConflict) && !errors.Is(err, orchestrator.ErrNotFound) {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove node images: %w", err)
	}
	return nil
}
