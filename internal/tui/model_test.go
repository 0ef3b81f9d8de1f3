package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/devenv/devenv/internal/events"
)

// Golden frames of the whole screen at the size the issue names and after resizes.
func TestFrames(t *testing.T) {
	m, _, inbox := newTestModel(t)
	running(m, inbox)
	frame := screen(m)
	checkFrame(t, frame, 80, 24)
	golden(t, "overview-80x24", frame)

	for _, size := range []struct {
		name string
		w, h int
	}{{"resize-120x30", 120, 30}, {"resize-60x16", 60, 16}, {"resize-40x10", 40, 10}} {
		m.Update(tea.WindowSizeMsg{Width: size.w, Height: size.h})
		frame := screen(m)
		checkFrame(t, frame, size.w, size.h)
		golden(t, size.name, frame)
	}
}

func TestHelpListsEveryKey(t *testing.T) {
	m, _, inbox := newTestModel(t)
	running(m, inbox)
	press(m, "?")
	frame := screen(m)
	checkFrame(t, frame, 80, 24)
	golden(t, "help-80x24", frame)
	for _, k := range keyHelp() {
		if !strings.Contains(frame, k.keys) || !strings.Contains(frame, k.what) {
			t.Errorf("help does not list %q (%s)", k.keys, k.what)
		}
	}
	// Keys other than the help's own do nothing behind it.
	if cmd := press(m, "r")[0]; cmd != nil {
		t.Error("r restarted a service behind the help")
	}
	press(m, "esc")
	if strings.Contains(screen(m), "this help") {
		t.Error("esc did not close the help")
	}
	// On a short terminal the help scrolls.
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 12})
	press(m, "?")
	if !strings.Contains(screen(m), "↓: more keys") || strings.Contains(screen(m), "quit; the stack keeps running") {
		t.Fatalf("short help:\n%s", screen(m))
	}
	for range len(keyHelp()) {
		press(m, "down")
	}
	if frame := screen(m); !strings.Contains(frame, "quit; the stack keeps running") || strings.Contains(frame, "↓: more keys") {
		t.Fatalf("scrolled help:\n%s", frame)
	}
	checkFrame(t, screen(m), 80, 12)
}

// logRows is the logs pane's rows of a frame.
func logRows(frame string) []string {
	var out []string
	in := false
	for _, r := range strings.Split(frame, "\n") {
		switch {
		case strings.HasPrefix(r, "─ logs"):
			in = true
		case strings.HasPrefix(r, "─ "):
			in = false
		case in && strings.Contains(r, " │ "):
			out = append(out, r)
		}
	}
	return out
}

func TestNavigateSelectAndFilter(t *testing.T) {
	m, _, inbox := newTestModel(t)
	running(m, inbox)
	if rows := logRows(screen(m)); len(rows) == 0 || !slices.ContainsFunc(rows, func(r string) bool { return strings.HasPrefix(r, "mysql") }) {
		t.Fatalf("all-services logs do not interleave mysql:\n%s", screen(m))
	}
	press(m, "down", "down", "enter") // mysql, redis, api
	frame := screen(m)
	if !strings.Contains(frame, "> api ") || !strings.Contains(frame, "─ logs: api") {
		t.Fatalf("down, down, enter did not select api's logs:\n%s", frame)
	}
	for _, r := range logRows(frame) {
		if !strings.HasPrefix(r, "api ") {
			t.Errorf("api's logs show another service: %q", r)
		}
	}
	press(m, "/", "E", "R", "R")
	if !strings.Contains(screen(m), "/ERR█") {
		t.Fatalf("the filter prompt does not echo what was typed:\n%s", screen(m))
	}
	press(m, "enter")
	frame = screen(m)
	golden(t, "filtered-80x24", frame)
	rows := logRows(frame)
	if len(rows) == 0 {
		t.Fatalf("filter ERR on api hides everything:\n%s", frame)
	}
	for _, r := range rows {
		if !strings.Contains(r, "api ERROR") {
			t.Errorf("filtered logs show %q", r)
		}
	}
	press(m, "esc")
	if rows := logRows(screen(m)); len(rows) <= 3 {
		t.Errorf("esc did not clear the filter: %d rows", len(rows))
	}
	press(m, "a")
	if !strings.Contains(screen(m), "─ logs: all services") {
		t.Errorf("a did not show all services")
	}
	// Smart case: lower case ignores case.
	press(m, "/", "e", "r", "r", "o", "r", "enter")
	for _, r := range logRows(screen(m)) {
		if !strings.Contains(r, "ERROR") {
			t.Errorf("filter error (ignoring case) shows %q", r)
		}
	}
	press(m, "up", "up", "up", "up", "up")
	if !strings.Contains(screen(m), "> mysql ") {
		t.Errorf("up past the top does not stay on the first service")
	}
}

