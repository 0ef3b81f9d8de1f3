// Package dashboard connects the terminal dashboard (internal/tui) to the rest of devenv: its
// Controller implements tui.Controller. The keys' actions are the orchestrator's operations, so
// `r` restarts exactly as `devenv restart` and hot reload do; what the dashboard shows comes from
// the engine's event stream (one inspect of the container an event is about, never a relisting),
// its stats stream and the logs package's following.
package dashboard

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/logs"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/project"
	"github.com/devenv/devenv/internal/tui"
)

// LogLines is how many lines of each service the dashboard keeps for scrollback, and so how
// many it reads back when it opens.
const LogLines = 10000

// Engine is what the dashboard observes through.
type Engine interface {
	logs.Engine
	InspectContainer(ctx context.Context, id string) (engine.ContainerState, error)
	StreamStats(ctx context.Context, id string, report func(engine.Stats)) error
	Exec(ctx context.Context, id string, cmd []string) (engine.ExecResult, error)
	ExecAttached(ctx context.Context, id string, s engine.ExecSession) (int, error)
}

// Operations are what the dashboard's keys do: the orchestrator's.
type Operations interface {
	Up(ctx context.Context, p *types.Project, opts orchestrator.UpOptions) error
	Restart(ctx context.Context, p *types.Project, opts orchestrator.RestartOptions) error
	Stop(ctx context.Context, p *types.Project, opts orchestrator.StopOptions) error
	Start(ctx context.Context, p *types.Project, opts orchestrator.StartOptions) error
	Seed(ctx context.Context, p *types.Project, opts orchestrator.SeedOptions) error
	Down(ctx context.Context, project string, opts orchestrator.DownOptions) error
}

// Options tune the controller.
type Options struct {
	// Timeout bounds a rebuild's (b) or a first start's wait for readiness.
	Timeout time.Duration
	// ImageTags are extra tags for images a rebuild builds (see orchestrator.UpOptions).
	ImageTags func(service string) []string
}

// Controller is the dashboard's tui.Controller.
type Controller struct {
	e    Engine
	ops  Operations
	p    *types.Project
	opts Options
}

var _ tui.Controller = (*Controller)(nil)

// New builds the controller of p's dashboard.
func New(e Engine, ops Operations, p *types.Project, opts Options) *Controller {
	return &Controller{e: e, ops: ops, p: p, opts: opts}
}

