//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var talkerOnce struct {
	sync.Once
	path string
	err  error
}

// talkerBinary builds testdata/talker once: a static binary, so its image is FROM scratch and
// needs no pull.
func talkerBinary(t testing.TB) string {
	t.Helper()
	talkerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "devenv-e2e-talker-")
		if err != nil {
			talkerOnce.err = err
			return
		}
		talkerOnce.path = filepath.Join(dir, "talker")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", talkerOnce.path, "./test/e2e/testdata/talker")
		cmd.Dir = repoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := cmd.CombinedOutput(); err != nil {
			talkerOnce.err = &buildErr{out: string(out), err: err}
		}
	})
	if talkerOnce.err != nil {
		t.Fatal(talkerOnce.err)
	}
	return talkerOnce.path
}

type buildErr struct {
	out string
	err error
}

func (b *buildErr) Error() string { return "build talker: " + b.err.Error() + "\n" + b.out }

// talkerService writes a service folder dir/name with the talker binary and a FROM scratch
// Dockerfile, and returns its devenv.yaml entry.
func talkerService(t testing.TB, dir, name string, env map[string]string, extra string) string {
	t.Helper()
	data, err := os.ReadFile(talkerBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name, "talker"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, name, "Dockerfile"), "FROM scratch\nCOPY talker /talker\nENTRYPOINT [\"/talker\"]\n")
	var envs []string
	for k, v := range env {
		envs = append(envs, k+": \""+v+"\"")
	}
	return "  " + name + ":\n    path: ./" + name + "\n    build: {}\n    env: {" + strings.Join(envs, ", ") + "}\n" + extra
}

// terminal is a tmux server of one test's own with one window: a real terminal, as a person's.
type terminal struct {
	t      testing.TB
	e      *Env
	socket string
	screen string
}

func newTerminal(t testing.TB, e *Env, w, h int, command string) *terminal {
	t.Helper()
	term := &terminal{t: t, e: e, socket: "devenv-" + e.Project}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", term.socket, "kill-server").Run() })
	term.tmux("new-session", "-d", "-s", "main", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), term.commandLine(command))
	return term
}

// commandLine runs a devenv command in the test's dir and environment. CI=true would (rightly)
// keep devenv from taking over the terminal: this run is a person's. The sleep keeps the window
// open after devenv exits, to read what it printed last.
func (term *terminal) commandLine(command string) string {
	env := "env -u CI " + strings.Join(term.e.stackEnv(), " ") + " TERM=xterm-256color "
	return "cd " + term.e.Dir + " && " + env + command + "; echo devenv-exited-$?; sleep 120"
}

// run replaces what runs in the window with command.
func (term *terminal) run(command string) {
	term.t.Helper()
	term.tmux("respawn-pane", "-k", "-t", "main", term.commandLine(command))
}

