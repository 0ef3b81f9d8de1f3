package orchestrator

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/engine/enginetest"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/supervise"
)

// upTestProject brings testProject up on a fresh fake, with a one-off run of api and a reaper
// beside it, which no operation on services may touch.
func upTestProject(t *testing.T) (*enginetest.Fake, *Orchestrator, *events.Recorder, *types.Project) {
	t.Helper()
	f := newFakeEngine()
	rec := &events.Recorder{}
	o := newTestOrchestrator(f, rec)
	p := testProject()
	grace := types.Duration(4 * time.Second)
	db := p.Services["db"]
	db.StopGracePeriod = &grace
	p.Services["db"] = db
	ctx := context.Background()
	if err := o.Up(ctx, p, UpOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	oneOff, err := f.CreateServiceContainer(ctx, engine.ServiceContainer{Name: "shop-api-run-1", Service: p.Services["api"],
		Labels: map[string]string{engine.LabelProject: "shop", engine.LabelService: "api", engine.LabelComposeOneoff: "True"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.RunContainer(ctx, engine.ContainerSpec{Name: "shop-reaper", Labels: map[string]string{engine.LabelProject: "shop", engine.LabelReaper: "true"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.StartContainer(ctx, oneOff); err != nil {
		t.Fatal(err)
	}
	return f, o, rec, p
}

// callsSince are the calls made after the first n, without the engine's own listing chatter.
func callsSince(f *enginetest.Fake, n int) []string { return f.Calls()[n:] }

func kinds(rec *events.Recorder, service string) string {
	var out []string
	for _, e := range rec.Events() {
		if e.Service == service {
			out = append(out, string(e.Kind))
		}
	}
	return strings.Join(out, ",")
}

// Restarting every service restarts the services' own containers only, each with its own grace
// (db's stop_grace_period, the engine's default for the rest), what they depend on first; a
// finished job is started again.
func TestRestartRestartsOnlyTheServicesInDependencyOrder(t *testing.T) {
	f, o, rec, p := upTestProject(t)
	n := len(f.Calls())
	if err := o.Restart(context.Background(), p, RestartOptions{}); err != nil {
		t.Fatal(err)
	}
	calls := callsSince(f, n)
	for _, want := range []string{"restart db 4s", "restart api 10s", "restart cache 10s", "start migrate"} {
		if !slices.Contains(calls, want) {
			t.Errorf("no %q in %v", want, calls)
		}
	}
	if i, j := slices.Index(calls, "restart db 4s"), slices.Index(calls, "start migrate"); i > j {
		t.Errorf("migrate restarted before the db it depends on: %v", calls)
	}
	for _, c := range calls {
		if strings.Contains(c, "reaper") || strings.HasPrefix(c, "restart api") && strings.Count(strings.Join(calls, ";"), "restart api") > 1 {
			t.Errorf("touched a one-off run or the reaper: %v", calls)
		}
	}
	if got := kinds(rec, "cache"); !strings.HasSuffix(got, "stopping,restarted") {
		t.Errorf("cache events %s", got)
	}
}

// An explicit grace overrides the services' own; a named service must exist and have a
// container.
func TestRestartOfNamedServices(t *testing.T) {
	f, o, _, p := upTestProject(t)
	ctx := context.Background()
	n := len(f.Calls())
	one := time.Second
	if err := o.Restart(ctx, p, RestartOptions{Services: []string{"db"}, Grace: &one}); err != nil {
		t.Fatal(err)
	}
	if got := callsSince(f, n); !slices.Equal(got, []string{"restart db 1s"}) {
		t.Errorf("calls %v", got)
	}
	var unknown *UnknownServiceError
	if err := o.Restart(ctx, p, RestartOptions{Services: []string{"dbb"}}); !errors.As(err, &unknown) || !strings.Contains(err.Error(), "api, cache, db, migrate") {
		t.Errorf("unknown service: %v", err)
	}
	p.Services["worker"] = types.ServiceConfig{Name: "worker"}
	var none *NoContainerError
	if err := o.Restart(ctx, p, RestartOptions{Services: []string{"worker"}}); !errors.As(err, &none) || none.Hint() != "devenv up worker creates and starts it" {
		t.Errorf("service without a container: %v", err)
	}
}

// A supervised service's restart asks its supervisor, with its stop_grace_period or the
// caller's default, and falls back to a container restart only when that fails.
func TestRestartAsksTheSupervisor(t *testing.T) {
	for _, failing := range []bool{false, true} {
		f := newFakeEngine()
		if failing {
			f.ExecFails(supervise.Binary)
		}
		p := supervisedProject(t.TempDir())
		o, rec := upSupervised(t, f, p)
		n := len(f.Calls())
		if err := o.Restart(context.Background(), p, RestartOptions{Services: []string{"api"}, DefaultGrace: 2 * time.Second}); err != nil {
			t.Fatal(err)
		}
		ask := "exec api " + strings.Join(supervise.RestartCommand("devenv-supervise-shop-api-1", 2*time.Second), " ")
		calls := callsSince(f, n)
		want := []string{ask}
		if failing {
			want = append(want, "restart api 2s")
		}
		if !slices.Equal(calls, want) {
			t.Errorf("failing=%v: calls %v, want %v", failing, calls, want)
		}
		var how string
		for _, e := range rec.Events() {
			if e.Kind == events.Restarted {
				how = e.Message
			}
		}
		if wantHow := map[bool]string{false: "its process (supervised)", true: "its container"}[failing]; how != wantHow {
			t.Errorf("failing=%v: restarted %q, want %q", failing, how, wantHow)
		}
	}
}

// Stop ends the apps before what they depend on, each with its own grace unless one is given,
// and reports stopping and stopped; Start brings them back, dependencies first.
func TestStopAndStartFollowTheDependencies(t *testing.T) {
	f, o, rec, p := upTestProject(t)
	ctx := context.Background()
	n := len(f.Calls())
	if err := o.Stop(ctx, p, StopOptions{}); err != nil {
		t.Fatal(err)
	}
	calls := callsSince(f, n)
	if i, j := slices.Index(calls, "stop api 10s"), slices.Index(calls, "stop db 4s"); i < 0 || j < 0 || i > j {
		t.Errorf("api must stop before db: %v", calls)
	}
	if slices.ContainsFunc(calls, func(c string) bool { return strings.Contains(c, "migrate") }) {
		t.Errorf("the finished job was stopped: %v", calls)
	}
	if got := kinds(rec, "db"); !strings.HasSuffix(got, "stopping,stopped") {
		t.Errorf("db events %s", got)
	}
	if st, _ := f.ServiceContainer("db"); st.State != engine.StateExited {
		t.Errorf("db is %s", st.State)
	}
	n = len(f.Calls())
	if err := o.Start(ctx, p, StartOptions{Services: []string{"api", "db"}}); err != nil {
		t.Fatal(err)
	}
	// api reaches db through migrate, which is not started: db still comes first.
	if calls := callsSince(f, n); !slices.Equal(calls, []string{"start db", "start api"}) {
		t.Errorf("start calls %v, want db then api", calls)
	}
	if err := o.Start(ctx, p, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	zero := time.Duration(0)
	n = len(f.Calls())
	if err := o.Stop(ctx, p, StopOptions{Services: []string{"cache"}, Grace: &zero}); err != nil {
		t.Fatal(err)
	}
	if calls := callsSince(f, n); !slices.Equal(calls, []string{"stop cache 0s"}) {
		t.Errorf("stop with a grace: %v", calls)
	}
}

func TestKillPauseAndRemove(t *testing.T) {
	f, o, _, p := upTestProject(t)
	ctx := context.Background()
	if err := o.Pause(ctx, p, []string{"cache"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.ServiceContainer("cache"); st.State != engine.StatePaused {
		t.Errorf("cache is %s after pause", st.State)
	}
	if err := o.Start(ctx, p, StartOptions{Services: []string{"cache"}}); err == nil || !strings.Contains(err.Error(), "unpause") {
		t.Errorf("start of a paused service: %v", err)
	}
	if err := o.Unpause(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	if err := o.Kill(ctx, p, KillOptions{Services: []string{"api"}, Signal: "SIGHUP"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.ServiceContainer("api"); st.State != engine.StateRunning {
		t.Errorf("SIGHUP ended api: %s", st.State)
	}
	if err := o.Kill(ctx, p, KillOptions{Services: []string{"api"}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.ServiceContainer("api"); st.State != engine.StateExited || st.ExitCode != 137 {
		t.Errorf("SIGKILL left api %s (%d)", st.State, st.ExitCode)
	}
	// rm removes the stopped (api, migrate) and leaves the running unless told to stop them.
	if err := o.Remove(ctx, p, RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, _ := f.ProjectContainers(ctx, "shop")
	var left []string
	for _, c := range cs {
		left = append(left, c.Name)
	}
	if want := []string{"shop-reaper", "shop-api-run-1", "shop-cache-1", "shop-db-1"}; !slices.Equal(left, want) {
		t.Errorf("after rm: %v, want %v", left, want)
	}
	if err := o.Remove(ctx, p, RemoveOptions{Services: []string{"db"}, Stop: true}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.ServiceContainer("db"); ok {
		t.Error("rm --stop kept db")
	}
}

// A one-off run gets the service's configuration and the command, its output and exit code,
// and is removed when it ends.
func TestRunOneOff(t *testing.T) {
	f, o, _, p := upTestProject(t)
	f.OneOffExits("api", 5)
	f.LogOnStart("api", "tests ran")
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, err := o.Run(ctx, p, RunOptions{Service: "api", Command: []string{"go", "test"}, Stdout: &out, Stderr: &out})
	if err != nil || code != 5 {
		t.Fatalf("Run = %d, %v", code, err)
	}
	if out.String() != "tests ran\n" {
		t.Errorf("output %q", out.String())
	}
	sc, _ := f.Created("api")
	if !slices.Equal(sc.Service.Command, []string{"go", "test"}) || sc.Labels[engine.LabelComposeOneoff] != "True" || len(sc.Service.Ports) != 0 {
		t.Errorf("created %+v", sc)
	}
	cs, _ := f.ProjectContainers(context.Background(), "shop")
	for _, c := range cs {
		if strings.Contains(c.Name, "-api-run-") && c.Name != "shop-api-run-1" {
			t.Errorf("the one-off container %s was left", c.Name)
		}
	}
}

// The teardown every front end shares: all it can, each failure reported; a reaper's teardown
// kills at once, keeps the reapers and removes data and built images.
func TestTeardown(t *testing.T) {
	f, _, _, _ := upTestProject(t)
	ctx := context.Background()
	f.FailNext("RemoveContainer", errors.New("device busy"))
	zero := time.Duration(0)
	rec := &events.Recorder{}
	err := Teardown(ctx, f, "shop", DownOptions{Volumes: true, Images: true, Grace: &zero, KeepReapers: true}, rec)
	if err == nil || !strings.Contains(err.Error(), "device busy") {
		t.Fatalf("teardown error %v; want the failed removal", err)
	}
	if stops := f.CallsFor("stop "); len(stops) != 0 {
		t.Errorf("a zero grace stopped containers instead of killing them: %v", stops)
	}
	left, err := Leftovers(ctx, f, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Containers) != 1 || len(left.Networks) != 0 || len(left.Volumes) != 0 {
		t.Errorf("left %+v: only the container whose removal failed may stay", left)
	}
	if err := Teardown(ctx, f, "shop", DownOptions{KeepReapers: true}, rec); err != nil {
		t.Fatal(err)
	}
	cs, _ := f.ProjectContainers(ctx, "shop")
	if len(cs) != 1 || !cs[0].Reaper() {
		t.Errorf("after teardown: %v; only the reaper stays", cs)
	}
}

// Readiness ends the moment the engine reports the service healthy, although devenv's own
// probe never passes: the event, not polling, decides.
func TestReadinessFollowsTheEnginesEvents(t *testing.T) {
	f := newFakeEngine()
	f.HealthyAfter("db", 1<<30)
	o := newTestOrchestrator(f, &events.Recorder{})
	o.probeInterval = time.Hour // a probe after the first would never come in time
	done := make(chan error, 1)
	go func() { done <- o.Up(context.Background(), testProject(), UpOptions{Wait: true}) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.WaitCall(ctx, "exec db check"); err != nil {
		t.Fatal(err)
	}
	db, _ := f.ServiceContainer("db")
	if err := f.SetHealth(db.ID, engine.HealthHealthy); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Up: %v", err)
	}

	// A death while waiting ends the wait at once with the exit code.
	f = newFakeEngine()
	f.HealthyAfter("db", 1<<30)
	o = newTestOrchestrator(f, &events.Recorder{})
	o.probeInterval = time.Hour
	go func() { done <- o.Up(context.Background(), testProject(), UpOptions{Wait: true}) }()
	if err := f.WaitCall(ctx, "exec db check"); err != nil {
		t.Fatal(err)
	}
	db, _ = f.ServiceContainer("db")
	if err := f.Exit(db.ID, 1); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), "exited with code 1") {
		t.Fatalf("Up after db died: %v", err)
	}
}
