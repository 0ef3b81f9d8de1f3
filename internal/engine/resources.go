package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/client"
)

// CreateNetwork creates a bridge network with labels and returns its ID.
func (c *Client) CreateNetwork(ctx context.Context, name string, labels map[string]string) (string, error) {
	res, err := c.api.NetworkCreate(ctx, name, client.NetworkCreateOptions{Driver: "bridge", Labels: labels})
	if err != nil {
		return "", fmt.Errorf("create network %s: %w", name, classify(c.Host(), err))
	}
	return res.ID, nil
}

// Removed counts what RemoveLabelled deleted.
type Removed struct {
	Containers, Networks, Volumes int
}

// Labelled is what still exists with a label: container IDs, network and volume names.
type Labelled struct {
	Containers, Networks, Volumes []string
}

// Empty reports whether nothing carries the label.
func (l Labelled) Empty() bool {
	return len(l.Containers)+len(l.Networks)+len(l.Volumes) == 0
}

// ListLabelled finds every container (running or not), network and volume carrying label
// (`key` or `key=value`).
func (c *Client) ListLabelled(ctx context.Context, label string) (Labelled, error) {
	f := client.Filters{}.Add("label", label)
	var out Labelled
	cs, err := c.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return out, fmt.Errorf("list containers labelled %s: %w", label, classify(c.Host(), err))
	}
	for _, ct := range cs.Items {
		out.Containers = append(out.Containers, ct.ID)
	}
	ns, err := c.api.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return out, fmt.Errorf("list networks labelled %s: %w", label, classify(c.Host(), err))
	}
	for _, n := range ns.Items {
		out.Networks = append(out.Networks, n.Name)
	}
	vs, err := c.api.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return out, fmt.Errorf("list volumes labelled %s: %w", label, classify(c.Host(), err))
	}
	for _, v := range vs.Items {
		out.Volumes = append(out.Volumes, v.Name)
	}
	return out, nil
}

// RemoveLabelled force-removes every container, network and volume carrying label, in that
// order (networks and volumes can't go while a container uses them). It removes all it can and
// reports every failure, so one stuck object doesn't leave the rest behind.
func (c *Client) RemoveLabelled(ctx context.Context, label string) (Removed, error) {
	var removed Removed
	found, err := c.ListLabelled(ctx, label)
	if err != nil {
		return removed, err
	}
	var errs []error
	for _, id := range found.Containers {
		_, err := c.api.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %.12s: %w", id, classify(c.Host(), err)))
			continue
		}
		removed.Containers++
	}
	for _, id := range found.Networks {
		if err := c.RemoveNetwork(ctx, id); err != nil {
			errs = append(errs, err)
			continue
		}
		removed.Networks++
	}
	for _, name := range found.Volumes {
		if err := c.RemoveVolume(ctx, name); err != nil {
			errs = append(errs, err)
			continue
		}
		removed.Volumes++
	}
	return removed, errors.Join(errs...)
}

// RemoveNetwork removes a network; one already gone is not an error.
func (c *Client) RemoveNetwork(ctx context.Context, id string) error {
	if _, err := c.api.NetworkRemove(ctx, id, client.NetworkRemoveOptions{}); err != nil && !IsNotFound(err) {
		return fmt.Errorf("remove network %.12s: %w", id, classify(c.Host(), err))
	}
	return nil
}

// RemoveVolume removes a named volume and the data in it; one already gone is not an error.
func (c *Client) RemoveVolume(ctx context.Context, name string) error {
	if _, err := c.api.VolumeRemove(ctx, name, client.VolumeRemoveOptions{Force: true}); err != nil && !IsNotFound(err) {
		return fmt.Errorf("remove volume %s: %w", name, classify(c.Host(), err))
	}
	return nil
}
