//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
)

// controlled is a stack for stop, start and restart: app runs under devenv's supervisor (its
// restart rule) and stops at once on SIGTERM; plain has no rules, ignores SIGTERM, and has a
// 2 s stop_grace_period, so how long its stop takes shows which grace was honoured.
const controlled = `services:
  app:
    image: node:20
    command: ["sh", "-c", "echo started; trap 'echo stopping; exit 0' TERM; while :; do sleep 0.1; done"]
    develop:
      watch:
        - path: ./app
          action: restart
  plain:
    image: node:20
    command: ["sh", "-c", "trap '' TERM; echo started; while :; do sleep 0.1; done"]
    stop_grace_period: 2s
`

// graceHonoured fails unless took shows plain's 2 s grace being waited out, and not the
// engine's 10 s default.
func graceHonoured(t *testing.T, what string, took time.Duration) {
	t.Helper()
	if took < 1500*time.Millisecond || took > 9*time.Second {
		t.Errorf("%s took %s: plain ignores SIGTERM, so it must take its 2s stop_grace_period (not the engine's 10s)", what, took)
	}
}

// startedCount waits until svc's log says "started" n times.
func (e *Env) startedCount(id string, n int) {
	e.t.Helper()
	e.Eventually(id, 30*time.Second, 20*time.Millisecond, func(ctx context.Context) error {
		out, err := e.Engine.Logs(ctx, id, 0)
		if err != nil {
			return err
		}
		if got := strings.Count(out, "started\n"); got != n {
			return fmt.Errorf("started %d times, want %d:\n%s", got, n, out)
		}
		return nil
	})
}

// Intent (issue 15): `devenv restart`, `devenv stop`/`start` and the dashboard's r and s act
// through the same operations as hot reload: a supervised service has its process restarted
// inside the same container; any other service is restarted or stopped with its own
// stop_grace_period (2 s here, not the engine's 10 s); a one-off run of a service is never
// touched by an operation on the services.
func TestRestartAndStopTheSameWayEverywhere(t *testing.T) {
	e := NewEnv(t)
	e.composeStack(controlled, "app")
	e.up()
	ps := e.ps()
	app, plain := ps["app"].ID, ps["plain"].ID
	e.startedCount(app, 1)
	e.startedCount(plain, 1)
	appStarted := startedAt(t, e, app)
	// A one-off run of app, as devenv test --one-off makes it: no operation on services touches it.
	oneOff := e.Run("app", engine.ContainerSpec{Name: e.Project + "-app-run-1", Image: e.MirrorImage("node:20"), Cmd: []string{"sleep", "300"},
		Labels: map[string]string{engine.LabelService: "app", engine.LabelComposeOneoff: "True", "com.docker.compose.project": e.Project}})
	oneOffStarted := startedAt(t, e, oneOff)

	// devenv restart (every service).
	start := time.Now()
	r := e.Devenv(e.stackEnv(), "restart")
	took := time.Since(start)
	if r.ExitCode != 0 {
		t.Fatalf("devenv restart exited %d: %s", r.ExitCode, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "restarted its process (supervised)") || !strings.Contains(r.Stderr, "restarted its container") {
		t.Errorf("restart did not say what it restarted:\n%s", r.Stderr)
	}
	graceHonoured(t, "devenv restart", took)
	e.startedCount(app, 2)
	e.startedCount(plain, 2)
	if got := startedAt(t, e, app); !got.Equal(appStarted) {
		t.Errorf("app's container was restarted (started %s, then %s), not its process", appStarted, got)
	}
	if got := startedAt(t, e, oneOff); !got.Equal(oneOffStarted) {
		t.Errorf("devenv restart restarted the one-off run of app")
	}

	// devenv stop and start of one service.
	start = time.Now()
	if r := e.Devenv(e.stackEnv(), "stop", "plain"); r.ExitCode != 0 {
		t.Fatalf("devenv stop exited %d: %s", r.ExitCode, r.Stderr)
	}
	graceHonoured(t, "devenv stop plain", time.Since(start))
	if st, err := e.Engine.InspectContainer(e.Context(time.Minute), plain); err != nil || st.State != engine.StateExited || st.ExitCode != 137 {
		t.Errorf("stopped plain: %+v, %v; want killed (137) after its grace", st, err)
	}
	if ps := e.ps(); ps["app"].State != "running" {
		t.Errorf("stop plain stopped app too: %+v", ps)
	}
	if r := e.Devenv(e.stackEnv(), "start", "plain"); r.ExitCode != 0 {
		t.Fatalf("devenv start exited %d: %s", r.ExitCode, r.Stderr)
	}
	e.startedCount(plain, 3)
	if r := e.Devenv(e.stackEnv(), "restart", "nosuch"); r.ExitCode != 2 || !strings.Contains(r.Stderr, `no service "nosuch"`) {
		t.Errorf("restart of an unknown service: exit %d, %s", r.ExitCode, r.Stderr)
	}

	// The dashboard's keys: r on app restarts its process, s on plain waits out its grace.
	term := newTerminal(t, e, 100, 30, shared.binary+" tui")
	term.waitFor("both services running", 30*time.Second, func(s string) bool {
		return strings.Contains(rowOf(s, "app"), "running") && strings.Contains(rowOf(s, "plain"), "running")
	})
	term.keys("r") // app is the first row
	term.waitText(30*time.Second, "app: restart done")
	e.startedCount(app, 3)
	if got := startedAt(t, e, app); !got.Equal(appStarted) {
		t.Errorf("the dashboard's r restarted app's container (started %s, then %s), not its process", appStarted, got)
	}
	term.keys("Down")
	term.waitFor("plain selected", 5*time.Second, func(s string) bool { return strings.HasPrefix(rowOf(s, "plain"), ">") })
	start = time.Now()
	term.keys("s")
	term.waitText(30*time.Second, "plain: stop done")
	graceHonoured(t, "the dashboard's s on plain", time.Since(start))
	term.keys("s")
	term.waitFor("plain running again", 30*time.Second, func(s string) bool { return strings.Contains(rowOf(s, "plain"), "running") })
	term.keys("q")
	term.waitText(20*time.Second, "devenv-exited-0")
	if got := startedAt(t, e, oneOff); !got.Equal(oneOffStarted) {
		t.Errorf("an operation on the services touched the one-off run of app")
	}
}