func TestEventsUpdateTheView(t *testing.T) {
	m, _, inbox := newTestModel(t)
	running(m, inbox)
	press(m, "down", "down") // api
	m.Update(updatesMsg{ContainerState{Service: "api", ID: "a1", State: "running", Health: "starting", StartedAt: base, Action: "start"}})
	frame := screen(m)
	if !strings.Contains(frame, "starting: its healthcheck has not passed yet") || !strings.Contains(frame, "api: container started") {
		t.Fatalf("a start event is not shown:\n%s", frame)
	}
	m.Update(updatesMsg{ContainerState{Service: "api", ID: "a1", State: "running", Health: "healthy", StartedAt: base, Action: "health_status"}})
	frame = screen(m)
	if !strings.Contains(frame, "api: health healthy") || !strings.Contains(frame, "running    healthy") {
		t.Fatalf("a health change is not shown:\n%s", frame)
	}
	// devenv's own readiness check is trusted over an engine healthcheck that has not run yet.
	m.Update(updatesMsg{ContainerState{Service: "redis", ID: "r2", State: "running", Health: "starting", StartedAt: base, Action: "start"}})
	if !strings.Contains(rowOf(screen(m), "redis"), "starting") {
		t.Fatalf("redis: %q", rowOf(screen(m), "redis"))
	}
	m.Update(updatesMsg{events.Event{Time: base.Add(time.Second), Service: "redis", Kind: events.Healthy}})
	if !strings.Contains(rowOf(screen(m), "redis"), "healthy") {
		t.Fatalf("redis after devenv saw it ready: %q", rowOf(screen(m), "redis"))
	}
	// A kind this dashboard has never heard of (the hot-reload watcher's) still shows.
	m.Update(updatesMsg{events.Event{Time: base, Service: "web", Kind: events.Kind("reloaded"), Message: "src/App.tsx changed"}})
	if !strings.Contains(screen(m), "web          reloaded src/App.tsx changed") {
		t.Fatalf("a new event kind is not in the activity:\n%s", screen(m))
	}
	m.Update(updatesMsg{events.Event{Time: base, Service: "mysql", Kind: events.Seeded, Message: "2 files"}})
	if !strings.Contains(screen(m), "mysql        seeded 2 files") {
		t.Fatalf("seeding is not in the activity:\n%s", screen(m))
	}
	m.Update(updatesMsg{ContainerState{Service: "api", ID: "a1", State: "exited", ExitCode: 2, Action: "die"}})
	frame = screen(m)
	if !strings.Contains(frame, "exited 2") || !strings.Contains(frame, "api: container exited with code 2") ||
		!strings.Contains(frame, "exited with code 2 (its logs say why; s starts it)") {
		t.Fatalf("a die event is not shown:\n%s", frame)
	}
	// A rebuild replaces a container: the old one's removal does not blank the new one.
	m.Update(updatesMsg{
		ContainerState{Service: "web", ID: "w2", State: "running", StartedAt: base, Action: "start"},
		ContainerState{Service: "web", ID: "w1", Action: "destroy"},
	})
	if !strings.Contains(rowOf(screen(m), "web"), "running") {
		t.Fatalf("web after its old container was removed: %q", rowOf(screen(m), "web"))
	}
	m.Update(updatesMsg{ContainerState{Service: "web", ID: "w2", Action: "destroy"}})
	if !strings.Contains(rowOf(screen(m), "web"), "absent") || !strings.Contains(screen(m), "web: container removed") {
		t.Fatalf("web after its container was removed: %q", rowOf(screen(m), "web"))
	}
	m.Update(updatesMsg{ContainerState{Service: "web", ID: "w3", State: "running", StartedAt: base, Action: "start"}})
	m.Update(updatesMsg{statsMsg{service: "web", stats: Stats{CPUPercent: 55, MemBytes: 300 << 20}}})
	if !strings.Contains(screen(m), "55%   300M") {
		t.Fatalf("a stats sample is not shown:\n%s", screen(m))
	}
}

func TestDependencyGraph(t *testing.T) {
	m, _, inbox := newTestModel(t)
	running(m, inbox)
	m.Update(updatesMsg{
		ContainerState{Service: "mysql", ID: "m1", State: "running", Health: "starting", Action: "start"},
		ContainerState{Service: "api", ID: "a1", Action: "destroy"},
	})
	press(m, "g")
	frame := screen(m)
	golden(t, "graph-80x24", frame)
	for _, want := range []string{
		"─ dependency graph",
		"├─ … mysql  needs healthy, is starting",
		"└─ ✓ redis  needs healthy, is healthy",
		"not up: waits for mysql to be healthy (it is starting)",
	} {
		if !strings.Contains(frame, want) {
			t.Errorf("graph lacks %q:\n%s", want, frame)
		}
	}
	press(m, "g")
	if !strings.Contains(screen(m), "─ logs") {
		t.Error("g again does not go back to the logs")
	}
	press(m, "tab")
	if !strings.Contains(screen(m), "─ activity") {
		t.Error("tab does not go to the activity pane")
	}
}