func (term *terminal) tmux(args ...string) string {
	term.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// keys types into the terminal: tmux key names (Enter, Escape, Down) or literal text.
func (term *terminal) keys(keys ...string) {
	term.t.Helper()
	term.tmux(append([]string{"send-keys", "-t", "main"}, keys...)...)
}

func (term *terminal) text(s string) {
	term.t.Helper()
	term.tmux("send-keys", "-t", "main", "-l", s)
}

// waitFor captures the screen until ok accepts it, and fails showing the last screen if it never
// does within d.
func (term *terminal) waitFor(what string, d time.Duration, ok func(screen string) bool) string {
	term.t.Helper()
	deadline := time.Now().Add(d)
	for {
		term.screen = term.tmux("capture-pane", "-p", "-t", "main")
		if ok(term.screen) {
			return term.screen
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("the screen never showed %s:\n%s", what, term.screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (term *terminal) waitText(d time.Duration, parts ...string) string {
	term.t.Helper()
	return term.waitFor(strings.Join(parts, " and "), d, func(s string) bool { return contains(s, parts...) })
}

// rowOf is the screen row of the services table for service.
func rowOf(screen, service string) string {
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(strings.TrimPrefix(line, ">"))
		if len(f) > 2 && f[0] == service {
			return line
		}
	}
	return ""
}

// hasStats reports whether a services row shows CPU and memory figures.
func hasStats(row string) bool {
	f := strings.Fields(row)
	return len(f) > 2 && (strings.HasSuffix(f[len(f)-1], "K") || strings.HasSuffix(f[len(f)-1], "M")) && strings.HasSuffix(f[len(f)-2], "%")
}

// logRows are the rows of the logs pane.
func logRows(screen string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(screen, "\n") {
		switch {
		case strings.HasPrefix(line, "─ logs"):
			in = true
		case strings.HasPrefix(line, "─ "):
			in = false
		case in && strings.Contains(line, " │ "):
			out = append(out, line)
		}
	}
	return out
}

// Intent: `devenv up` on a terminal opens the dashboard at once and shows the stack coming up;
// a person selects a service, filters its logs, restarts it and sees each step on the screen;
// q leaves the stack running and says how to stop it. Then `devenv tui` attaches to the running
// stack, opens a shell in a container and comes back, and D (after asking) takes the stack down.
func TestDashboard(t *testing.T) {
	e := NewEnv(t)
	yaml := "dependencies:\n  redis: {}\nservices:\n" +
		talkerService(t, e.Dir, "api", map[string]string{"NAME": "api", "RATE": "5"}, "") +
		talkerService(t, e.Dir, "worker", map[string]string{"NAME": "worker", "RATE": "2"}, "")
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), yaml)
	e.MirrorImage("redis:7")

	term := newTerminal(t, e, 80, 24, shared.binary+" up")
	// Progress shows while the stack comes up, then every service runs.
	screen := term.waitFor("all three services running", 3*time.Minute, func(s string) bool {
		return strings.Contains(rowOf(s, "api"), "running") && strings.Contains(rowOf(s, "worker"), "running") &&
			strings.Contains(rowOf(s, "redis"), "running")
	})
	for _, want := range []string{"devenv " + e.Project, "SERVICE", "KIND", "STATE", "HEALTH", "PORTS", "CPU", "MEM", "dep:redis", "─ logs: all services", "─ activity"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the dashboard lacks %q:\n%s", want, screen)
		}
	}
	// CPU and memory arrive from the engine's stats stream.
	term.waitFor("api's memory use", 30*time.Second, func(s string) bool { return hasStats(rowOf(s, "api")) })
	// Both apps' lines, interleaved.
	screen = term.waitFor("both apps' logs", 30*time.Second, func(s string) bool {
		rows := logRows(s)
		return contains(strings.Join(rows, "\n"), "api     │ api line", "worker  │ worker line")
	})

	// Select api (the dependency comes first), show only its logs.
	term.keys("Down", "Enter")
	screen = term.waitText(10*time.Second, "─ logs: api")
	if !strings.HasPrefix(rowOf(screen, "api"), ">") {
		t.Fatalf("api is not the selected row:\n%s", screen)
	}
	screen = term.waitFor("api's logs only", 10*time.Second, func(s string) bool {
		rows := logRows(s)
		if len(rows) < 3 {
			return false
		}
		for _, r := range rows {
			if !strings.HasPrefix(r, "api ") {
				return false
			}
		}
		return true
	})

	// Filter: only lines with "line 1" (1, 10-19, 100-199 ...).
	term.keys("/")
	term.text("line 1")
	term.waitText(5*time.Second, "/line 1█")
	term.keys("Enter")
	screen = term.waitText(5*time.Second, `filter "line 1"`)
	for _, r := range logRows(screen) {
		if !strings.Contains(r, "api line 1") {
			t.Errorf("filtered logs show %q", r)
		}
	}
	if len(logRows(screen)) == 0 {
		t.Fatalf("the filter hides every line:\n%s", screen)
	}

	// Restart api: the activity says so and the engine's container restarted.
	before := e.ps()["api"]
	startedBefore := startedAt(t, e, before.ID)
	term.keys("r")
	screen = term.waitText(30*time.Second, "api: restart done")
	screen = term.waitText(10*time.Second, "api: container started")
	if after := startedAt(t, e, before.ID); !after.After(startedBefore) {
		t.Fatalf("api was not restarted: started %s, before %s", after, startedBefore)
	}
	// The restarted process counts from 1 again, and its lines follow the old ones in the pane.
	term.keys("Escape")
	term.waitFor("api's lines counting again after the restart", 20*time.Second, func(s string) bool {
		prev := 0
		for _, r := range logRows(s) {
			n, err := strconv.Atoi(r[strings.LastIndex(r, " ")+1:])
			if err != nil {
				continue
			}
			if n < prev && n <= 3 {
				return true
			}
			prev = n
		}
		return false
	})

	// s stops worker, s again starts it.
	term.keys("Down")
	term.waitFor("worker selected", 5*time.Second, func(s string) bool { return strings.HasPrefix(rowOf(s, "worker"), ">") })
	term.keys("s")
	term.waitFor("worker stopped", 30*time.Second, func(s string) bool { return strings.Contains(rowOf(s, "worker"), "exited") })
	term.waitText(10*time.Second, "worker: stop done")
	term.keys("s")
	term.waitFor("worker running again", 30*time.Second, func(s string) bool { return strings.Contains(rowOf(s, "worker"), "running") })
	// Its stats stream ended with the container and opens again with it.
	term.waitFor("worker's memory use after the start", 30*time.Second, func(s string) bool { return hasStats(rowOf(s, "worker")) })

	// b rebuilds api: the build's progress shows in the activity.
	term.keys("Up")
	term.waitFor("api selected", 5*time.Second, func(s string) bool { return strings.HasPrefix(rowOf(s, "api"), ">") })
	term.keys("b")
	term.waitText(2*time.Minute, "api: rebuild done")
	term.keys("v") // the whole activity
	term.waitText(5*time.Second, "─ activity", "api          building", "api          built")
	term.keys("v")

	// q leaves the stack running and says how to stop it.
	term.keys("q")
	screen = term.waitText(20*time.Second, "is still running", "devenv down", "devenv-exited-0")
	if ps := e.ps(); ps["api"].State != "running" || ps["worker"].State != "running" {
		t.Fatalf("q stopped the stack: %+v", ps)
	}

	// devenv tui attaches to the running stack.
	term.run(shared.binary + " tui")
	term.waitFor("the attached dashboard", 30*time.Second, func(s string) bool {
		return strings.Contains(rowOf(s, "worker"), "running") && strings.Contains(s, "worker line")
	})
	// worker's FROM scratch image has no shell: the dashboard says so and stays.
	term.keys("Down", "Down")
	term.waitFor("worker selected", 5*time.Second, func(s string) bool { return strings.HasPrefix(rowOf(s, "worker"), ">") })
	term.keys("e")
	term.waitText(20*time.Second, "worker: shell: worker's image has no shell (/bin/sh)")
	// A shell in redis's container.
	term.keys("Up", "Up")
	term.waitFor("redis selected", 5*time.Second, func(s string) bool { return strings.HasPrefix(rowOf(s, "redis"), ">") })
	term.keys("e")
	term.waitText(20*time.Second, "shell in redis")
	term.text("echo from-the-shell-$((6*7))")
	term.keys("Enter")
	term.waitText(10*time.Second, "from-the-shell-42")
	term.text("exit")
	term.keys("Enter")
	term.waitText(10*time.Second, "redis: shell closed", "─ logs")
	// The dashboard reads keys again: nothing was left reading the terminal for the shell.
	term.keys("?")
	term.waitText(5*time.Second, "this help", "quit; the stack keeps running")
	// A terminal sends Esc as the first byte of longer keys: wait for it to be read alone.
	term.keys("Escape")
	term.waitFor("the help closed", 5*time.Second, func(s string) bool { return !strings.Contains(s, "this help") })
	// Attached later, the dashboard knows redis's health from the engine's healthcheck, which
	// runs every 10 s.
	term.waitText(30*time.Second, e.Project+" · 3/3 up")

	// D asks first; n keeps the stack, D then y takes it down.
	term.keys("D")
	term.waitText(5*time.Second, "stop and remove the stack (volumes are kept)? y/n")
	term.keys("n")
	term.waitText(5*time.Second, "down cancelled")
	term.keys("D")
	term.waitText(5*time.Second, "? y/n")
	term.keys("y")
	term.waitText(60*time.Second, "is down (volumes kept)", "devenv-exited-0")
	if ps := e.ps(); len(ps) != 0 {
		t.Fatalf("after D, y: %+v", ps)
	}
}

// Intent: NO_COLOR (which the tests' environment sets) leaves the dashboard without colour
// sequences; a resize redraws it to the new size without stray rows; stdout that is not a
// terminal gets the plain lines, not the dashboard.
func TestDashboardNoColorResizeAndPipe(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), "services:\n"+
		talkerService(t, e.Dir, "solo", map[string]string{"NAME": "solo", "RATE": "5"}, ""))
	term := newTerminal(t, e, 80, 24, shared.binary+" up")
	term.waitFor("solo running", 3*time.Minute, func(s string) bool { return strings.Contains(rowOf(s, "solo"), "running") })
	styled := term.tmux("capture-pane", "-p", "-e", "-t", "main")
	for _, sgr := range []string{"\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[36m", "\x1b[90m", "\x1b[38;"} {
		if strings.Contains(styled, sgr) {
			t.Fatalf("NO_COLOR screen has colour %q:\n%q", sgr, styled)
		}
	}
	term.tmux("resize-window", "-t", "main", "-x", "100", "-y", "30")
	screen := term.waitFor("a 100x30 frame", 10*time.Second, func(s string) bool {
		return strings.Contains(s, strings.Repeat("─", 60)) && len(strings.Split(strings.TrimRight(s, "\n"), "\n")) == 30
	})
	if !strings.Contains(screen, "r restart") || !strings.HasPrefix(screen, "devenv "+e.Project) {
		t.Fatalf("after the resize:\n%s", screen)
	}
	term.keys("q")
	term.waitText(20*time.Second, "devenv-exited-0")

	// Not a terminal: `up` prints plain progress and follows the logs with prefixes.
	cmd := exec.Command(shared.binary, "up", "--timeout", "2m")
	cmd.Dir = e.Dir
	cmd.Env = append(os.Environ(), e.stackEnv()...)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _ := out.Read(buf)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if got := string(buf[:n]); !strings.HasPrefix(got, "solo | solo line") || strings.Contains(got, "\x1b[") {
		t.Fatalf("up with stdout a pipe printed %q", got)
	}
}

