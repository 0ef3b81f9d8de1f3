package dashboard

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/engine/enginetest"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/tui"
)

// feed records what the controller reports and lets a test wait for a report.
type feed struct {
	mu      sync.Mutex
	states  []tui.ContainerState
	stats   map[string]int
	lines   []string
	changed chan struct{}
}

func newFeed() *feed { return &feed{stats: map[string]int{}, changed: make(chan struct{}, 10000)} }

func (f *feed) poke() { f.changed <- struct{}{} }

func (f *feed) Event(events.Event) {}

func (f *feed) Container(st tui.ContainerState) {
	f.mu.Lock()
	f.states = append(f.states, st)
	f.mu.Unlock()
	f.poke()
}

func (f *feed) Stats(service string, _ tui.Stats) {
	f.mu.Lock()
	f.stats[service]++
	f.mu.Unlock()
	f.poke()
}

func (f *feed) Log(service string, _ time.Time, text string) {
	f.mu.Lock()
	f.lines = append(f.lines, service+": "+text)
	f.mu.Unlock()
	f.poke()
}

// waitFor waits until ok holds of what was fed; the bound only turns a missing report into a
// failure instead of a hang.
func (f *feed) waitFor(t *testing.T, what string, ok func(f *feed) bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		f.mu.Lock()
		done := ok(f)
		f.mu.Unlock()
		if done {
			return
		}
		select {
		case <-f.changed:
		case <-deadline:
			f.mu.Lock()
			defer f.mu.Unlock()
			t.Fatalf("never fed %s; states %+v, lines %v", what, f.states, f.lines)
		}
	}
}

// last is the last state reported for service.
func (f *feed) last(service string) tui.ContainerState {
	for i := len(f.states) - 1; i >= 0; i-- {
		if f.states[i].Service == service {
			return f.states[i]
		}
	}
	return tui.ContainerState{}
}

func dashProject() *types.Project {
	return &types.Project{Name: "shop", Services: types.Services{
		"api":   {Name: "api", ContainerSpec: types.ContainerSpec{Image: "api:1"}, WorkloadSpec: types.WorkloadSpec{DependsOn: types.DependsOnConfig{"cache": {Condition: types.ServiceConditionStarted}}}},
		"cache": {Name: "cache", ContainerSpec: types.ContainerSpec{Image: "cache:1"}},
	}}
}

