package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
)

// TeardownEngine is what removing a project needs: the reaper, which has no project
// configuration and no orchestrator, tears down through it too.
type TeardownEngine interface {
	ProjectContainers(ctx context.Context, project string) ([]engine.Container, error)
	StopContainer(ctx context.Context, id string, grace *time.Duration) error
	RemoveContainer(ctx context.Context, id string) error
	ListLabelled(ctx context.Context, label string) (engine.Labelled, error)
	RemoveNetwork(ctx context.Context, id string) error
	RemoveVolume(ctx context.Context, name string) error
	RemoveImagesLabelled(ctx context.Context, label string) (int, error)
}

// DownOptions say what a teardown removes and how gently.
type DownOptions struct {
	// Volumes removes the project's named volumes too: its databases' data. Never the default.
	Volumes bool
	// Images removes the images built for the project (a CI job's); their layers stay as cache.
	Images bool
	// Grace is each running container's time to stop before it is killed; nil: the service's
	// stop_grace_period, else the engine's 10 s; zero: killed at once (nothing to keep).
	Grace *time.Duration
	// KeepReapers leaves the project's reaper containers: a reaper tearing its project down, or
	// a job that releases its reaper afterwards.
	KeepReapers bool
}

// Down removes the project: see Teardown.
func (o *Orchestrator) Down(ctx context.Context, project string, opts DownOptions) error {
	return Teardown(ctx, o.engine, project, opts, events.SinkFunc(o.emit))
}

// Teardown stops and removes every container of project (dependents first, each with its stop
// signal and grace, so databases shut down cleanly instead of recovering on the next start),
// then its networks, its volumes and built images only when asked. It removes all it can and
// reports every failure, so one stuck object does not leave the rest behind.
func Teardown(ctx context.Context, e TeardownEngine, project string, opts DownOptions, sink events.Sink) error {
	emit := func(ev events.Event) {
		if ev.Time.IsZero() {
			ev.Time = time.Now()
		}
		sink.Emit(ev)
	}
	all, err := e.ProjectContainers(ctx, project)
	if err != nil {
		return err
	}
	var cs []engine.Container
	for _, c := range all {
		if !(opts.KeepReapers && c.Reaper()) {
			cs = append(cs, c)
		}
	}
	kill := opts.Grace != nil && *opts.Grace <= 0
	errs := []error{inOrder(ctx, cs, cs, !kill, func(ctx context.Context, c engine.Container) error {
		start := time.Now()
		name := c.Service
		if name == "" || !c.IsService() {
			name = c.Name
		}
		var stopErr error
		if !kill && c.State.HasProcess() {
			emit(events.Event{Service: name, Kind: events.Stopping})
			if err := e.StopContainer(ctx, c.ID, opts.Grace); err != nil && !engine.IsNotFound(err) {
				// A container that will not stop is removed by force below all the same.
				stopErr = fmt.Errorf("stop %s: %w", name, err)
			}
		}
		if err := e.RemoveContainer(ctx, c.ID); err != nil {
			return errors.Join(stopErr, fmt.Errorf("remove %s: %w", name, err))
		}
		emit(events.Event{Service: name, Kind: events.Removed, Message: c.Name, Duration: time.Since(start)})
		return stopErr
	})}
	label := engine.LabelProject + "=" + project
	found, err := e.ListLabelled(ctx, label)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, n := range found.Networks {
		if err := e.RemoveNetwork(ctx, n); err != nil && !engine.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n, err))
			continue
		}
		emit(events.Event{Kind: events.Removed, Message: "network " + n})
	}
	if opts.Volumes {
		for _, v := range found.Volumes {
			if err := e.RemoveVolume(ctx, v); err != nil && !engine.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("remove volume %s: %w", v, err))
				continue
			}
			emit(events.Event{Kind: events.Removed, Message: "volume " + v})
		}
	} else if len(found.Volumes) > 0 {
		emit(events.Event{Kind: events.Info, Message: "kept volumes (data survives; devenv down --volumes removes them): " + joinNames(found.Volumes)})
	}
	if opts.Images {
		// Images built for the project carry its label; their parent layers stay as build cache.
		if n, err := e.RemoveImagesLabelled(ctx, label); err != nil {
			errs = append(errs, err)
		} else if n > 0 {
			emit(events.Event{Kind: events.Removed, Message: plural(n, "built image")})
		}
	}
	return errors.Join(errs...)
}

// Leftovers lists what of project still exists besides its reapers: empty after a teardown
// that removed everything.
func Leftovers(ctx context.Context, e TeardownEngine, project string) (engine.Labelled, error) {
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
		if !c.Reaper() {
			found.Containers = append(found.Containers, c.ID)
		}
	}
	return found, nil
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