func startedAt(t *testing.T, e *Env, id string) time.Time {
	t.Helper()
	rt, err := e.Engine.InspectContainer(e.Context(time.Minute), id)
	if err != nil {
		t.Fatal(err)
	}
	return rt.StartedAt
}

// Intent: when `up` fails behind the dashboard (a job its app waits on exits 3), the screen says
// which service failed, why the app is not up, and the job's output; q then exits 1 with the
// error and its fix, as a plain `up` would.
func TestDashboardShowsWhyAServiceIsNotUp(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "compose.yaml"), `services:
  migrate:
    image: redis:7
    command: ["sh", "-c", "echo connecting to the database; echo ERROR 1045 access denied; exit 3"]
  api:
    image: redis:7
    command: ["sh", "-c", "exec sleep infinity"]
    depends_on:
      migrate: {condition: service_completed_successfully}
`)
	e.MirrorImage("redis:7")
	term := newTerminal(t, e, 80, 24, shared.binary+" up")
	screen := term.waitText(2*time.Minute, "failed: service migrate")
	if !strings.Contains(rowOf(screen, "migrate"), "exited 3") || !contains(strings.Join(logRows(screen), "\n"), "ERROR 1045 access denied") {
		t.Fatalf("the failed job is not shown:\n%s", screen)
	}
	term.keys("g")
	term.waitText(10*time.Second, "─ dependency graph", "migrate  needs completed, failed with code 3",
		"not up: waits for migrate to be completed (it failed with code 3)")
	term.keys("v")
	term.waitText(10*time.Second, "last log lines of migrate", "| ERROR 1045 access denied")
	term.keys("q")
	term.waitText(20*time.Second, "devenv: service migrate", "fix:", "devenv-exited-1")
}

