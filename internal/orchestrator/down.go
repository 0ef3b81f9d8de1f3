package orchestrator

import (
	"context"
	"errors"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"golang.org/x/sync/errgroup"
)

// DownOptions are `devenv down`'s choices.
type DownOptions struct {
	// Volumes removes the project's named volumes too: its databases' data. Never the default.
	Volumes   bool
	StopGrace time.Duration
}

// maxParallelStops bounds concurrent stops; each is mostly waiting for a process to exit.
const maxParallelStops = 8

// Down stops and removes every container of the project, then its networks, and its volumes
// only when asked. Containers get their stop signal and grace period first, so databases shut
// down cleanly instead of recovering on the next start.
func (o *Orchestrator) Down(ctx context.Context, project string, opts DownOptions) error {
	if opts.StopGrace == 0 {
		opts.StopGrace = 10 * time.Second
	}
	containers, err := o.engine.ProjectContainers(ctx, project)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxParallelStops)
	for _, c := range containers {
		g.Go(func() error {
			start := o.clock.Now()
			if c.State == "running" || c.State == "restarting" || c.State == "paused" {
				o.emit(events.Event{Service: c.Service, Kind: events.Stopping})
				if err := o.engine.StopContainer(gctx, c.ID, opts.StopGrace); err != nil && !engine.IsNotFound(err) {
					return err
				}
			}
			if err := o.engine.RemoveContainer(gctx, c.ID); err != nil {
				return err
			}
			o.emit(events.Event{Service: c.Service, Kind: events.Removed, Message: c.Name, Duration: o.clock.Now().Sub(start)})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	found, err := o.engine.ListLabelled(ctx, engine.LabelProject+"="+project)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range found.Networks {
		if err := o.engine.RemoveNetwork(ctx, n); err != nil {
			errs = append(errs, err)
			continue
		}
		o.emit(events.Event{Kind: events.Removed, Message: "network " + n})
	}
	if opts.Volumes {
		for _, v := range found.Volumes {
			if err := o.engine.RemoveVolume(ctx, v); err != nil {
				errs = append(errs, err)
				continue
			}
			o.emit(events.Event{Kind: events.Removed, Message: "volume " + v})
		}
	} else if len(found.Volumes) > 0 {
		o.emit(events.Event{Kind: events.Info, Message: "kept volumes (data survives; devenv down --volumes removes them): " + joinNames(found.Volumes)})
	}
	return errors.Join(errs...)
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}
