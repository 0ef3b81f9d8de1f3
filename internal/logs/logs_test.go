package logs

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/engine/enginetest"
)

// newEngine is a fake whose clock moves a millisecond per reading, so every line has its own time.
func newEngine() *enginetest.Fake {
	f := enginetest.New()
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	f.SetClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	})
	return f
}

func run(t *testing.T, f *enginetest.Fake, service string, oneOff bool) string {
	t.Helper()
	labels := map[string]string{engine.LabelProject: "p", engine.LabelService: service}
	if oneOff {
		labels[engine.LabelComposeOneoff] = "True"
	}
	ctx := context.Background()
	id, err := f.CreateServiceContainer(ctx, engine.ServiceContainer{Service: types.ServiceConfig{Name: service}, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func logLine(t *testing.T, f *enginetest.Fake, id, text string) {
	t.Helper()
	if err := f.Log(id, text, strings.HasPrefix(text, "err")); err != nil {
		t.Fatal(err)
	}
}

func texts(lines []Line) string {
	var out []string
	for _, l := range lines {
		out = append(out, l.Service+":"+l.Text)
	}
	return strings.Join(out, " ")
}

func TestParse(t *testing.T) {
	at, text := Parse("2026-12-03T10:00:00.000000001Z hello world")
	if text != "hello world" || at.Nanosecond() != 1 {
		t.Errorf("Parse = %v %q", at, text)
	}
	if at, text := Parse("no timestamp here"); !at.IsZero() || text != "no timestamp here" {
		t.Errorf("Parse without a time = %v %q", at, text)
	}
	if at, text := Parse("2026-12-03T10:00:00Z"); at.IsZero() || text != "" {
		t.Errorf("Parse of an empty line = %v %q", at, text)
	}
}

// Lines of several services, stdout and stderr, come back in the order they were written.
func TestReadMergesInTimeOrder(t *testing.T) {
	f := newEngine()
	api, db := run(t, f, "api", false), run(t, f, "db", false)
	logLine(t, f, db, "one")
	logLine(t, f, api, "err two")
	logLine(t, f, db, "three")
	logLine(t, f, api, "four")
	job := run(t, f, "api", true)
	logLine(t, f, job, "one-off")
	lines, err := Read(context.Background(), f, "p", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := texts(lines), "db:one api:err two db:three api:four"; got != want {
		t.Errorf("Read = %q, want %q (one-off runs left out)", got, want)
	}
	if !lines[1].Stderr || lines[0].Stderr {
		t.Errorf("stderr not marked: %+v", lines[:2])
	}
	lines, err = Read(context.Background(), f, "p", Options{Services: []string{"api"}, Tail: 1, OneOffs: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := texts(lines), "api:four api:one-off"; got != want {
		t.Errorf("Read api tail 1 with one-offs = %q, want %q", got, want)
	}
	if _, err := Read(context.Background(), f, "p", Options{Services: []string{"web"}}); err == nil {
		t.Error("a service without containers was not an error")
	}
}

// collector gathers what Follow emits and lets the test wait for a line.
type collector struct {
	mu    sync.Mutex
	lines []Line
	added chan struct{}
}

func newCollector() *collector { return &collector{added: make(chan struct{}, 1000)} }

func (c *collector) emit(l Line) {
	c.mu.Lock()
	c.lines = append(c.lines, l)
	c.mu.Unlock()
	c.added <- struct{}{}
}

func (c *collector) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return texts(c.lines)
}

// waitFor waits until the collected lines end with want; an event-driven wait, bounded only so a
// missing line fails instead of hanging.
func (c *collector) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for !strings.HasSuffix(c.String(), want) {
		select {
		case <-c.added:
		case <-deadline:
			t.Fatalf("lines = %q, want them to end with %q", c.String(), want)
		}
	}
}

// Following shows the backlog in time order, then new lines; it goes on through a restart from
// the last line shown (nothing twice) and through a replacement, and never shows one-off runs.
func TestFollowAcrossRestartsAndReplacements(t *testing.T) {
	f := newEngine()
	ctx, cancel := context.WithCancel(context.Background())
	api, db := run(t, f, "api", false), run(t, f, "db", false)
	logLine(t, f, api, "a1")
	logLine(t, f, db, "d1")
	c := newCollector()
	done := make(chan error)
	go func() { done <- Follow(ctx, f, "p", Options{}, c.emit) }()
	c.waitFor(t, "api:a1 db:d1")

	logLine(t, f, api, "a2")
	c.waitFor(t, "api:a2")
	if err := f.RestartContainer(ctx, api, nil); err != nil {
		t.Fatal(err)
	}
	logLine(t, f, api, "a3 after restart")
	c.waitFor(t, "api:a3 after restart")

	// A replacement: the old container goes, a new one of the service starts.
	if err := f.RemoveContainer(ctx, api); err != nil {
		t.Fatal(err)
	}
	api2 := run(t, f, "api", false)
	logLine(t, f, api2, "new container")
	c.waitFor(t, "api:new container")

	job := run(t, f, "api", true)
	logLine(t, f, job, "one-off")
	logLine(t, f, db, "d2")
	c.waitFor(t, "db:d2")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, want := c.String(), "api:a1 db:d1 api:a2 api:a3 after restart api:new container db:d2"; got != want {
		t.Errorf("followed %q, want %q", got, want)
	}
}

// A container restarted many times in a row is followed without a line lost or shown twice.
func TestFollowThroughQuickRestarts(t *testing.T) {
	f := newEngine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := run(t, f, "api", false)
	c := newCollector()
	go func() { _ = Follow(ctx, f, "p", Options{Services: []string{"api"}}, c.emit) }()
	var want []string
	for i := range 20 {
		text := fmt.Sprintf("run%d", i)
		logLine(t, f, api, text)
		want = append(want, "api:"+text)
		if err := f.RestartContainer(ctx, api, nil); err != nil {
			t.Fatal(err)
		}
	}
	c.waitFor(t, "api:run19")
	if got := c.String(); got != strings.Join(want, " ") {
		t.Errorf("followed %q", got)
	}
}
