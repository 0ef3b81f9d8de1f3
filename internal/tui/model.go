package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
)

// Options are the dashboard's settings.
type Options struct {
	Project string
	Links   bool // published ports as OSC 8 hyperlinks
	NoColor bool // https://no-color.org: attributes (bold, reverse) only
	// Now is the clock uptime is measured with; tests fix it.
	Now func() time.Time
	// Location is the zone times are shown in (default: local).
	Location *time.Location
}

type pane int

const (
	paneLogs pane = iota
	paneActivity
	paneGraph
)

// maxActivity bounds the activity list; older entries are dropped.
const maxActivity = 500

type activity struct {
	at   time.Time
	kind events.Kind
	text string
}

// Model is the dashboard's state. Update and View run on bubbletea's event loop only.
type Model struct {
	ctx    context.Context // the program's: actions are cancelled when the dashboard ends
	ctrl   Controller
	inbox  *Inbox
	opts   Options
	styles styles

	services []ServiceInfo
	states   map[string]ContainerState
	stats    map[string]Stats
	last     map[string]*events.Event // each service's latest progress event
	ready    map[string]time.Time     // when devenv's own readiness check passed, per service
	activity []activity
	busy     map[string]string // service → action in flight

	width, height int
	sel           int
	only          bool // logs of the selected service only
	follow        bool
	anchor        *Key // the bottom line of the logs window when not following
	filter        string
	editing       bool
	input         string
	wrap          bool
	timestamps    bool
	pane          pane
	help          bool
	helpTop       int // first key shown when the help is taller than the screen
	confirmDown   bool
	down          bool // the stack was taken down from here
	metrics       frameMetrics
}

// NewModel builds the dashboard over ctrl, reading what inbox receives.
func NewModel(ctx context.Context, ctrl Controller, inbox *Inbox, opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	m := &Model{
		ctx: ctx, ctrl: ctrl, inbox: inbox, opts: opts,
		services: ctrl.Services(),
		states:   map[string]ContainerState{}, stats: map[string]Stats{}, last: map[string]*events.Event{},
		ready:  map[string]time.Time{},
		busy:   map[string]string{},
		follow: true, width: 80, height: 24,
	}
	m.styles = newStyles(opts.NoColor, m.serviceNames())
	return m
}

func (m *Model) serviceNames() []string {
	names := make([]string, len(m.services))
	for i, s := range m.services {
		names[i] = s.Name
	}
	return names
}

// Messages of the event loop.
type (
	updatesMsg    []any
	logsMsg       struct{}
	tickMsg       time.Time
	actionDoneMsg struct {
		service, verb string
		took          time.Duration
		err           error
		quit          bool
	}
	shellDoneMsg struct {
		service string
		err     error
	}
)

// waitUpdates waits for one queued report and takes whatever else is queued with it; Update
// re-arms it, so reports reach the model one batch at a time without a polling loop.
func waitUpdates(in *Inbox) tea.Cmd {
	return func() tea.Msg {
		select {
		case v := <-in.updates:
			batch := updatesMsg{v}
			for len(batch) < 256 {
				select {
				case v := <-in.updates:
					batch = append(batch, v)
				default:
					return batch
				}
			}
			return batch
		case <-in.statsChanged:
			return in.takeStats()
		case <-in.done:
			return nil
		}
	}
}

// logFrame is the least time between two log-driven frames: a service printing thousands of
// lines a second costs 30 frames a second, not one per line.
const logFrame = 33 * time.Millisecond

func waitLogs(in *Inbox) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-in.logs.Changed():
		case <-in.done:
			return nil
		}
		t := time.NewTimer(logFrame)
		defer t.Stop()
		select {
		case <-t.C:
		case <-in.done:
			return nil
		}
		return logsMsg{}
	}
}

// tick refreshes uptimes once a second; state itself arrives as events.
func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Init starts the three re-armed waits.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(waitUpdates(m.inbox), waitLogs(m.inbox), tick())
}

// Update applies one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case updatesMsg:
		for _, v := range msg {
			m.apply(v)
		}
		return m, waitUpdates(m.inbox)
	case logsMsg:
		return m, waitLogs(m.inbox)
	case tickMsg:
		return m, tick()
	case actionDoneMsg:
		delete(m.busy, msg.service)
		subject := msg.service
		if subject == "" {
			subject = m.opts.Project
		}
		if msg.err != nil {
			m.note(events.Failed, fmt.Sprintf("%s: %s failed: %v", subject, msg.verb, msg.err))
		} else {
			m.note(events.Info, fmt.Sprintf("%s: %s done (%s)", subject, msg.verb, msg.took.Round(time.Millisecond)))
		}
		if msg.quit && msg.err == nil {
			m.down = true
			return m, tea.Quit
		}
	case shellDoneMsg:
		if msg.err != nil {
			m.note(events.Failed, fmt.Sprintf("%s: shell: %v", msg.service, msg.err))
		} else {
			m.note(events.Info, fmt.Sprintf("%s: shell closed", msg.service))
		}
	case tea.MouseWheelMsg:
		switch msg.Mouse().Button {
		case tea.MouseWheelUp:
			m.scrollUp(3)
		case tea.MouseWheelDown:
			m.scrollDown(3)
		}
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

