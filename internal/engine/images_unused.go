package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// RemoveUnusedImagesLabelled removes the images carrying label except keep, leaving any that a
// container (running or not) still uses: the engine refuses those without force, and that
// refusal is not an error here. It returns how many it removed.
func (c *Client) RemoveUnusedImagesLabelled(ctx context.Context, label, keep string) (int, error) {
	res, err := c.api.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", label)})
	if err != nil {
		return 0, fmt.Errorf("list images labelled %s: %w", label, classify(c.Host(), err))
	}
	removed := 0
	var errs []error
	for _, img := range res.Items {
		if img.ID == keep || containsString(img.RepoTags, keep) {
			continue
		}
		_, err := c.api.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{PruneChildren: true})
		switch {
		case err == nil:
			removed++
		case IsNotFound(err), errdefs.IsConflict(err):
		default:
			errs = append(errs, fmt.Errorf("remove image %.19s: %w", img.ID, classify(c.Host(), err)))
		}
	}
	return removed, errors.Join(errs...)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