// run executes a command the way bubbletea would and feeds its message back.
func run(t *testing.T, m *Model, cmd tea.Cmd) tea.Msg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	msg := cmd()
	m.Update(msg)
	return msg
}

func TestKeysCallTheController(t *testing.T) {
	m, ctrl, inbox := newTestModel(t)
	running(m, inbox)
	press(m, "down", "down") // api
	run(t, m, press(m, "r")[0])
	run(t, m, press(m, "b")[0])
	run(t, m, press(m, "s")[0]) // running: stop
	m.Update(updatesMsg{ContainerState{Service: "api", ID: "a1", State: "exited", ExitCode: 0, Action: "die"}})
	run(t, m, press(m, "s")[0]) // stopped: start
	run(t, m, press(m, "f")[0]) // an app: its dependencies
	press(m, "up")              // redis
	run(t, m, press(m, "f")[0])
	if cmd := press(m, "b")[0]; cmd != nil || !strings.Contains(screen(m), "redis: runs an image, nothing to rebuild") {
		t.Errorf("b on an image service:\n%s", screen(m))
	}
	want := []string{"restart api", "rebuild api", "stop api", "start api", "seed mysql,redis", "seed redis"}
	if got := ctrl.Calls(); !slices.Equal(got, want) {
		t.Fatalf("calls = %q, want %q", got, want)
	}
	if !strings.Contains(screen(m), "redis: seed redis done") {
		t.Errorf("a finished action is not in the activity:\n%s", screen(m))
	}

	ctrl.err = errors.New("engine said no")
	run(t, m, press(m, "r")[0])
	if !strings.Contains(screen(m), "redis: restart failed: engine said no") {
		t.Errorf("a failed action is not shown:\n%s", screen(m))
	}
	ctrl.err = nil

	// e suspends the dashboard for a shell: a tea.Exec command.
	cmd := press(m, "e")[0]
	if cmd == nil {
		t.Fatal("e gave no command")
	}

	// D asks first; n keeps the stack.
	press(m, "D")
	if !strings.Contains(screen(m), "stop and remove the stack (volumes are kept)? y/n") {
		t.Fatalf("D does not ask:\n%s", screen(m))
	}
	press(m, "n")
	if slices.Contains(ctrl.Calls(), "down") {
		t.Fatal("down ran after n")
	}
	press(m, "D")
	msg := run(t, m, press(m, "y")[0])
	if done, ok := msg.(actionDoneMsg); !ok || !done.quit || !m.Down() {
		t.Fatalf("D, y: %#v, down=%v", msg, m.Down())
	}

	if _, ok := press(m, "q")[0]().(tea.QuitMsg); !ok {
		t.Error("q does not quit")
	}
}

func TestOneActionPerServiceAtATime(t *testing.T) {
	m, ctrl, inbox := newTestModel(t)
	running(m, inbox)
	first := press(m, "r")[0]
	if second := press(m, "r")[0]; second != nil {
		t.Fatal("a second restart started while the first runs")
	}
	if !strings.Contains(screen(m), "mysql: busy (restart)") || !strings.Contains(screen(m), "mysql restart…") {
		t.Errorf("busy is not shown:\n%s", screen(m))
	}
	run(t, m, first)
	if got := ctrl.Calls(); len(got) != 1 {
		t.Fatalf("calls = %q", got)
	}
}

func TestScrollbackAndFollow(t *testing.T) {
	m, _, inbox := newTestModel(t)
	running(m, inbox)
	for i := range 200 {
		inbox.Log("web", base.Add(time.Second+time.Duration(i)*time.Millisecond), "scroll "+itoa(i))
	}
	last := func() string {
		rows := logRows(screen(m))
		return rows[len(rows)-1]
	}
	if !strings.HasSuffix(last(), "scroll 199") {
		t.Fatalf("following does not show the newest line: %q", last())
	}
	press(m, "pgup")
	paused := last()
	if strings.HasSuffix(paused, "scroll 199") || !strings.Contains(screen(m), "paused (end follows)") {
		t.Fatalf("pgup did not scroll back: %q", paused)
	}
	inbox.Log("web", base.Add(time.Hour), "newer")
	if last() != paused {
		t.Fatalf("a new line moved a paused window: %q, was %q", last(), paused)
	}
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if last() == paused {
		t.Fatal("the mouse wheel does not scroll")
	}
	press(m, "home")
	if rows := logRows(screen(m)); !strings.Contains(rows[0], "api ERROR something failed a") {
		t.Fatalf("home does not show the oldest line: %q", rows[0])
	}
	for range 30 {
		press(m, "pgdown")
	}
	if !strings.HasSuffix(last(), "newer") || !strings.Contains(screen(m), "following") {
		t.Fatalf("paging down to the end does not follow again: %q", last())
	}
	press(m, "F")
	inbox.Log("web", base.Add(2*time.Hour), "newest")
	if strings.HasSuffix(last(), "newest") {
		t.Fatal("F did not pause")
	}
	press(m, "end")
	if !strings.HasSuffix(last(), "newest") {
		t.Fatal("end does not follow")
	}
}

