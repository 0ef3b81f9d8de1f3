package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/project"
	"github.com/devenv/devenv/internal/tui"
	"github.com/muesli/cancelreader"
)

// dashboardLogLines is how many lines of each service the dashboard keeps for scrollback.
const dashboardLogLines = 10000

// dashController is the dashboard's tui.Controller: actions through the orchestrator and the
// engine, and the engine's event, stats and log streams as the feed.
type dashController struct {
	e       *engine.Client
	o       *orchestrator.Orchestrator
	p       *types.Project
	timeout time.Duration // readiness bound of a rebuild
	tags    func(service string) []string

	mu        sync.Mutex
	following map[string]bool // container ID → a log stream is open
	sampling  map[string]bool // container ID → a stats stream is open
	lastLog   map[string]time.Time
}

func newDashController(e *engine.Client, o *orchestrator.Orchestrator, p *types.Project, timeout time.Duration, tags func(string) []string) *dashController {
	return &dashController{e: e, o: o, p: p, timeout: timeout, tags: tags,
		following: map[string]bool{}, sampling: map[string]bool{}, lastLog: map[string]time.Time{}}
}

// Services describes the project's services, dependencies first (what the apps wait on), then
// by name.
func (d *dashController) Services() []tui.ServiceInfo {
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

// watchedActions are the engine events that change what the dashboard shows; the rest (exec_*
// of every readiness probe, attach, resize) would only cost a re-inspect.
func watchedAction(action string) bool {
	switch action {
	case "create", "start", "restart", "die", "stop", "oom", "destroy", "health_status", "pause", "unpause", "rename":
		return true
	}
	return false
}

// Watch subscribes to the engine's events first, so nothing that happens while the containers
// are listed is missed, then reports each container and follows the running ones' logs and stats.
func (d *dashController) Watch(ctx context.Context, feed tui.Feed) error {
	evs, errc := d.e.ContainerEvents(ctx, d.p.Name)
	var wg sync.WaitGroup
	defer wg.Wait() // every stream goroutine ends with ctx
	cs, err := d.e.ProjectContainers(ctx, d.p.Name)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if oneOff(c) {
			continue
		}
		d.report(ctx, feed, c, "")
		if c.State == "running" {
			d.stream(ctx, &wg, feed, c)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case ev, ok := <-evs:
			if !ok {
				return nil
			}
			if !watchedAction(ev.Action) || ev.Service == "" {
				continue
			}
			if ev.Action == "destroy" {
				feed.Container(tui.ContainerState{Service: ev.Service, ID: ev.ID, Action: ev.Action})
				continue
			}
			c, found, err := d.container(ctx, ev.ID)
			if err != nil {
				return err
			}
			if !found || oneOff(c) {
				continue
			}
			if st := d.report(ctx, feed, c, ev.Action); st.State == "running" {
				d.stream(ctx, &wg, feed, c)
			}
		}
	}
}

// oneOff reports whether c is a one-off run of a service (`run`-style), not the service itself.
func oneOff(c engine.Container) bool { return c.Labels[engine.LabelComposeOneoff] == "True" }

func (d *dashController) container(ctx context.Context, id string) (engine.Container, bool, error) {
	cs, err := d.e.ProjectContainers(ctx, d.p.Name)
	if err != nil {
		return engine.Container{}, false, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, true, nil
		}
	}
	return engine.Container{}, false, nil
}

func (d *dashController) report(ctx context.Context, feed tui.Feed, c engine.Container, action string) tui.ContainerState {
	st := tui.ContainerState{Service: c.Service, ID: c.ID, State: c.State, Health: c.Health, ExitCode: c.ExitCode, Action: action}
	for _, p := range c.Ports {
		st.Ports = append(st.Ports, tui.Port{HostIP: p.HostIP, HostPort: p.HostPort, ContainerPort: p.ContainerPort})
	}
	// The listing may lag an event by a moment (a container that just died still listed as
	// running); the inspect is current.
	if rt, err := d.e.ContainerRuntime(ctx, c.ID); err == nil {
		st.State, st.Health, st.ExitCode = rt.Status, rt.Health, rt.ExitCode
		st.StartedAt, st.RestartCount = rt.StartedAt, rt.RestartCount
	}
	feed.Container(st)
	return st
}

// stream follows c's logs and stats unless that is already being done. Each stream runs until
// the container stops; one that ends while the container runs again (a quick restart) goes on
// from its last line.
func (d *dashController) stream(ctx context.Context, wg *sync.WaitGroup, feed tui.Feed, c engine.Container) {
	if d.claim(d.following, c.ID) {
		wg.Add(1)
		go func() { // ends when the container stays stopped, or with ctx
			defer wg.Done()
			d.keepGoing(ctx, d.following, c.ID, func() { d.followLogs(ctx, feed, c) })
		}()
	}
	if d.claim(d.sampling, c.ID) {
		wg.Add(1)
		go func() { // as above
			defer wg.Done()
			d.keepGoing(ctx, d.sampling, c.ID, func() {
				_ = d.e.StreamStats(ctx, c.ID, func(s engine.Stats) {
					feed.Stats(c.Service, tui.Stats{CPUPercent: s.CPUPercent, MemBytes: s.MemBytes})
				})
			})
		}()
	}
}

func (d *dashController) claim(open map[string]bool, id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if open[id] {
		return false
	}
	open[id] = true
	return true
}

