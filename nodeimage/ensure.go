package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/topo-dev/topo/orchestrator"
)

// Ensure makes sure the node image for the current agent source exists in
// the engine and returns the reference to run it by: its content tag, or
// its hold tag when Options.Hold is set. It compiles the agent (cheap when
// unchanged), and builds the image only when its tags are missing; built
// says whether it did.
func Ensure(ctx context.Context, rt orchestrator.Runtime, opts Options) (ref string, built bool, err error) {
	im, err := Build(ctx, opts)
	if err != nil {
		return "", false, err
	}
	// The hold tag goes first: the engine applies tags in order, and a held
	// image is safe from a concurrent Remove.
	ref = im.Tag
	var tags []string
	if opts.Hold != "" {
		ref = HoldTag(opts.Hold)
		tags = append(tags, ref)
	}
	tags = append(tags, im.Tag)
	if opts.TagLatest {
		tags = append(tags, LatestTag)
	}
	exists, err := tagged(ctx, rt, im, tags)
	if err != nil {
		return "", false, fmt.Errorf("node image %s: %w", im.Tag, err)
	}
	if exists {
		opts.progress("node image " + im.Tag + " is up to date")
		return ref, false, nil
	}
	// Building again when only a tag is missing is cheap: the engine's
	// build cache has every step. A Remove elsewhere (another test
	// package, say) can delete a cached step in mid-build, or the image in
	// the moment between its build and its tagging, so a build that lost
	// an image is done again, and so is one whose tag names nothing; a few
	// times at most.
	const attempts = 3
	for i := range attempts {
		opts.progress("building node image " + im.Tag)
		bctx, err := im.Context()
		if err != nil {
			return "", false, err
		}
		err = rt.BuildImage(ctx, bctx, tags, im.Labels)
		if errors.Is(err, orchestrator.ErrNotFound) && i+1 < attempts {
			// An image the build relied on was removed meanwhile.
			if opts.Logger != nil {
				opts.Logger.Debug("node image build lost an image to a removal; building again", "err", err)
			}
			continue
		}
		if err != nil {
			return "", false, fmt.Errorf("node image: %w", err)
		}
		ok, err := rt.ImageExists(ctx, ref)
		if err != nil {
			return "", false, fmt.Errorf("node image %s: %w", ref, err)
		}
		if ok {
			opts.progress("built node image " + im.Tag)
			return ref, true, nil
		}
		if opts.Logger != nil {
			opts.Logger.Debug("node image removed while it was built", "tag", ref, "attempt", i+1)
		}
	}
	return "", false, fmt.Errorf("node image %s: removed while it was built, %d times", ref, attempts)
}

// tagged reports whether every tag names an image with im's content.
func tagged(ctx context.Context, rt orchestrator.Runtime, im *Image, tags []string) (bool, error) {
	if len(tags) == 1 {
		return rt.ImageExists(ctx, tags[0])
	}
	list, err := rt.ListImages(ctx, map[string]string{LabelContent: im.Hash})
	if err != nil {
		return false, err
	}
	var have []string
	for _, info := range list {
		have = append(have, info.Tags...)
	}
	for _, t := range tags {
		if !slices.Contains(have, t) {
			return false, nil
		}
	}
	return true, nil
}

// Release drops a hold taken with Options.Hold (ref is what Ensure
// returned) and then removes every node image that is neither used nor
// held, as Remove does. The last holder to release an image removes it.
func Release(ctx context.Context, rt orchestrator.Runtime, ref string) error {
	if !strings.HasPrefix(ref, holdPrefix) {
		return fmt.Errorf("release node image: %q is not a hold tag", ref)
	}
	if err := rt.RemoveImage(ctx, ref); err != nil && !ignorable(err) {
		return fmt.Errorf("release node image: %w", err)
	}
	return Remove(ctx, rt)
}

// Remove removes every node image (labelled topo.image=node) that no
// container uses and nobody holds. Images in use, or removed meanwhile by
// someone else, are skipped silently.
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
		if inUse[im.ID] || slices.ContainsFunc(im.Tags, func(t string) bool {
			return inUse[t] || strings.HasPrefix(t, holdPrefix)
		}) {
			continue
		}
		// Removing every tag removes the image; an untagged one goes by ID.
		refs := im.Tags
		if len(refs) == 0 {
			refs = []string{im.ID}
		}
		for _, ref := range refs {
			if err := rt.RemoveImage(ctx, ref); err != nil && !ignorable(err) {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove node images: %w", err)
	}
	return nil
}

// ignorable errors of a removal: in use, or already gone.
func ignorable(err error) bool {
	return errors.Is(err, orchestrator.ErrConflict) || errors.Is(err, orchestrator.ErrNotFound)
}
