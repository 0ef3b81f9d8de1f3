package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
)

// The operations on a running stack. Every front end (the CLI's commands, the dashboard's keys,
// hot reload, devenv test, the reaper) stops, starts, restarts and removes services through
// these, so all of them honour stop_grace_period and stop_signal, touch only the services'
// own containers (never a one-off run or a reaper), and restart a supervised service's process
// instead of its container where the supervisor can.

// defaultRestartGrace is a supervised process's time to stop when neither the caller nor the
// service says: the engine's own default for containers.
const defaultRestartGrace = 10 * time.Second

// UnknownServiceError is a service name the project does not have.
type UnknownServiceError struct {
	Project, Service string
	Services         []string // the project's services, sorted
}

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("project %s has no service %q (services: %s)", e.Project, e.Service, orNone(e.Services))
}

// Hint says where the names come from.
func (e *UnknownServiceError) Hint() string {
	return "name a service of devenv.yaml or the compose files (devenv config --services lists them)"
}

// NoContainerError is a service of the project that has no container to act on.
type NoContainerError struct{ Service string }

func (e *NoContainerError) Error() string { return "service " + e.Service + " has no container" }

// Hint says how to get one.
func (e *NoContainerError) Hint() string { return "devenv up " + e.Service + " creates and starts it" }

// serviceContainers returns every service's own container (the dependency graph to order by)
// and those of the named services of p (all services when none are named), sorted by service.
// A named service without a container is an error; an unnamed one is skipped.
func (o *Orchestrator) serviceContainers(ctx context.Context, p *types.Project, services []string) (graph, selected []engine.Container, err error) {
	for _, s := range services {
		if _, ok := p.Services[s]; !ok {
			return nil, nil, &UnknownServiceError{Project: p.Name, Service: s, Services: slices.Sorted(maps.Keys(p.Services))}
		}
	}
	all, err := o.engine.ProjectContainers(ctx, p.Name)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range all {
		if !c.IsService() {
			continue
		}
		graph = append(graph, c)
		if len(services) == 0 || slices.Contains(services, c.Service) {
			selected = append(selected, c)
		}
	}
	for _, s := range services {
		if !slices.ContainsFunc(selected, func(c engine.Container) bool { return c.Service == s }) {
			return nil, nil, &NoContainerError{Service: s}
		}
	}
	return graph, selected, nil
}

// dependsOnLabel is the compose label that records a container's depends_on
// ("db:service_healthy:false,cache:service_started:true"), so stops and teardown can order
// containers by it without the project's configuration, as compose's own containers allow.
const dependsOnLabel = "com.docker.compose.depends_on"

// dependsOnValue is s's depends_on in dependsOnLabel's form.
func dependsOnValue(s types.ServiceConfig) string {
	var parts []string
	for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
		d := s.DependsOn[dep]
		parts = append(parts, fmt.Sprintf("%s:%s:%t", dep, d.Condition, d.Restart))
	}
	return strings.Join(parts, ",")
}