func TestWrapAndTimestamps(t *testing.T) {
	m, _, inbox := newTestModel(t)
	running(m, inbox)
	inbox.Log("api", base.Add(time.Minute), strings.Repeat("long ", 30)+"END")
	if strings.Contains(screen(m), "END") {
		t.Fatal("a long line is not cut without wrap")
	}
	press(m, "w")
	if !strings.Contains(screen(m), "END") || !strings.Contains(screen(m), "· wrap") {
		t.Fatalf("w does not wrap:\n%s", screen(m))
	}
	press(m, "t")
	if !strings.Contains(screen(m), "api     │ 10:01:00.000 long") {
		t.Fatalf("t does not show times:\n%s", screen(m))
	}
}

func TestNoColor(t *testing.T) {
	m, _, inbox := newTestModel(t)
	running(m, inbox)
	if strings.Contains(m.render(), "\x1b[3") || strings.Contains(m.render(), "\x1b[9") {
		t.Error("NO_COLOR frame has colours")
	}
	colored := NewModel(m.ctx, m.ctrl, inbox, Options{Project: "shop", Now: m.opts.Now, Location: time.UTC})
	colored.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	running(colored, inbox)
	if !strings.Contains(colored.render(), "\x1b[3") {
		t.Error("a colour frame has no colours")
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func rowOf(frame, service string) string {
	for _, r := range strings.Split(frame, "\n") {
		if f := strings.Fields(strings.TrimPrefix(r, ">")); len(f) > 2 && f[0] == service {
			return r
		}
	}
	return ""
}

// Samples arriving while nothing reads them (the dashboard suspended for a shell) neither block
// their senders nor queue up: the latest per service is what the next read gets.
func TestActivityPaneShowsAllOfAFailure(t *testing.T) {
	m, _, inbox := newTestModel(t)
	running(m, inbox)
	err := errors.New("job migrate exited with code 1; its last lines:\n  connecting to mysql\n  ERROR 1045: access denied for user 'app' — check the password in devenv.yaml's dependencies.mysql")
	m.Update(updatesMsg{events.Event{Time: base, Service: "migrate", Kind: events.Failed, Err: err}})
	if strip := screen(m); !strings.Contains(strip, "migrate      failed: job migrate exited with code 1; its last lines:") || strings.Contains(strip, "connecting to mysql") {
		t.Fatalf("the strip shows one row per event:\n%s", strip)
	}
	press(m, "v")
	frame := screen(m)
	checkFrame(t, frame, 80, 24)
	for _, want := range []string{"           connecting to mysql", "ERROR 1045: access denied", "dependencies.mysql"} {
		if !strings.Contains(frame, want) {
			t.Errorf("the activity pane lacks %q:\n%s", want, frame)
		}
	}
}

func TestStatsCoalesce(t *testing.T) {
	m, _, inbox := newTestModel(t)
	for i := range 5000 {
		inbox.Stats("api", Stats{CPUPercent: float64(i)})
	}
	msg := waitUpdates(inbox)()
	batch, ok := msg.(updatesMsg)
	if !ok || len(batch) != 1 {
		t.Fatalf("got %#v", msg)
	}
	m.Update(batch)
	if got := m.stats["api"].CPUPercent; got != 4999 {
		t.Fatalf("api's CPU = %v, want the latest sample", got)
	}
}

// More services than the table has rows: the selection stays in view and the frame its size.
func TestManyServicesScrollTheTable(t *testing.T) {
	m, _, _ := newTestModel(t)
	var states updatesMsg
	for i := range 15 {
		name := fmt.Sprintf("svc%02d", i)
		m.services = append(m.services, ServiceInfo{Name: name})
		states = append(states, ContainerState{Service: name, ID: name, State: "running", StartedAt: base})
	}
	m.Update(states)
	for range 30 {
		press(m, "down")
	}
	frame := screen(m)
	checkFrame(t, frame, 80, 24)
	if !strings.HasPrefix(rowOf(frame, "svc14"), ">") || rowOf(frame, "mysql") != "" {
		t.Fatalf("the last service is not selected in view:\n%s", frame)
	}
}