// keepGoing runs once, then again for as long as the container is running when a run ends. The
// claim is released before the check, so a start event seen meanwhile opens its own stream
// instead of being lost.
func (d *dashController) keepGoing(ctx context.Context, open map[string]bool, id string, once func()) {
	for {
		once()
		d.mu.Lock()
		delete(open, id)
		d.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		st, err := d.e.InspectContainer(ctx, id)
		if err != nil || st.Status != "running" || !d.claim(open, id) {
			return
		}
	}
}

// followLogs streams c's output from where it was left (its whole buffer window the first time).
func (d *dashController) followLogs(ctx context.Context, feed tui.Feed, c engine.Container) {
	d.mu.Lock()
	since := d.lastLog[c.ID]
	d.mu.Unlock()
	opts := engine.LogOptions{Follow: true, Timestamps: true}
	if since.IsZero() {
		opts.Tail = dashboardLogLines
	} else {
		opts.Since = fmt.Sprintf("%d.%09d", since.Unix(), since.Nanosecond())
	}
	lw := &lineWriter{flush: func(line string) {
		ts, text, _ := strings.Cut(line, " ")
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			text = line
		} else if !since.IsZero() && !at.After(since) {
			return // the engine's since is inclusive: this line was shown already
		}
		if !at.IsZero() {
			d.mu.Lock()
			d.lastLog[c.ID] = at
			d.mu.Unlock()
		}
		feed.Log(c.Service, at, text)
	}}
	_ = d.e.StreamLogs(ctx, c.ID, opts, lw, lw)
	lw.Close()
}

func (d *dashController) containerOf(ctx context.Context, service string) (engine.Container, error) {
	cs, err := d.e.ProjectContainers(ctx, d.p.Name)
	if err != nil {
		return engine.Container{}, err
	}
	for _, c := range cs {
		if c.Service == service && !oneOff(c) {
			return c, nil
		}
	}
	return engine.Container{}, fmt.Errorf("service %s has no container (b builds and starts it)", service)
}

func (d *dashController) Restart(ctx context.Context, service string) error {
	c, err := d.containerOf(ctx, service)
	if err != nil {
		return err
	}
	return d.e.RestartContainer(ctx, c.ID, 10)
}

func (d *dashController) Stop(ctx context.Context, service string) error {
	c, err := d.containerOf(ctx, service)
	if err != nil {
		return err
	}
	return d.e.StopContainer(ctx, c.ID, 10*time.Second)
}

// Start starts a stopped container; a service without one is brought up as `devenv up SERVICE`.
func (d *dashController) Start(ctx context.Context, service string) error {
	c, err := d.containerOf(ctx, service)
	if err != nil {
		return d.o.Up(ctx, d.p, orchestrator.UpOptions{Services: []string{service}, Wait: true, Timeout: d.timeout, ImageTags: d.tags})
	}
	return d.e.StartContainer(ctx, c.ID)
}

// Rebuild is `devenv up --build SERVICE`: a new image, and a new container if it changed.
func (d *dashController) Rebuild(ctx context.Context, service string) error {
	return d.o.Up(ctx, d.p, orchestrator.UpOptions{Services: []string{service}, Build: true, Wait: true, Timeout: d.timeout, ImageTags: d.tags})
}

func (d *dashController) Seed(ctx context.Context, dependencies []string) error {
	return d.o.Seed(ctx, d.p, orchestrator.SeedOptions{Dependencies: dependencies})
}

func (d *dashController) Down(ctx context.Context) error {
	return d.o.Down(ctx, d.p.Name, orchestrator.DownOptions{})
}

// Shell is `devenv shell SERVICE` with the dashboard suspended.
func (d *dashController) Shell(service string) tui.ShellCommand {
	return &shellCommand{d: d, service: service}
}

// shellCommand runs a shell in a service's container on the user's terminal; the dashboard
// hands it the terminal (SetStdin/SetStdout) and takes it back when Run returns.
type shellCommand struct {
	d        *dashController
	service  string
	in       io.Reader
	out, err io.Writer
}

func (s *shellCommand) SetStdin(r io.Reader)  { s.in = r }
func (s *shellCommand) SetStdout(w io.Writer) { s.out = w }
func (s *shellCommand) SetStderr(w io.Writer) { s.err = w }

func (s *shellCommand) Run() error {
	// The dashboard's context is not reachable from here: the shell lives until it exits.
	ctx := context.Background()
	c, err := s.d.containerOf(ctx, s.service)
	if err != nil {
		return err
	}
	// An image without a shell (FROM scratch) would flash the runtime's error and return: say so
	// in the dashboard instead.
	if r, err := s.d.e.Exec(ctx, c.ID, []string{"/bin/sh", "-c", "exit 0"}); err != nil || r.ExitCode != 0 {
		return fmt.Errorf("%s's image has no shell (/bin/sh): nothing to open", s.service)
	}
	fmt.Fprintf(s.out, "devenv: shell in %s (%s); exit returns to the dashboard\r\n", s.service, c.Name)
	// The exec copies stdin until told to stop: a plain read would outlive the shell and
	// swallow the first key pressed back in the dashboard.
	stdin, err := cancelreader.NewReader(s.in)
	if err != nil {
		return fmt.Errorf("read the terminal: %w", err)
	}
	defer stdin.Cancel()
	sess := engine.ExecSession{Cmd: shellCmd(), Stdin: stdin, Stdout: s.out, Stderr: s.err}
	restore, err := attachTerminal(ctx, s.in, &sess)
	if err != nil {
		return err
	}
	defer restore()
	_, err = s.d.e.ExecAttached(ctx, c.ID, sess)
	return err
}