// dependenciesOf reads dependsOnLabel.
func dependenciesOf(c engine.Container) []string {
	var out []string
	for _, part := range strings.Split(c.Labels[dependsOnLabel], ",") {
		if name, _, _ := strings.Cut(part, ":"); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// maxParallelOps bounds concurrent container operations: each is mostly waiting on the engine
// or on a process to exit.
const maxParallelOps = 8

// inOrder runs do for every container of cs, in parallel, but each only after do has finished
// for the containers of cs it depends on (reverse: for those that depend on it), so a stop ends
// the apps before their databases and a start brings the databases up first. graph is every
// container whose depends_on label counts. Every container is attempted whatever the others'
// outcome; the errors are joined.
func inOrder(ctx context.Context, graph, cs []engine.Container, reverse bool, do func(context.Context, engine.Container) error) error {
	done := map[string]chan struct{}{} // by container ID
	byService := map[string][]string{}
	for _, c := range cs {
		done[c.ID] = make(chan struct{})
		byService[c.Service] = append(byService[c.Service], c.ID)
	}
	// A service waits for those it depends on through services that are not acted on too:
	// `start api db` starts db before api even when api reaches db only through migrate.
	direct := map[string][]string{}
	for _, c := range graph {
		direct[c.Service] = dependenciesOf(c)
	}
	waitsFor := map[string][]string{} // container ID → IDs it waits for
	for _, c := range cs {
		seen := map[string]bool{c.Service: true}
		var visit func(service string)
		visit = func(service string) {
			for _, dep := range direct[service] {
				if seen[dep] {
					continue
				}
				seen[dep] = true
				for _, id := range byService[dep] {
					if reverse {
						waitsFor[id] = append(waitsFor[id], c.ID)
					} else {
						waitsFor[c.ID] = append(waitsFor[c.ID], id)
					}
				}
				visit(dep)
			}
		}
		visit(c.Service)
	}
	sem := make(chan struct{}, maxParallelOps)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, c := range cs {
		wg.Add(1)
		go func() { // ends when do has run (or ctx ended)
			defer wg.Done()
			defer close(done[c.ID])
			for _, w := range waitsFor[c.ID] {
				select {
				case <-done[w]:
				case <-ctx.Done():
				}
			}
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				mu.Lock()
				errs = append(errs, ctx.Err())
				mu.Unlock()
				return
			}
			if err := do(ctx, c); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(errs...)
}

// StopOptions say which services to stop and how gently.
type StopOptions struct {
	Services []string // empty: all
	// Grace is each container's time to stop before it is killed; nil: the service's
	// stop_grace_period, else the engine's 10 s.
	Grace *time.Duration
}

// Stop stops the services' containers, dependents before what they depend on; the containers
// stay (Start starts them again, with their data).
func (o *Orchestrator) Stop(ctx context.Context, p *types.Project, opts StopOptions) error {
	graph, cs, err := o.serviceContainers(ctx, p, opts.Services)
	if err != nil {
		return err
	}
	return inOrder(ctx, graph, cs, true, func(ctx context.Context, c engine.Container) error {
		if !c.State.HasProcess() {
			return nil
		}
		return o.stopContainer(ctx, c, opts.Grace, "")
	})
}

// stopContainer stops c, reporting it with why (empty for a stop that was asked for).
func (o *Orchestrator) stopContainer(ctx context.Context, c engine.Container, grace *time.Duration, why string) error {
	start := o.clock.Now()
	o.emit(events.Event{Service: c.Service, Kind: events.Stopping, Message: why})
	if err := o.engine.StopContainer(ctx, c.ID, grace); err != nil && !engine.IsNotFound(err) {
		return fmt.Errorf("stop %s: %w", c.Service, err)
	}
	o.emit(events.Event{Service: c.Service, Kind: events.Stopped, Duration: o.clock.Now().Sub(start)})
	return nil
}

// StartOptions say which services to start.
type StartOptions struct {
	Services []string // empty: all
}

// Start starts the services' stopped containers, what they depend on first. It does not create
// containers: a service without one needs `up`.
func (o *Orchestrator) Start(ctx context.Context, p *types.Project, opts StartOptions) error {
	graph, cs, err := o.serviceContainers(ctx, p, opts.Services)
	if err != nil {
		return err
	}
	return inOrder(ctx, graph, cs, false, func(ctx context.Context, c engine.Container) error {
		switch {
		case c.State == engine.StatePaused:
			return fmt.Errorf("service %s is paused: devenv unpause %s resumes it", c.Service, c.Service)
		case c.State.HasProcess():
			return nil
		}
		if err := o.engine.StartContainer(ctx, c.ID); err != nil {
			return fmt.Errorf("start %s: %w", c.Service, err)
		}
		o.emit(events.Event{Service: c.Service, Kind: events.Started})
		return nil
	})
}

// RestartOptions say which services to restart and how gently.
type RestartOptions struct {
	Services []string // empty: all
	// Grace is each process's time to stop before it is killed; nil: the service's
	// stop_grace_period, else DefaultGrace.
	Grace *time.Duration
	// DefaultGrace is the grace of services without stop_grace_period; 0: the engine's 10 s.
	DefaultGrace time.Duration
}

// Restart restarts the services, what they depend on first: a supervised service's process
// where its supervisor can, otherwise its container; a stopped container is started.
func (o *Orchestrator) Restart(ctx context.Context, p *types.Project, opts RestartOptions) error {
	graph, cs, err := o.serviceContainers(ctx, p, opts.Services)
	if err != nil {
		return err
	}
	return inOrder(ctx, graph, cs, false, func(ctx context.Context, c engine.Container) error {
		start := o.clock.Now()
		o.emit(events.Event{Service: c.Service, Kind: events.Stopping, Message: "restarting"})
		how, err := o.restartService(ctx, c, graceFor(p.Services[c.Service], opts.Grace, opts.DefaultGrace))
		if err != nil {
			return err
		}
		o.emit(events.Event{Service: c.Service, Kind: events.Restarted, Message: how, Duration: o.clock.Now().Sub(start)})
		return nil
	})
}

// graceFor is how long s's process gets to stop: override, else its stop_grace_period, else
// def; nil leaves it to the container (its stop_grace_period, else the engine's 10 s).
func graceFor(s types.ServiceConfig, override *time.Duration, def time.Duration) *time.Duration {
	switch {
	case override != nil:
		return override
	case s.StopGracePeriod != nil:
		d := time.Duration(*s.StopGracePeriod)
		return &d
	case def > 0:
		return &def
	}
	return nil
}

// restartService is the one restart every front end uses; it says what it restarted. A running
// supervised container has its process restarted (its network, ports and neighbours'
// connections stay); a supervisor that cannot do it is reported and the container restarted
// instead; a container without a process (its command exited, say with a compile error) is
// simply started again.
func (o *Orchestrator) restartService(ctx context.Context, c engine.Container, grace *time.Duration) (string, error) {
	if !c.State.HasProcess() {
		if err := o.engine.StartContainer(ctx, c.ID); err != nil {
			return "", fmt.Errorf("start %s: %w", c.Service, err)
		}
		return "its stopped container", nil
	}
	d := defaultRestartGrace
	if grace != nil {
		d = *grace
	}
	supervised, err := o.restartProcess(ctx, c, d)
	if supervised && err == nil {
		return "its process (supervised)", nil
	}
	if err != nil {
		o.emit(events.Event{Service: c.Service, Kind: events.Info, Message: fmt.Sprintf("restarting the container instead of its process: %v", err)})
	}
	if err := o.engine.RestartContainer(ctx, c.ID, grace); err != nil {
		return "", fmt.Errorf("restart %s: %w", c.Service, err)
	}
	return "its container", nil
}

// KillOptions say which services get which signal.
type KillOptions struct {
	Services []string // empty: all
	Signal   string   // e.g. SIGKILL (the default), SIGHUP, 9
}

// Kill sends a signal to the services' running containers.
func (o *Orchestrator) Kill(ctx context.Context, p *types.Project, opts KillOptions) error {
	graph, cs, err := o.serviceContainers(ctx, p, opts.Services)
	if err != nil {
		return err
	}
	signal := opts.Signal
	if signal == "" {
		signal = "SIGKILL"
	}
	return inOrder(ctx, graph, cs, true, func(ctx context.Context, c engine.Container) error {
		if c.State != engine.StateRunning {
			return nil
		}
		if err := o.engine.KillContainer(ctx, c.ID, signal); err != nil {
			return fmt.Errorf("kill %s: %w", c.Service, err)
		}
		o.emit(events.Event{Service: c.Service, Kind: events.Killed, Message: signal})
		return nil
	})
}

// Pause freezes the services' running containers; Unpause thaws them.
func (o *Orchestrator) Pause(ctx context.Context, p *types.Project, services []string) error {
	return o.pause(ctx, p, services, true)
}

// Unpause thaws the services' paused containers.
func (o *Orchestrator) Unpause(ctx context.Context, p *types.Project, services []string) error {
	return o.pause(ctx, p, services, false)
}

func (o *Orchestrator) pause(ctx context.Context, p *types.Project, services []string, freeze bool) error {
	graph, cs, err := o.serviceContainers(ctx, p, services)
	if err != nil {
		return err
	}
	return inOrder(ctx, graph, cs, freeze, func(ctx context.Context, c engine.Container) error {
		switch {
		case freeze && c.State == engine.StateRunning:
			if err := o.engine.PauseContainer(ctx, c.ID); err != nil {
				return fmt.Errorf("pause %s: %w", c.Service, err)
			}
			o.emit(events.Event{Service: c.Service, Kind: events.Paused})
		case !freeze && c.State == engine.StatePaused:
			if err := o.engine.UnpauseContainer(ctx, c.ID); err != nil {
				return fmt.Errorf("unpause %s: %w", c.Service, err)
			}
			o.emit(events.Event{Service: c.Service, Kind: events.Unpaused})
		}
		return nil
	})
}

// RemoveOptions say which services' containers to remove.
type RemoveOptions struct {
	Services []string // empty: all
	// Stop stops running containers first; without it they are left alone (and said so).
	Stop  bool
	Grace *time.Duration // as in StopOptions
}

// Remove removes the services' stopped containers (their anonymous volumes with them; named
// volumes, which hold data, never).
func (o *Orchestrator) Remove(ctx context.Context, p *types.Project, opts RemoveOptions) error {
	graph, cs, err := o.serviceContainers(ctx, p, opts.Services)
	if err != nil {
		return err
	}
	return inOrder(ctx, graph, cs, true, func(ctx context.Context, c engine.Container) error {
		if c.State.HasProcess() {
			if !opts.Stop {
				o.emit(events.Event{Service: c.Service, Kind: events.Info, Message: "still running, not removed (stop it first, or remove it with --stop)"})
				return nil
			}
			if err := o.stopContainer(ctx, c, opts.Grace, ""); err != nil {
				return err
			}
		}
		if err := o.engine.RemoveContainer(ctx, c.ID); err != nil {
			return fmt.Errorf("remove %s: %w", c.Service, err)
		}
		o.emit(events.Event{Service: c.Service, Kind: events.Removed, Message: c.Name})
		return nil
	})
}

// NotRunningError is a service whose container exists but does not run.
type NotRunningError struct {
	Service string
	State   engine.State
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("service %s is %s, not running", e.Service, e.State)
}

// Hint says how to get it running, and where to see why it stopped.
func (e *NotRunningError) Hint() string {
	return fmt.Sprintf("devenv up %s starts it; devenv logs %s shows why it stopped", e.Service, e.Service)
}

// Exec runs a command in service's running container with s's streams (and terminal, if s has
// one) and returns its exit code.
func (o *Orchestrator) Exec(ctx context.Context, p *types.Project, service string, s engine.ExecSession) (int, error) {
	_, cs, err := o.serviceContainers(ctx, p, []string{service})
	if err != nil {
		return -1, err
	}
	c := cs[0]
	if c.State != engine.StateRunning {
		return -1, &NotRunningError{Service: service, State: c.State}
	}
	return o.engine.ExecAttached(ctx, c.ID, s)
}

// Containers lists what the project has now, for `devenv ps`: every container of it, one-off
// runs and reapers included, sorted by service.
func (o *Orchestrator) Containers(ctx context.Context, project string) ([]engine.Container, error) {
	return o.engine.ProjectContainers(ctx, project)
}
