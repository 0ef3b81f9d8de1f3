package orchestrator

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine/enginetest"

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

func upSupervised(t *testing.T, f *enginetest.Fake, p *types.Project) (*Orchestrator, *events.Recorder) {
	t.Helper()
	f.AddImage("api:1", engine.LocalImage{Cmd: []string{"go", "run", "."}})
	rec := &events.Recorder{}
	o := newTestOrchestrator(f, rec)
	superviseWith(o, filepath.Join(t.TempDir(), "devenv"))
	if err := o.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	return o, rec
}

// only is the one container of service, with what it was created from.
func only(t *testing.T, f *enginetest.Fake, service string) (engine.ContainerState, types.ServiceConfig) {
	t.Helper()
	cs, err := f.ProjectContainers(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cs {
		if c.Service == service {
			n++
		}
	}
	st, ok := f.ServiceContainer(service)
	created, _ := f.Created(service)
	if n != 1 || !ok {
		t.Fatalf("%d containers of %s", n, service)
	}
	return st, created.Service
}

func TestUpPutsARestartedServiceUnderTheSupervisor(t *testing.T) {
	f := newFakeEngine()
	upSupervised(t, f, supervisedProject(t.TempDir()))
	c, s := only(t, f, "api")
	if want := supervise.Entrypoint("shop-api-1", ""); !slices.Equal(s.Entrypoint, want) {
		t.Errorf("entrypoint %q, want %q", s.Entrypoint, want)
	}
	if want := []string{"go", "run", "."}; !slices.Equal(s.Command, want) {
		t.Errorf("command %q, want the image's %q", s.Command, want)
	}
	if c.Labels[engine.LabelSupervisor] != "devenv-supervise-shop-api-1" {
		t.Errorf("labels %v", c.Labels)
	}
	create, copied := f.IndexOf("create api"), f.IndexOf("copy api "+supervise.Binary)
	if copied < 0 || copied < create || copied > f.IndexOf("start api") {
		t.Errorf("the supervisor is not copied between create and start: %v", f.Calls())
	}
}

func TestUpLeavesAloneWhatTheSupervisorCannotServe(t *testing.T) {
	for name, change := range map[string]func(*enginetest.Fake, *types.Project){
		"a terminal": func(_ *enginetest.Fake, p *types.Project) {
			s := p.Services["api"]
			s.Tty = true
			p.Services["api"] = s
		},
		"read-only": func(_ *enginetest.Fake, p *types.Project) {
			s := p.Services["api"]
			s.ReadOnly = true
			p.Services["api"] = s
		},
		"no restart rule": func(_ *enginetest.Fake, p *types.Project) {
			s := p.Services["api"]
			s.Develop.Watch[0].Action = types.WatchActionSync
			p.Services["api"] = s
		},
		"another engine architecture": func(f *enginetest.Fake, _ *types.Project) { f.SetArch("riscv64") },
	} {
		f := newFakeEngine()
		p := supervisedProject(t.TempDir())
		change(f, p)
		upSupervised(t, f, p)
		if c, s := only(t, f, "api"); s.Entrypoint != nil || c.Labels[engine.LabelSupervisor] != "" {
			t.Errorf("%s: supervised anyway: entrypoint %q", name, s.Entrypoint)
		}
		if got := f.CallsFor("copy api"); len(got) != 0 {
			t.Errorf("%s: copied %v", name, got)
		}
	}
}

func TestUpWithoutACommandToSuperviseSaysWhatToSet(t *testing.T) {
	f := newFakeEngine()
	f.AddImage("api:1", engine.LocalImage{})
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
	f.AddImage("api:1", engine.LocalImage{Cmd: []string{"go", "run", "."}})
	if err := newTestOrchestrator(f, &events.Recorder{}).Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	upSupervised(t, f, p)
	if c, _ := only(t, f, "api"); c.Labels[engine.LabelSupervisor] == "" {
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
		starts            int // starts of the container after up
	}{
		{name: "the supervisor restarts the process", asks: 1},
		{name: "a failing supervisor", execFails: true, asks: 1, restarts: 1},
		{name: "an exited container", exited: true, starts: 1},
	} {
		f := newFakeEngine()
		if c.execFails {
			f.ExecFails(supervise.Binary)
		}
		p := supervisedProject(dir)
		o, rec := upSupervised(t, f, p)
		if c.exited {
			st, _ := only(t, f, "api")
			_ = f.StopContainer(context.Background(), st.ID, nil)
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
		if asks := f.CallsFor("exec api " + supervise.Binary); len(asks) != c.asks || (c.asks > 0 && asks[0] != restart) {
			t.Errorf("%s: supervisor asked %v, want %d × %q", c.name, asks, c.asks, restart)
		}
		if restarts := f.CallsFor("restart api"); len(restarts) != c.restarts {
			t.Errorf("%s: container restarts %v, want %d", c.name, restarts, c.restarts)
		}
		if starts := slices.DeleteFunc(f.Calls(), func(call string) bool { return call != "start api" }); len(starts) != 1+c.starts {
			t.Errorf("%s: container starts %v, want %d after up's", c.name, starts, c.starts)
		}
		reported := slices.ContainsFunc(rec.Events(), func(e events.Event) bool {
			return e.Kind == events.Info && strings.Contains(e.Message, "restarting the container instead")
		})
		if reported != c.execFails {
			t.Errorf("%s: fallback reported: %v, want %v", c.name, reported, c.execFails)
		}
	}
}