// apply takes one report from the inbox.
func (m *Model) apply(v any) {
	switch v := v.(type) {
	case events.Event:
		if v.Service != "" {
			e := v
			m.last[v.Service] = &e
		}
		if v.Kind == events.Healthy && v.Service != "" {
			m.ready[v.Service] = v.Time
			if c, ok := m.states[v.Service]; ok {
				m.states[v.Service] = m.withReadiness(c)
			}
		}
		m.note(v.Kind, formatEvent(v))
	case ContainerState:
		prev, had := m.states[v.Service]
		v = m.withReadiness(v)
		if v.State == "" {
			if had && prev.ID != v.ID {
				return // an old container removed after its replacement started
			}
			delete(m.states, v.Service)
		} else {
			m.states[v.Service] = v
		}
		if !m.known(v.Service) {
			m.services = append(m.services, ServiceInfo{Name: v.Service})
			m.styles = newStyles(m.opts.NoColor, m.serviceNames())
		}
		if text := containerChange(prev, had, v); text != "" {
			m.note(events.Kind("container"), text)
		}
	case statsMsg:
		m.stats[v.service] = v.stats
	}
}

// withReadiness trusts devenv's own readiness check (a real client's login or PING, every 25 ms)
// over the engine's healthcheck, which may not have run yet: a dependency devenv saw ready since
// the container started is healthy.
func (m *Model) withReadiness(c ContainerState) ContainerState {
	if at, ok := m.ready[c.Service]; ok && c.State == engine.StateRunning && c.Health == engine.HealthStarting && !at.Before(c.StartedAt) {
		c.Health = engine.HealthHealthy
	}
	return c
}

func (m *Model) known(service string) bool {
	return slices.ContainsFunc(m.services, func(s ServiceInfo) bool { return s.Name == service })
}

// containerChange is the activity line for an engine event, "" for the quiet ones.
func containerChange(prev ContainerState, had bool, c ContainerState) string {
	switch c.Action {
	case "start":
		return c.Service + ": container started"
	case "die":
		return fmt.Sprintf("%s: container exited with code %d", c.Service, c.ExitCode)
	case "oom":
		return c.Service + ": container ran out of memory"
	case "destroy":
		return c.Service + ": container removed"
	case "health_status":
		if had && prev.Health == c.Health {
			return ""
		}
		return c.Service + ": health " + string(c.Health)
	}
	return ""
}

func (m *Model) note(kind events.Kind, text string) {
	m.activity = append(m.activity, activity{at: m.opts.Now(), kind: kind, text: text})
	if len(m.activity) > maxActivity {
		m.activity = slices.Delete(m.activity, 0, len(m.activity)-maxActivity)
	}
}

func (m *Model) selected() (ServiceInfo, bool) {
	if m.sel < 0 || m.sel >= len(m.services) {
		return ServiceInfo{}, false
	}
	return m.services[m.sel], true
}

