package orchestrator

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
)

// reloadProject: api restarts on source edits; web syncs public/ (no bind mount) and runs a
// command after its config is synced.
func reloadProject(dir string) *types.Project {
	net := map[string]*types.ServiceNetworkConfig{"default": nil}
	return &types.Project{
		Name: "shop", WorkingDir: dir,
		Networks: types.Networks{"default": {Name: "shop_default"}},
		Services: types.Services{
			"api": {Name: "api", ContainerSpec: types.ContainerSpec{Image: "api:1", Networks: net},
				Develop: &types.DevelopConfig{Watch: []types.Trigger{{Path: "api", Action: types.WatchActionRestart, Ignore: []string{"*_test.go"}}}}},
			"web": {Name: "web", ContainerSpec: types.ContainerSpec{Image: "web:1", Networks: net},
				Develop: &types.DevelopConfig{Watch: []types.Trigger{
					{Path: "web/public", Action: types.WatchActionSync, Target: "/srv/public"},
					{Path: "web/conf", Action: types.WatchActionSyncExec, Target: "/etc/web", Exec: types.ServiceHook{Command: []string{"kill", "-HUP", "1"}}},
				}}},
		},
	}
}

// waitFor waits (bounded, not timed) until rec holds an event that matches.
func waitFor(t *testing.T, rec *events.Recorder, what string, match func(events.Event) bool) events.Event {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range rec.Events() {
			if match(e) {
				return e
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %s event; got %v", what, rec.Events())
	return events.Event{}
}

func TestWatchAppliesRules(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"api", "web/public", "web/conf"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f := newFakeEngine()
	rec := &events.Recorder{}
	o := newTestOrchestrator(f, rec)
	p := reloadProject(dir)
	if err := o.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Watch(ctx, p, WatchOptions{Quiet: 20 * time.Millisecond}) }()
	waitFor(t, rec, "watching", func(e events.Event) bool { return e.Kind == events.Watching })

	// Each file appears whole, in one rename, as an editor's atomic save does: a plain write is a
	// create and a write, which a loaded machine can pause between for longer than the debounce,
	// making two reloads of one save.
	scratch := t.TempDir()
	write := func(rel string) {
		t.Helper()
		tmp := filepath.Join(scratch, filepath.Base(rel))
		if err := os.WriteFile(tmp, []byte(rel), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, rel)); err != nil {
			t.Fatal(err)
		}
	}
	write("api/main_test.go") // ignored by the rule: no reload
	write("api/main.go")
	e := waitFor(t, rec, "api reloaded", func(e events.Event) bool { return e.Kind == events.Reloaded && e.Service == "api" })
	if e.Message != "restart for api/main.go" {
		t.Errorf("api reload reported as %q", e.Message)
	}
	write("web/public/a.css")
	waitFor(t, rec, "web sync", func(e events.Event) bool { return e.Kind == events.Reloaded && e.Service == "web" })
	write("web/conf/app.ini")
	waitFor(t, rec, "web sync+exec", func(e events.Event) bool {
		return e.Kind == events.Reloaded && e.Service == "web" && strings.HasPrefix(e.Message, "sync+exec")
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Watch after cancel: %v", err)
	}
	if got := f.CallsFor("restart "); !slices.Equal(got, []string{"restart api 3s"}) {
		t.Errorf("restarts: %v (the ignored test file must not restart api)", got)
	}
	if got := f.CallsFor("copy web"); !slices.Equal(got, []string{"copy web /srv/public/a.css", "copy web /etc/web/app.ini"}) {
		t.Errorf("copies: %v", got)
	}
	if got := f.CallsFor("exec web"); !slices.Equal(got, []string{"exec web kill -HUP 1"}) {
		t.Errorf("execs: %v", got)
	}
}

func TestWatchWithoutRules(t *testing.T) {
	o := newTestOrchestrator(newFakeEngine(), &events.Recorder{})
	err := o.Watch(context.Background(), testProject(), WatchOptions{})
	var nothing *NothingToWatchError
	if !errors.As(err, &nothing) || nothing.Hint() == "" {
		t.Fatalf("err = %v", err)
	}
}

// initial_sync copies what differs from the container when watching starts (and runs the
// sync+exec rule's command, whose file is among them), and nothing when it is up to date.
func TestWatchInitialSyncCopiesWhatDiffers(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("web/public/same.css", "same")
	write("web/public/new.css", "new")
	write("web/public/debug.swp", "editor scratch")
	write("web/conf/app.ini", "changed")
	f := newFakeEngine()
	rec := &events.Recorder{}
	o := newTestOrchestrator(f, rec)
	p := reloadProject(dir)
	web := p.Services["web"]
	for i := range web.Develop.Watch {
		web.Develop.Watch[i].InitialSync = true
	}
	p.Services["web"] = web
	if err := o.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	for path, content := range map[string]string{"/srv/public/same.css": "same", "/etc/web/app.ini": "old"} {
		host := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(host, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := engine.HostDigest(host)
		if err != nil {
			t.Fatal(err)
		}
		f.SetFile("web", path, d)
	}

	// watchOnce watches until the initial sync is done (both of web's folders read, then the
	// reload when one is expected, else a while for one to show up) and returns the events
	// this watch caused.
	watchOnce := func(reload bool) []events.Event {
		t.Helper()
		from, reads := len(rec.Events()), len(f.CallsFor("read web"))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- o.Watch(ctx, p, WatchOptions{Quiet: 20 * time.Millisecond}) }()
		deadline := time.Now().Add(20 * time.Second)
		for len(f.CallsFor("read web")) < reads+2 {
			if time.Now().After(deadline) {
				t.Fatalf("the initial sync never read web's folders: %v", f.CallsFor("read web"))
			}
			time.Sleep(5 * time.Millisecond)
		}
		if reload {
			for !slices.ContainsFunc(rec.Events()[from:], func(e events.Event) bool { return e.Kind == events.Reloaded }) {
				if time.Now().After(deadline) {
					t.Fatalf("no reload after the initial sync's reads: %v", rec.Events()[from:])
				}
				time.Sleep(5 * time.Millisecond)
			}
		} else {
			time.Sleep(100 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Watch: %v", err)
		}
		return rec.Events()[from:]
	}
	var reloaded []string
	for _, e := range watchOnce(true) {
		if e.Kind == events.Reloaded {
			reloaded = append(reloaded, e.Service+": "+e.Message)
		}
	}
	if !slices.Equal(reloaded, []string{"web: initial sync+exec for web/conf/app.ini, web/public/new.css"}) {
		t.Errorf("initial sync reported as %q", reloaded)
	}
	if got := f.CallsFor("copy web"); len(got) != 1 || got[0] != "copy web /etc/web/app.ini /srv/public/new.css" {
		t.Errorf("copies: %v (only the two files that differ, never the editor's swap file)", got)
	}
	if got := f.CallsFor("exec web"); !slices.Equal(got, []string{"exec web kill -HUP 1"}) {
		t.Errorf("execs: %v", got)
	}
	if got := f.CallsFor("restart "); len(got) != 0 {
		t.Errorf("restarts: %v", got)
	}

	// Up to date now: a second start reads and does nothing.
	copies := len(f.CallsFor("copy web"))
	again := watchOnce(false)
	if n := len(f.CallsFor("copy web")); n != copies {
		t.Errorf("an up-to-date container was synced again: %v", f.CallsFor("copy web"))
	}
	for _, e := range again {
		if e.Kind == events.Reloading {
			t.Errorf("an up-to-date initial sync reported %v", e)
		}
	}
}