// Intent: q while `up` is still waiting (a healthcheck that never passes) stops the up there,
// leaves what was started running, and says how to go on or remove it.
func TestDashboardQuitDuringUp(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "compose.yaml"), `services:
  never:
    image: redis:7
    command: ["sh", "-c", "exec sleep infinity"]
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 1000
  app:
    image: redis:7
    command: ["sh", "-c", "exec sleep infinity"]
    depends_on:
      never: {condition: service_healthy}
`)
	e.MirrorImage("redis:7")
	term := newTerminal(t, e, 80, 24, shared.binary+" up")
	screen := term.waitFor("never running and app waiting", 2*time.Minute, func(s string) bool {
		return strings.Contains(rowOf(s, "never"), "running") && strings.Contains(s, "waits for never to be healthy")
	})
	term.keys("q")
	// The terminal wraps the long line: read the screen as one.
	screen = term.waitFor("how to go on", 30*time.Second, func(s string) bool {
		return contains(strings.ReplaceAll(s, "\n", ""), "up was stopped before every service was ready: devenv up goes on, devenv down removes it", "devenv-exited-0")
	})
	if ps := e.ps(); ps["never"].State != "running" {
		t.Fatalf("quitting during up stopped what was running: %+v\n%s", ps, screen)
	}
}