// upDashboard brings dashProject up on a fake with a one-off run of api beside it, and
// starts watching it.
func upDashboard(t *testing.T) (*enginetest.Fake, *Controller, *feed) {
	t.Helper()
	f := enginetest.New()
	ctx := context.Background()
	p := dashProject()
	o := orchestrator.New(f, nil, nil)
	if err := o.Up(ctx, p, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	api, _ := f.ServiceContainer("api")
	if err := f.Log(api.ID, "api booted", false); err != nil {
		t.Fatal(err)
	}
	oneOff, err := f.CreateServiceContainer(ctx, engine.ServiceContainer{Name: "shop-api-run-1", Service: p.Services["api"],
		Labels: map[string]string{engine.LabelProject: "shop", engine.LabelService: "api", engine.LabelComposeOneoff: "True"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.StartContainer(ctx, oneOff); err != nil {
		t.Fatal(err)
	}
	if err := f.Log(oneOff, "one-off output", false); err != nil {
		t.Fatal(err)
	}
	d := New(f, o, p, Options{Timeout: time.Minute})
	fd := newFeed()
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Watch(wctx, fd) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	fd.waitFor(t, "both services and api's log", func(f *feed) bool {
		return f.last("api").State == "running" && f.last("cache").State == "running" && slices.Contains(f.lines, "api: api booted")
	})
	return f, d, fd
}

// The dashboard follows the engine's events: a stop, a start and a removal each change the row
// at once, from one inspect of the container the event is about (never a relisting of the
// project, which here would fail), and one-off runs never show.
func TestWatchFollowsTheEnginesEvents(t *testing.T) {
	f, _, fd := upDashboard(t)
	ctx := context.Background()
	f.FailNext("ProjectContainers", errors.New("a relisting: the dashboard must inspect the one container"))
	cache, _ := f.ServiceContainer("cache")
	if err := f.StopContainer(ctx, cache.ID, nil); err != nil {
		t.Fatal(err)
	}
	fd.waitFor(t, "cache stopped", func(f *feed) bool { return f.last("cache").State == "exited" && f.last("cache").Action == "stop" })
	if err := f.StartContainer(ctx, cache.ID); err != nil {
		t.Fatal(err)
	}
	fd.waitFor(t, "cache running again", func(f *feed) bool { return f.last("cache").State == "running" })
	// Its stats stream ended with the container and opens again with it.
	if err := f.SetStats(cache.ID, engine.Stats{CPUPercent: 12, MemBytes: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	fd.waitFor(t, "cache's stats after its restart", func(f *feed) bool { return f.stats["cache"] > 0 })
	if err := f.SetHealth(cache.ID, engine.HealthHealthy); err != nil {
		t.Fatal(err)
	}
	fd.waitFor(t, "cache healthy", func(f *feed) bool { return f.last("cache").Health == "healthy" })
	api, _ := f.ServiceContainer("api")
	if err := f.Log(api.ID, "after the events", false); err != nil {
		t.Fatal(err)
	}
	fd.waitFor(t, "api's new line", func(f *feed) bool { return slices.Contains(f.lines, "api: after the events") })
	if err := f.RemoveContainer(ctx, cache.ID); err != nil {
		t.Fatal(err)
	}
	fd.waitFor(t, "cache removed", func(f *feed) bool { return f.last("cache").Action == "destroy" })
	fd.mu.Lock()
	defer fd.mu.Unlock()
	for _, st := range fd.states {
		if strings.Contains(st.ID, "run") || st.Service == "" {
			t.Errorf("reported %+v", st)
		}
	}
	if slices.Contains(fd.lines, "api: one-off output") {
		t.Errorf("the one-off run's log shows: %v", fd.lines)
	}
}

// The keys act through the orchestrator's operations: r restarts (with the service's own
// grace), s stops and starts, and a start of a service with no container brings it up.
func TestKeysActThroughTheOperations(t *testing.T) {
	f, d, fd := upDashboard(t)
	ctx := context.Background()
	n := len(f.Calls())
	if err := d.Restart(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	if err := d.Stop(ctx, "cache"); err != nil {
		t.Fatal(err)
	}
	fd.waitFor(t, "cache stopped", func(f *feed) bool { return f.last("cache").State == "exited" })
	if err := d.Start(ctx, "cache"); err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()[n:]
	if want := []string{"restart api 10s", "stop cache 10s", "start cache"}; !slices.Equal(calls, want) {
		t.Errorf("calls %v, want %v", calls, want)
	}
	api, _ := f.ServiceContainer("api")
	if err := f.RemoveContainer(ctx, api.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.ServiceContainer("api"); !ok {
		t.Error("s on a service without a container did not bring it up")
	}
	fd.waitFor(t, "api's new container", func(f *feed) bool { return f.last("api").State == "running" && f.last("api").ID != api.ID })
	if err := d.Restart(ctx, "nosuch"); err == nil {
		t.Error("restart of an unknown service succeeded")
	}
}

// The shell ends with the dashboard's context, and says so when the image has no shell.
func TestShell(t *testing.T) {
	f, d, _ := upDashboard(t)
	f.HandleExec(func(c engine.ContainerState, cmd []string) (int, string, bool) {
		return 1, "", c.Service == "cache" && cmd[0] == "/bin/sh"
	})
	sh := d.Shell(context.Background(), "cache")
	var out strings.Builder
	sh.SetStdout(&out)
	if err := sh.Run(); err == nil || !strings.Contains(err.Error(), "cache's image has no shell") {
		t.Errorf("shell without /bin/sh: %v", err)
	}
	// An exec that waits for its input until the dashboard ends.
	f.HandleExec(func(c engine.ContainerState, cmd []string) (int, string, bool) { return 0, "", false })
	ctx, cancel := context.WithCancel(context.Background())
	sh = d.Shell(ctx, "api")
	in, _ := io.Pipe()
	sh.SetStdin(in)
	sh.SetStdout(&out)
	sh.SetStderr(&out)
	done := make(chan error, 1)
	go func() { done <- sh.Run() }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("shell after the dashboard ended: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the shell outlived the dashboard")
	}
}
