package orchestrator

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/supervise"
)

// superviseWith makes o supervise as if devenv were a static binary at path.
func superviseWith(o *Orchestrator, path string) {
	o.Supervise(path)
	o.supervisor.static = func(string) error { return nil }
}

// supervisedProject: api restarts on source edits, and its image says what it runs.
func supervisedProject(dir string) *types.Project {
	p := reloadProject(dir)
	delete(p.Services, "web")
	return p
}

func upSupervised(t *testing.T, f *fakeEngine, p *types.Project) (*Orchestrator, *events.Recorder) {
	t.Helper()
	f.images["api:1"] = true
	f.imageCmd["api:1"] = []string{"go", "run", "."}
	rec := &events.Recorder{}
	o := newTestOrchestrator(f, rec)
	superviseWith(o, filepath.Join(t.TempDir(), "devenv"))
	if err := o.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	return o, rec
}

func (f *fakeEngine) only(t *testing.T, service string) *fakeContainer {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var found []*fakeContainer
	for _, c := range f.containers {
		if c.service == service {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d containers of %s", len(found), service)
	}
	return found[0]
}

func TestUpPutsARestartedServiceUnderTheSupervisor(t *testing.T) {
	f := newFakeEngine()
	upSupervised(t, f, supervisedProject(t.TempDir()))
	c := f.only(t, "api")
	if want := supervise.Entrypoint("shop-api-1", ""); !slices.Equal(c.entrypoint, want) {
		t.Errorf("entrypoint %q, want %q", c.entrypoint, want)
	}
	if want := []string{"go", "run", "."}; !slices.Equal(c.command, want) {
		t.Errorf("command %q, want the image's %q", c.command, want)
	}
	if c.labels[engine.LabelSupervisor] != "devenv-supervise-shop-api-1" {
		t.Errorf("labels %v", c.labels)
	}
	create, copied := f.indexOf("create api"), f.indexOf("copy api "+supervise.Binary)
	if copied < 0 || copied < create || copied > f.indexOf("start api") {
		t.Errorf("the supervisor is not copied between create and start: %v", f.calls)
	}
}

func TestUpLeavesAloneWhatTheSupervisorCannotServe(t *testing.T) {
	for name, change := range map[string]func(*fakeEngine, *types.Project){
		"a terminal": func(_ *fakeEngine, p *types.Project) { s := p.Services["api"]; s.Tty = true; p.Services["api"] = s },
		"read-only": func(_ *fakeEngine, p *types.Project) {
			s := p.Services["api"]
			s.ReadOnly = true
			p.Services["api"] = s
		},
		"no restart rule": func(_ *fakeEngine, p *types.Project) {
			s := p.Services["api"]
			s.Develop.Watch[0].Action = types.WatchActionSync
			p.Services["api"] = s
		},
		"another engine architecture": func(f *fakeEngine, _ *types.Project) { f.arch = "riscv64" },
	} {
		f := newFakeEngine()
		p := supervisedProject(t.TempDir())
		change(f, p)
		upSupervised(t, f, p)
		if c := f.only(t, "api"); c.entrypoint != nil || c.labels[engine.LabelSupervisor] != "" {
			t.Errorf("%s: supervised anyway: entrypoint %q", name, c.entrypoint)
		}
		if got := f.callsFor("copy api"); len(got) != 0 {
			t.Errorf("%s: copied %v", name, got)
		}
	}
}

func TestUpWithoutACommandToSuperviseSaysWhatToSet(t *testing.T) {
	f := newFakeEngine()
	f.images["api:1"] = true
	o := newTestOrchestrator(f, &events.Recorder{})
	superviseWith(o, filepath.Join(t.TempDir(), "devenv"))
	err := o.Up(context.Background(), supervisedProject(t.TempDir()), UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "api") || !strings.Contains(err.Error(), "command:") {
		t.Fatalf("Up: %v", err)
	}
}

func TestUpRecreatesAContainerThatGainsTheSupervisor(t *testing.T) {
	f := newFakeEngine()
	p := supervisedProject(t.TempDir())
	f.images["api:1"] = true
	f.imageCmd["api:1"] = []string{"go", "run", "."}
	if err := newTestOrchestrator(f, &events.Recorder{}).Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	upSupervised(t, f, p)
	if c := f.only(t, "api"); c.labels[engine.LabelSupervisor] == "" {
		t.Error("the container made without the supervisor was kept")
	}
}

func TestReloadRestartsTheSupervisedProcess(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "api"), 0o755); err != nil {
		t.Fatal(err)
	}
	restart := "exec api " + strings.Join(supervise.RestartCommand("devenv-supervise-shop-api-1", 3*time.Second), " ")
	for _, c := range []struct {
		name              string
		execFails, exited bool
		asks, restarts    int // supervisor requests, container restarts
	}{
		{name: "the supervisor restarts the process", asks: 1},
		{name: "a failing supervisor", execFails: true, asks: 1, restarts: 1},
		{name: "an exited container", exited: true, restarts: 1},
	} {
		f := newFakeEngine()
		f.execFails[supervise.Binary] = c.execFails
		p := supervisedProject(dir)
		o, rec := upSupervised(t, f, p)
		if c.exited {
			_ = f.StopContainer(context.Background(), f.only(t, "api").id, 0)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- o.Watch(ctx, p, WatchOptions{Quiet: 20 * time.Millisecond}) }()
		waitFor(t, rec, "watching", func(e events.Event) bool { return e.Kind == events.Watching })
		if err := os.WriteFile(filepath.Join(dir, "api", "main.go"), []byte(time.Now().String()), 0o644); err != nil {
			t.Fatal(err)
		}
		waitFor(t, rec, "api reloaded", func(e events.Event) bool { return e.Kind == events.Reloaded && e.Service == "api" })
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if asks := f.callsFor("exec api " + supervise.Binary); len(asks) != c.asks || (c.asks > 0 && asks[0] != restart) {
			t.Errorf("%s: supervisor asked %v, want %d × %q", c.name, asks, c.asks, restart)
		}
		if restarts := f.callsFor("restart api"); len(restarts) != c.restarts {
			t.Errorf("%s: container restarts %v, want %d", c.name, restarts, c.restarts)
		}
		reported := slices.ContainsFunc(rec.Events(), func(e events.Event) bool {
			return e.Kind == events.Info && strings.Contains(e.Message, "restarting the container instead")
		})
		if reported != c.execFails {
			t.Errorf("%s: fallback reported: %v, want %v", c.name, reported, c.execFails)
		}
	}
}
