package tui

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	xgolden "github.com/charmbracelet/x/exp/golden"
	"github.com/devenv/devenv/internal/events"
)

// fakeController records the actions the dashboard asks for.
type fakeController struct {
	mu       sync.Mutex
	calls    []string
	services []ServiceInfo
	err      error
}

func (f *fakeController) record(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	return f.err
}

func (f *fakeController) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeController) Services() []ServiceInfo { return f.services }
func (f *fakeController) Watch(ctx context.Context, feed Feed) error {
	<-ctx.Done()
	return nil
}
func (f *fakeController) Restart(_ context.Context, s string) error { return f.record("restart " + s) }
func (f *fakeController) Rebuild(_ context.Context, s string) error { return f.record("rebuild " + s) }
func (f *fakeController) Stop(_ context.Context, s string) error    { return f.record("stop " + s) }
func (f *fakeController) Start(_ context.Context, s string) error   { return f.record("start " + s) }
func (f *fakeController) Seed(_ context.Context, deps []string) error {
	return f.record("seed " + strings.Join(deps, ","))
}
func (f *fakeController) Down(context.Context) error { return f.record("down") }
func (f *fakeController) Shell(_ context.Context, s string) ShellCommand {
	return &fakeShell{f: f, service: s}
}

type fakeShell struct {
	f       *fakeController
	service string
}

func (s *fakeShell) Run() error          { return s.f.record("shell " + s.service) }
func (s *fakeShell) SetStdin(io.Reader)  {}
func (s *fakeShell) SetStdout(io.Writer) {}
func (s *fakeShell) SetStderr(io.Writer) {}

// base is the fixed clock of every test: uptimes and activity times do not drift.
var base = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func exampleServices() []ServiceInfo {
	return []ServiceInfo{
		{Name: "mysql", Kind: "dependency", Dependency: "mysql"},
		{Name: "redis", Kind: "dependency", Dependency: "redis"},
		{Name: "api", Kind: "app", Template: "backend", Built: true, DependsOn: []Dependency{
			{Service: "mysql", Condition: "service_healthy"}, {Service: "redis", Condition: "service_healthy"}}},
		{Name: "web", Kind: "app", Template: "frontend", Built: true, DependsOn: []Dependency{
			{Service: "api", Condition: "service_started"}}},
	}
}

// newTestModel is a dashboard at 80x24 without colour, over a fake controller.
func newTestModel(t *testing.T) (*Model, *fakeController, *Inbox) {
	t.Helper()
	ctrl := &fakeController{services: exampleServices()}
	inbox := NewInbox(1000)
	t.Cleanup(inbox.close)
	m := NewModel(context.Background(), ctrl, inbox, Options{Project: "shop", NoColor: true, Now: func() time.Time { return base }, Location: time.UTC})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return m, ctrl, inbox
}

// running fills the example stack in: everything up, api with a port, some log lines.
func running(m *Model, inbox *Inbox) {
	m.Update(updatesMsg{
		ContainerState{Service: "mysql", ID: "m1", State: "running", Health: "healthy", StartedAt: base.Add(-3 * time.Minute),
			Ports: []Port{{HostIP: "127.0.0.1", HostPort: 3306, ContainerPort: 3306}}},
		ContainerState{Service: "redis", ID: "r1", State: "running", Health: "healthy", StartedAt: base.Add(-3 * time.Minute),
			Ports: []Port{{HostIP: "127.0.0.1", HostPort: 6379, ContainerPort: 6379}}},
		ContainerState{Service: "api", ID: "a1", State: "running", StartedAt: base.Add(-95 * time.Second), RestartCount: 1,
			Ports: []Port{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 8080}}},
		ContainerState{Service: "web", ID: "w1", State: "running", StartedAt: base.Add(-42 * time.Second),
			Ports: []Port{{HostIP: "127.0.0.1", HostPort: 3000, ContainerPort: 3000}}},
		statsMsg{service: "api", stats: Stats{CPUPercent: 1.25, MemBytes: 12 << 20}},
		statsMsg{service: "mysql", stats: Stats{CPUPercent: 0.4, MemBytes: 180 << 20}},
		events.Event{Time: base.Add(-2 * time.Second), Service: "api", Kind: events.Healthy, Duration: 1200 * time.Millisecond},
		events.Event{Time: base.Add(-time.Second), Kind: events.Info, Message: "shop is up"},
	})
	for i := range 30 {
		svc := []string{"api", "web", "mysql"}[i%3]
		text := svc + " line " + string(rune('a'+i%26))
		if i%7 == 0 {
			text = svc + " ERROR something failed " + string(rune('a'+i%26))
		}
		inbox.Log(svc, base.Add(time.Duration(i)*time.Millisecond), text)
	}
}

// screen is the frame as text: escape sequences removed, one string per row.
func screen(m *Model) string { return ansi.Strip(m.render()) }

func press(m *Model, keys ...string) []tea.Cmd {
	var cmds []tea.Cmd
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "up":
			msg = tea.KeyPressMsg{Code: tea.KeyUp}
		case "pgup":
			msg = tea.KeyPressMsg{Code: tea.KeyPgUp}
		case "pgdown":
			msg = tea.KeyPressMsg{Code: tea.KeyPgDown}
		case "end":
			msg = tea.KeyPressMsg{Code: tea.KeyEnd}
		case "home":
			msg = tea.KeyPressMsg{Code: tea.KeyHome}
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		_, cmd := m.Update(msg)
		cmds = append(cmds, cmd)
	}
	return cmds
}

// golden compares a frame with testdata/<test>/<name>.golden; -update rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	t.Run(name, func(t *testing.T) { xgolden.RequireEqual(t, got) })
}

// checkFrame fails when the frame does not fill exactly w x h cells.
func checkFrame(t *testing.T, frame string, w, h int) {
	t.Helper()
	rows := strings.Split(frame, "\n")
	if len(rows) != h {
		t.Errorf("frame has %d rows, want %d", len(rows), h)
	}
	for i, r := range rows {
		if got := ansi.StringWidth(r); got > w {
			t.Errorf("row %d is %d cells wide, more than %d: %q", i, got, w, r)
		}
	}
}