// Services describes the project's services, dependencies first (what the apps wait on), then
// by name.
func (d *Controller) Services() []tui.ServiceInfo {
	var out []tui.ServiceInfo
	for name, s := range d.p.Services {
		x := project.ExtensionOf(s)
		info := tui.ServiceInfo{Name: name, Kind: x.Kind, Template: x.Template, Dependency: x.Dependency, Job: x.Job, Built: s.Build != nil}
		for dep, cond := range s.DependsOn {
			info.DependsOn = append(info.DependsOn, tui.Dependency{Service: dep, Condition: cond.Condition})
		}
		sort.Slice(info.DependsOn, func(i, j int) bool { return info.DependsOn[i].Service < info.DependsOn[j].Service })
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		di, dj := out[i].Kind == "dependency", out[j].Kind == "dependency"
		if di != dj {
			return di
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// watchedAction reports whether an engine event changes what the dashboard shows; the rest
// (exec_* of every readiness probe, attach, resize) would only cost an inspect.
func watchedAction(a engine.Action) bool {
	switch a {
	case engine.ActionCreate, engine.ActionStart, engine.ActionRestart, engine.ActionDie, engine.ActionStop,
		engine.ActionOOM, engine.ActionDestroy, engine.ActionHealthStatus, engine.ActionPause, engine.ActionUnpause,
		engine.ActionRename:
		return true
	}
	return false
}

// Watch feeds the dashboard until ctx ends: every service container's state now and on each
// engine event about it, its resource samples while it runs, and the services' logs.
func (d *Controller) Watch(ctx context.Context, feed tui.Feed) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Subscribed first, so nothing that happens while the containers are listed is missed.
	evs, errc := d.e.ContainerEvents(ctx, d.p.Name)
	cs, err := d.e.ProjectContainers(ctx, d.p.Name)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait() // the log and stats streams end with ctx
	wg.Add(1)
	go func() { // ends with ctx
		defer wg.Done()
		_ = logs.Follow(ctx, d.e, d.p.Name, logs.Options{Tail: LogLines}, func(l logs.Line) { feed.Log(l.Service, l.Time, l.Text) })
	}()
	stats := &sampler{e: d.e, feed: feed, wg: &wg, open: map[string]*sampling{}}
	for _, c := range cs {
		if !c.IsService() {
			continue
		}
		if st := d.report(ctx, feed, c.ID, ""); st.State == engine.StateRunning {
			stats.start(ctx, c.ID, c.Service)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case ev, ok := <-evs:
			if !ok {
				return nil
			}
			if !watchedAction(ev.Action) || !ev.IsService() {
				continue
			}
			if ev.Action == engine.ActionDestroy {
				feed.Container(tui.ContainerState{Service: ev.Service, ID: ev.ID, Action: string(ev.Action)})
				continue
			}
			if st := d.report(ctx, feed, ev.ID, string(ev.Action)); st.State == engine.StateRunning {
				stats.start(ctx, ev.ID, ev.Service)
			}
		}
	}
}

// report inspects container id and feeds what the dashboard shows of it; a container gone
// meanwhile (its destroy event follows) is not reported.
func (d *Controller) report(ctx context.Context, feed tui.Feed, id, action string) tui.ContainerState {
	c, err := d.e.InspectContainer(ctx, id)
	if err != nil {
		return tui.ContainerState{}
	}
	st := tui.ContainerState{Service: c.Service, ID: c.ID, State: c.State, Health: c.Health, ExitCode: c.ExitCode,
		StartedAt: c.StartedAt, RestartCount: c.RestartCount, Action: action}
	for _, p := range c.Published {
		st.Ports = append(st.Ports, tui.Port{HostIP: p.HostIP, HostPort: p.HostPort, ContainerPort: p.ContainerPort})
	}
	feed.Container(st)
	return st
}

// sampler runs one stats stream per running container. A container started again while its
// stream is still ending gets a new stream right after, instead of none.
type sampler struct {
	e    Engine
	feed tui.Feed
	wg   *sync.WaitGroup
	mu   sync.Mutex
	open map[string]*sampling // by container ID
}

type sampling struct{ again bool }

func (s *sampler) start(ctx context.Context, id, service string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.open[id]; ok {
		st.again = true
		return
	}
	st := &sampling{}
	s.open[id] = st
	s.wg.Add(1)
	go func() { // ends when the container stops and is not started again, or with ctx
		defer s.wg.Done()
		for {
			_ = s.e.StreamStats(ctx, id, func(x engine.Stats) {
				s.feed.Stats(service, tui.Stats{CPUPercent: x.CPUPercent, MemBytes: x.MemBytes})
			})
			s.mu.Lock()
			if !st.again || ctx.Err() != nil {
				delete(s.open, id)
				s.mu.Unlock()
				return
			}
			st.again = false
			s.mu.Unlock()
		}
	}()
}

func (d *Controller) only(service string) []string { return []string{service} }

// Restart restarts service as `devenv restart SERVICE` does.
func (d *Controller) Restart(ctx context.Context, service string) error {
	return d.ops.Restart(ctx, d.p, orchestrator.RestartOptions{Services: d.only(service)})
}

// Stop stops service as `devenv stop SERVICE` does: with its stop signal and grace period.
func (d *Controller) Stop(ctx context.Context, service string) error {
	return d.ops.Stop(ctx, d.p, orchestrator.StopOptions{Services: d.only(service)})
}

// Start starts service's stopped container; a service without one is brought up as
// `devenv up SERVICE` would.
func (d *Controller) Start(ctx context.Context, service string) error {
	err := d.ops.Start(ctx, d.p, orchestrator.StartOptions{Services: d.only(service)})
	var none *orchestrator.NoContainerError
	if errors.As(err, &none) {
		return d.ops.Up(ctx, d.p, orchestrator.UpOptions{Services: d.only(service), Wait: true, Timeout: d.opts.Timeout, ImageTags: d.opts.ImageTags})
	}
	return err
}

// Rebuild is `devenv up --build SERVICE`: a new image, and a new container if it changed.
func (d *Controller) Rebuild(ctx context.Context, service string) error {
	return d.ops.Up(ctx, d.p, orchestrator.UpOptions{Services: d.only(service), Build: true, Wait: true, Timeout: d.opts.Timeout, ImageTags: d.opts.ImageTags})
}

// Seed applies the named dependencies' pending fixtures.
func (d *Controller) Seed(ctx context.Context, dependencies []string) error {
	return d.ops.Seed(ctx, d.p, orchestrator.SeedOptions{Dependencies: dependencies})
}

// Down is `devenv down`: volumes are kept.
func (d *Controller) Down(ctx context.Context) error {
	return d.ops.Down(ctx, d.p.Name, orchestrator.DownOptions{})
}

// serviceContainer finds service's own running container for the shell.
func (d *Controller) serviceContainer(ctx context.Context, service string) (engine.Container, error) {
	cs, err := d.e.ProjectContainers(ctx, d.p.Name)
	if err != nil {
		return engine.Container{}, err
	}
	for _, c := range cs {
		if c.Service == service && c.IsService() {
			if c.State != engine.StateRunning {
				return c, fmt.Errorf("%s is %s, not running: s starts it", service, c.State)
			}
			return c, nil
		}
	}
	return engine.Container{}, fmt.Errorf("service %s has no container (b builds and starts it)", service)
}
