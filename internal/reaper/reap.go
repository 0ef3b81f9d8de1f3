// Package reaper removes everything a `devenv test` job created, even when devenv itself does
// not get to: a small container (devenv's own binary, `devenv reaper`) holds a TCP connection
// from the job's devenv and, once that connection drops and nobody reconnects within a grace
// period, removes every container, network, volume and built image labelled with the job's
// project, then exits. Testcontainers' Ryuk is the model. On a clean run devenv tears the
// project down itself (Reap) and releases the reaper, which then exits without touching anything.
package reaper

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"golang.org/x/sync/errgroup"
)

// Engine is what reaping a project needs.
type Engine interface {
	ProjectContainers(ctx context.Context, project string) ([]engine.Container, error)
	StopContainer(ctx context.Context, id string, grace time.Duration) error
	RemoveContainer(ctx context.Context, id string) error
	ListLabelled(ctx context.Context, label string) (engine.Labelled, error)
	RemoveNetwork(ctx context.Context, id string) error
	RemoveVolume(ctx context.Context, name string) error
	RemoveImagesLabelled(ctx context.Context, label string) (int, error)
}

// ReapOptions say how gently to reap.
type ReapOptions struct {
	// StopGrace is each running container's time to stop before it is killed; 0 kills at once
	// (the data goes with the volumes anyway).
	StopGrace time.Duration
	// Sink receives a Stopping/Removed event per object; nil discards them.
	Sink events.Sink
}

// maxParallel bounds concurrent container removals: each is mostly waiting on the engine.
const maxParallel = 8

// Reap removes every container of project except its reaper, then the project's networks, its
// volumes (their data with them) and the images built for it. It removes all it can and reports
// every failure, so one stuck object does not leave the rest behind.
func Reap(ctx context.Context, e Engine, project string, opts ReapOptions) error {
	sink := opts.Sink
	if sink == nil {
		sink = events.Discard
	}
	emit := func(ev events.Event) {
		ev.Time = time.Now()
		sink.Emit(ev)
	}
	cs, err := e.ProjectContainers(ctx, project)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxParallel)
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	for _, c := range cs {
		if c.Labels[engine.LabelReaper] != "" {
			continue
		}
		g.Go(func() error {
			start := time.Now()
			if opts.StopGrace > 0 && (c.State == "running" || c.State == "restarting" || c.State == "paused") {
				emit(events.Event{Service: c.Service, Kind: events.Stopping})
				if err := e.StopContainer(gctx, c.ID, opts.StopGrace); err != nil && !engine.IsNotFound(err) {
					// A container that will not stop is removed by force below all the same.
					fail(err)
				}
			}
			if err := e.RemoveContainer(gctx, c.ID); err != nil {
				fail(err)
				return nil
			}
			emit(events.Event{Service: c.Service, Kind: events.Removed, Message: c.Name, Duration: time.Since(start)})
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through fail and never fail the group
	label := engine.LabelProject + "=" + project
	found, err := e.ListLabelled(ctx, label)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, n := range found.Networks {
		if err := e.RemoveNetwork(ctx, n); err != nil {
			errs = append(errs, err)
			continue
		}
		emit(events.Event{Kind: events.Removed, Message: "network " + n})
	}
	for _, v := range found.Volumes {
		if err := e.RemoveVolume(ctx, v); err != nil {
			errs = append(errs, err)
			continue
		}
		emit(events.Event{Kind: events.Removed, Message: "volume " + v})
	}
	// Images built for the job carry its label; their parent layers stay as build cache.
	if n, err := e.RemoveImagesLabelled(ctx, label); err != nil {
		errs = append(errs, err)
	} else if n > 0 {
		emit(events.Event{Kind: events.Removed, Message: plural(n, "built image")})
	}
	return errors.Join(errs...)
}

// Leftovers lists what of project still exists besides its reaper.
func Leftovers(ctx context.Context, e Engine, project string) (engine.Labelled, error) {
	found, err := e.ListLabelled(ctx, engine.LabelProject+"="+project)
	if err != nil {
		return found, err
	}
	cs, err := e.ProjectContainers(ctx, project)
	if err != nil {
		return found, err
	}
	found.Containers = nil
	for _, c := range cs {
		if c.Labels[engine.LabelReaper] == "" {
			found.Containers = append(found.Containers, c.ID)
		}
	}
	return found, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