func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	s := k.String()
	if m.editing {
		m.editKey(k)
		return nil
	}
	if m.confirmDown {
		m.confirmDown = false
		if s == "y" || s == "Y" {
			return m.run("down", "", func(ctx context.Context) error { return m.ctrl.Down(ctx) }, true)
		}
		m.note(events.Info, "down cancelled: the stack keeps running")
		return nil
	}
	if m.help {
		switch s {
		case "?", "esc":
			m.help = false
		case "q", "ctrl+c":
			return tea.Quit
		case "down", "j", "pgdown":
			m.helpTop = min(m.helpTop+1, max(len(keyHelp())-(m.height-3), 0))
		case "up", "k", "pgup":
			m.helpTop = max(m.helpTop-1, 0)
		}
		return nil // other keys do nothing behind the help
	}
	svc, ok := m.selected()
	switch s {
	case "q", "ctrl+c":
		return tea.Quit
	case "?":
		m.help = true
	case "up", "k":
		m.sel = max(m.sel-1, 0)
	case "down", "j":
		m.sel = min(m.sel+1, len(m.services)-1)
	case "enter":
		m.only, m.pane = true, paneLogs
	case "a":
		m.only, m.pane = false, paneLogs
	case "tab":
		m.pane = (m.pane + 1) % 3
	case "g":
		m.pane = togglePane(m.pane, paneGraph)
	case "v":
		m.pane = togglePane(m.pane, paneActivity)
	case "/":
		m.editing, m.input, m.pane = true, m.filter, paneLogs
	case "esc":
		switch {
		case m.filter != "":
			m.filter = ""
		case m.only:
			m.only = false
		default:
			m.pane = paneLogs
		}
	case "w":
		m.wrap = !m.wrap
	case "t":
		m.timestamps = !m.timestamps
	case "F":
		if m.follow {
			m.pauseHere()
		} else {
			m.follow, m.anchor = true, nil
		}
	case "pgup", "ctrl+u", "ctrl+b":
		m.scrollUp(max(m.bodyHeight()-1, 1))
	case "pgdown", "ctrl+d", "ctrl+f":
		m.scrollDown(max(m.bodyHeight()-1, 1))
	case "home":
		m.scrollTop()
	case "end", "G":
		m.follow, m.anchor = true, nil
	case "r":
		if ok {
			return m.run("restart", svc.Name, func(ctx context.Context) error { return m.ctrl.Restart(ctx, svc.Name) }, false)
		}
	case "b":
		if ok && !svc.Built {
			m.note(events.Info, svc.Name+": runs an image, nothing to rebuild (r restarts it)")
			return nil
		}
		if ok {
			return m.run("rebuild", svc.Name, func(ctx context.Context) error { return m.ctrl.Rebuild(ctx, svc.Name) }, false)
		}
	case "s":
		if !ok {
			break
		}
		if st := m.states[svc.Name].State; st == engine.StateRunning || st == engine.StateRestarting {
			return m.run("stop", svc.Name, func(ctx context.Context) error { return m.ctrl.Stop(ctx, svc.Name) }, false)
		}
		return m.run("start", svc.Name, func(ctx context.Context) error { return m.ctrl.Start(ctx, svc.Name) }, false)
	case "f":
		if ok {
			return m.seed(svc)
		}
	case "e":
		if !ok {
			break
		}
		if m.states[svc.Name].State != engine.StateRunning {
			m.note(events.Info, svc.Name+": not running, no shell (s starts it)")
			return nil
		}
		m.note(events.Info, svc.Name+": shell (exit returns to the dashboard)")
		return tea.Exec(m.ctrl.Shell(m.ctx, svc.Name), func(err error) tea.Msg { return shellDoneMsg{service: svc.Name, err: err} })
	case "D":
		m.confirmDown = true
	}
	return nil
}

func togglePane(cur, p pane) pane {
	if cur == p {
		return paneLogs
	}
	return p
}

// seed re-seeds a dependency, or the dependencies an app service uses.
func (m *Model) seed(svc ServiceInfo) tea.Cmd {
	var deps []string
	if svc.Kind == "dependency" {
		deps = []string{svc.Name}
	} else {
		for _, d := range svc.DependsOn {
			for _, s := range m.services {
				if s.Name == d.Service && s.Kind == "dependency" {
					deps = append(deps, s.Name)
				}
			}
		}
	}
	if len(deps) == 0 {
		m.note(events.Info, svc.Name+": nothing to seed (select a dependency, or an app that uses one)")
		return nil
	}
	return m.run("seed "+strings.Join(deps, ","), svc.Name, func(ctx context.Context) error { return m.ctrl.Seed(ctx, deps) }, false)
}

// run starts an action off the event loop; one action per service at a time.
func (m *Model) run(verb, service string, fn func(ctx context.Context) error, quit bool) tea.Cmd {
	if cur := m.busy[service]; cur != "" {
		m.note(events.Info, fmt.Sprintf("%s: busy (%s)", orProject(service, m.opts.Project), cur))
		return nil
	}
	m.busy[service] = verb
	m.note(events.Info, fmt.Sprintf("%s: %s…", orProject(service, m.opts.Project), verb))
	ctx := m.ctx
	return func() tea.Msg {
		start := time.Now()
		err := fn(ctx)
		return actionDoneMsg{service: service, verb: verb, took: time.Since(start), err: err, quit: quit}
	}
}

func orProject(service, project string) string {
	if service == "" {
		return project
	}
	return service
}

func (m *Model) editKey(k tea.KeyPressMsg) {
	switch k.String() {
	case "enter":
		m.filter, m.editing = m.input, false
		m.follow, m.anchor = true, nil
	case "esc":
		m.editing = false
	case "backspace":
		if r := []rune(m.input); len(r) > 0 {
			m.input = string(r[:len(r)-1])
		}
	case "ctrl+u":
		m.input = ""
	default:
		if k.Text != "" {
			m.input += k.Text
		}
	}
}

// Down reports whether the user took the stack down from the dashboard.
func (m *Model) Down() bool { return m.down }
