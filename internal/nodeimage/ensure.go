package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/flock"
)

// Ensure makes sure the node image for the current agent source exists in
// the engine and returns its content tag, the reference to run it by. It
// compiles the agent unless the same source compiled before to a tag the
// engine has (cache.go), and builds the image only when its tags are
// missing; built says whether it did.
func Ensure(ctx context.Context, rt engine.Runtime, opts Options) (ref string, built bool, err error) {
	key, kerr := sourceKey(ctx, opts)
	if kerr != nil && opts.Logger != nil {
		opts.Logger.Debug("node image: no source key, so no cache", "err", kerr)
	}
	if kerr == nil && !opts.TagLatest { // topo build always compiles
		if tag, ok := cachedTag(key); ok {
			if exists, err := rt.ImageExists(ctx, tag); err == nil && exists {
				opts.progress("node image " + tag + " is up to date (source unchanged)")
				return tag, false, nil
			}
		}
	}
	ref, built, err = ensureBuilt(ctx, rt, opts)
	if err != nil || kerr != nil {
		return ref, built, err
	}
	// A source edited while it compiled names another binary than the
	// one built: nothing is remembered then.
	if after, err := sourceKey(ctx, opts); err != nil || after != key {
		return ref, built, nil
	}
	if err := rememberTag(key, ref); err != nil && opts.Logger != nil {
		opts.Logger.Debug("node image: remember the tag", "err", err)
	}
	return ref, built, nil
}

// ensureBuilt is Ensure without the cache: it compiles the agent (about
// half a second when unchanged) and builds the image when its tags are
// missing.
func ensureBuilt(ctx context.Context, rt engine.Runtime, opts Options) (ref string, built bool, err error) {
	im, err := Build(ctx, opts)
	if err != nil {
		return "", false, err
	}
	// One build at a time on this machine: two processes building the same
	// content at once would get two images with one tag between them.
	unlock, err := flock.Exclusive(ctx, "topo-image.lock")
	if err != nil {
		return "", false, fmt.Errorf("node image: %w", err)
	}
	defer unlock()
	ref = im.Tag
	tags := []string{im.Tag}
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
	// build cache has every step. A Remove elsewhere (a test run's final
	// cleanup while a user runs topo up, say) can delete a cached step in
	// mid-build, or the image in the moment between its build and its
	// tagging, so a build that lost an image is done again, and so is one
	// whose tag names nothing; a few times at most.
	const attempts = 3
	for i := range attempts {
		opts.progress("building node image " + im.Tag)
		bctx, err := im.Context()
		if err != nil {
			return "", false, err
		}
		err = rt.BuildImage(ctx, bctx, tags, im.Labels)
		if errors.Is(err, engine.ErrNotFound) && i+1 < attempts {
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
func tagged(ctx context.Context, rt engine.Runtime, im *Image, tags []string) (bool, error) {
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

// Remove removes every node image (labelled topo.image=node) that no
// container uses, except the LatestTag tag: that is `topo build`'s, which a
// user's compose files run, so an image that carries it keeps it (its other
// tags still go). Images in use, or removed meanwhile by someone else, are
// skipped silently.
func Remove(ctx context.Context, rt engine.Runtime) error {
	images, err := rt.ListImages(ctx, map[string]string{engine.LabelImage: ImageKind})
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
		// One tagged LatestTag keeps that tag, and so stays.
		refs := slices.DeleteFunc(slices.Clone(im.Tags), func(t string) bool { return t == LatestTag })
		if len(im.Tags) == 0 {
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
	return errors.Is(err, engine.ErrConflict) || errors.Is(err, engine.ErrNotFound)
}
