package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// PullProgress is one progress report of a pull, as the engine sends it per layer.
type PullProgress struct {
	Ref     string
	Layer   string // empty for messages about the image as a whole
	Status  string // e.g. "Downloading", "Pull complete"
	Current int64
	Total   int64
}

// PullImage pulls ref, reporting progress to report (which may be nil). The engine always asks
// the registry for the manifest, so a pull also proves the registry serves the image.
func (c *Client) PullImage(ctx context.Context, ref string, report func(PullProgress)) error {
	resp, err := c.api.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		return fmt.Errorf("pull %s: %w", ref, classify(c.Host(), err))
	}
	defer resp.Close()
	for msg, err := range resp.JSONMessages(ctx) {
		if err != nil {
			return fmt.Errorf("pull %s: %w", ref, classify(c.Host(), err))
		}
		if msg.Error != nil {
			return fmt.Errorf("pull %s: %s", ref, msg.Error.Message)
		}
		if report == nil {
			continue
		}
		p := PullProgress{Ref: ref, Layer: msg.ID, Status: msg.Status}
		if msg.Progress != nil {
			p.Current, p.Total = msg.Progress.Current, msg.Progress.Total
		}
		report(p)
	}
	return nil
}

// LocalImage is what the engine has of an image reference; ID is empty when it has none.
type LocalImage struct {
	ID     string
	Labels map[string]string
	// Entrypoint and Cmd are what a container of the image runs unless its service says
	// otherwise.
	Entrypoint, Cmd []string
}

// InspectImage looks ref up in the engine's local images in one call.
func (c *Client) InspectImage(ctx context.Context, ref string) (LocalImage, error) {
	res, err := c.api.ImageInspect(ctx, ref)
	if IsNotFound(err) {
		return LocalImage{}, nil
	}
	if err != nil {
		return LocalImage{}, fmt.Errorf("inspect image %s: %w", ref, classify(c.Host(), err))
	}
	img := LocalImage{ID: res.ID, Labels: map[string]string{}}
	if res.Config != nil {
		if res.Config.Labels != nil {
			img.Labels = res.Config.Labels
		}
		img.Entrypoint, img.Cmd = res.Config.Entrypoint, res.Config.Cmd
	}
	return img, nil
}

// RemoveImagesLabelled removes the images carrying label (e.g. those devenv built for a
// project). Their untagged parent layers stay: they are the build cache the next build of the
// same Dockerfile starts from.
func (c *Client) RemoveImagesLabelled(ctx context.Context, label string) (int, error) {
	return c.removeImagesLabelled(ctx, label, "", true)
}

// RemoveUnusedImagesLabelled removes the images carrying label except keep, leaving any that a
// container (running or not) still uses: the engine refuses those without force, and that
// refusal is not an error here. It returns how many it removed.
func (c *Client) RemoveUnusedImagesLabelled(ctx context.Context, label, keep string) (int, error) {
	return c.removeImagesLabelled(ctx, label, keep, false)
}

// removeImagesLabelled removes the images with label but keep (an ID or a tag); force also
// removes images that containers use, and without it the parents no other image needs go too.
func (c *Client) removeImagesLabelled(ctx context.Context, label, keep string, force bool) (int, error) {
	res, err := c.api.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", label)})
	if err != nil {
		return 0, fmt.Errorf("list images labelled %s: %w", label, classify(c.Host(), err))
	}
	removed := 0
	var errs []error
	for _, img := range res.Items {
		if keep != "" && (img.ID == keep || slices.Contains(img.RepoTags, keep)) {
			continue
		}
		_, err := c.api.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: force, PruneChildren: !force})
		switch {
		case err == nil:
			removed++
		case IsNotFound(err), !force && errdefs.IsConflict(err):
		default:
			errs = append(errs, fmt.Errorf("remove image %.19s: %w", img.ID, classify(c.Host(), err)))
		}
	}
	return removed, errors.Join(errs...)
}

// ImageLayer is one step of an image's history.
type ImageLayer struct {
	ID        string // the local image ID of the step, or "<missing>" for steps not built here
	CreatedBy string // the Dockerfile instruction that made it
	Created   time.Time
}

// ImageHistory lists the steps of a local image, newest first: it tells which layers a rebuild
// took from the cache.
func (c *Client) ImageHistory(ctx context.Context, ref string) ([]ImageLayer, error) {
	res, err := c.api.ImageHistory(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("history of image %s: %w", ref, classify(c.Host(), err))
	}
	out := make([]ImageLayer, 0, len(res.Items))
	for _, h := range res.Items {
		out = append(out, ImageLayer{ID: h.ID, CreatedBy: h.CreatedBy, Created: time.Unix(h.Created, 0)})
	}
	return out, nil
}
