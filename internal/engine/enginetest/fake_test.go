package enginetest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
)

func create(t *testing.T, f *Fake, service string) string {
	t.Helper()
	id, err := f.CreateServiceContainer(context.Background(), engine.ServiceContainer{
		Name: "p-" + service + "-1", Service: types.ServiceConfig{Name: service, ContainerSpec: types.ContainerSpec{Image: service + ":1"}},
		Labels: map[string]string{engine.LabelProject: "p", engine.LabelService: service},
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// next reads one event or fails after a generous bound (a missing event, not a slow one).
func next(t *testing.T, evs <-chan engine.ContainerEvent) engine.ContainerEvent {
	t.Helper()
	select {
	case ev := <-evs:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
		return engine.ContainerEvent{}
	}
}

// The fake reports each change with the actions the real engine emits, in order, and only to
// streams of the container's project.
func TestEventsFollowEachChangeInOrder(t *testing.T) {
	f := New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	evs, _ := f.ContainerEvents(ctx, "p")
	other, _ := f.ContainerEvents(ctx, "q")
	id := create(t, f, "api")
	if err := f.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := f.StopContainer(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.RemoveContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 6 {
		ev := next(t, evs)
		if ev.ID != id || ev.Service != "api" {
			t.Errorf("event %+v is not about %s", ev, id)
		}
		got = append(got, string(ev.Action))
	}
	if want := "create start kill die stop destroy"; strings.Join(got, " ") != want {
		t.Errorf("events = %v, want %s", got, want)
	}
	select {
	case ev := <-other:
		t.Errorf("another project's stream got %+v", ev)
	default:
	}
}

// A job exits right after it starts; WaitContainer blocks until a container's process ends.
func TestWaitBlocksUntilTheProcessEnds(t *testing.T) {
	f := New()
	ctx := context.Background()
	f.ExitOnStart("job", 3)
	job := create(t, f, "job")
	if err := f.StartContainer(ctx, job); err != nil {
		t.Fatal(err)
	}
	if code, err := f.WaitContainer(ctx, job); err != nil || code != 3 {
		t.Errorf("job wait = %d, %v; want 3", code, err)
	}
	api := create(t, f, "api")
	if err := f.StartContainer(ctx, api); err != nil {
		t.Fatal(err)
	}
	done := make(chan int64)
	go func() {
		code, _ := f.WaitContainer(ctx, api)
		done <- code
	}()
	select {
	case <-done:
		t.Fatal("wait returned while the container runs")
	case <-time.After(50 * time.Millisecond):
	}
	if err := f.Exit(api, 2); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 2 {
		t.Errorf("wait = %d, want 2", code)
	}
}

// A followed log delivers lines as they are written and ends when the container stops.
func TestFollowedLogsEndWithTheContainer(t *testing.T) {
	f := New()
	ctx := context.Background()
	id := create(t, f, "api")
	if err := f.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := f.Log(id, "one", false); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	done := make(chan error)
	go func() {
		done <- f.StreamLogs(ctx, id, engine.LogOptions{Follow: true, Timestamps: true}, &out, &out)
	}()
	if err := f.Log(id, "two", true); err != nil {
		t.Fatal(err)
	}
	if err := f.StopContainer(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], " one") || !strings.HasSuffix(lines[1], " two") {
		t.Errorf("followed %q", lines)
	}
	if _, err := time.Parse(time.RFC3339Nano, strings.Fields(lines[0])[0]); err != nil {
		t.Errorf("line without timestamp: %q", lines[0])
	}
}

type syncBuffer struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func (b *syncBuffer) lock() {
	if b.mu == nil {
		b.mu = make(chan struct{}, 1)
	}
	b.mu <- struct{}{}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.lock()
	defer func() { <-b.mu }()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.lock()
	defer func() { <-b.mu }()
	return b.buf.String()
}

// An exec healthcheck fails as often as scripted, then passes; other commands pass unless told.
func TestExecHealthchecksFollowTheScript(t *testing.T) {
	f := New()
	ctx := context.Background()
	f.HealthyAfter("db", 1)
	f.ExecFails("false")
	id, err := f.CreateServiceContainer(ctx, engine.ServiceContainer{Service: types.ServiceConfig{Name: "db",
		WorkloadSpec: types.WorkloadSpec{HealthCheck: &types.HealthCheckConfig{Test: []string{"CMD-SHELL", "ping"}}}}, Labels: map[string]string{engine.LabelProject: "p"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.ExecExitCode(ctx, id, []string{"/bin/sh", "-c", "ping"}); err == nil {
		t.Error("exec in a container that is not running succeeded")
	}
	if err := f.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 0} {
		if code, _, _ := f.ExecExitCode(ctx, id, []string{"/bin/sh", "-c", "ping"}); code != want {
			t.Errorf("check %d exited %d, want %d", i+1, code, want)
		}
	}
	if code, _, _ := f.ExecExitCode(ctx, id, []string{"false"}); code != 1 {
		t.Errorf("false exited %d", code)
	}
	if st, _ := f.Container(id); st.Health != engine.HealthStarting {
		t.Errorf("engine health = %q: an exec probe is not the engine's healthcheck", st.Health)
	}
}
