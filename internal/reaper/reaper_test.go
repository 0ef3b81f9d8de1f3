package reaper

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
)

// fakeEngine holds one project's objects and records what was done to them.
type fakeEngine struct {
	mu         sync.Mutex
	containers []engine.Container
	networks   []string
	volumes    []string
	images     int
	calls      []string
	failRemove map[string]error
}

func newFake() *fakeEngine {
	return &fakeEngine{
		containers: []engine.Container{
			{ID: "db1", Service: "mysql", State: "running"},
			{ID: "job1", Service: "migrate", State: "exited"},
			{ID: "reaper1", State: "running", Labels: map[string]string{engine.LabelReaper: "true"}},
		},
		networks: []string{"p_default"}, volumes: []string{"p_mysql-data"}, images: 2, failRemove: map[string]error{},
	}
}

func (f *fakeEngine) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeEngine) ProjectContainers(context.Context, string) ([]engine.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.containers), nil
}

func (f *fakeEngine) StopContainer(_ context.Context, id string, grace time.Duration) error {
	f.record(fmt.Sprintf("stop %s %s", id, grace))
	return nil
}

func (f *fakeEngine) RemoveContainer(_ context.Context, id string) error {
	f.record("remove " + id)
	if err := f.failRemove[id]; err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.containers = slices.DeleteFunc(f.containers, func(c engine.Container) bool { return c.ID == id })
	return nil
}

func (f *fakeEngine) ListLabelled(context.Context, string) (engine.Labelled, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := engine.Labelled{Networks: slices.Clone(f.networks), Volumes: slices.Clone(f.volumes)}
	for _, c := range f.containers {
		l.Containers = append(l.Containers, c.ID)
	}
	return l, nil
}

func (f *fakeEngine) RemoveNetwork(_ context.Context, id string) error {
	f.record("remove network " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.networks = slices.DeleteFunc(f.networks, func(n string) bool { return n == id })
	return nil
}

func (f *fakeEngine) RemoveVolume(_ context.Context, name string) error {
	f.record("remove volume " + name)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.volumes = slices.DeleteFunc(f.volumes, func(n string) bool { return n == name })
	return nil
}

func (f *fakeEngine) RemoveImagesLabelled(context.Context, string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.images
	f.images = 0
	f.calls = append(f.calls, fmt.Sprintf("remove %d images", n))
	return n, nil
}

func (f *fakeEngine) left(t *testing.T) engine.Labelled {
	t.Helper()
	l, err := Leftovers(context.Background(), f, "p")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestReapRemovesAllButTheReaper(t *testing.T) {
	f := newFake()
	if err := Reap(context.Background(), f, "p", ReapOptions{StopGrace: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if l := f.left(t); !l.Empty() {
		t.Fatalf("left behind: %+v", l)
	}
	if len(f.containers) != 1 || f.containers[0].ID != "reaper1" {
		t.Errorf("the reaper must outlive the reaping (it removes itself by exiting): %+v", f.containers)
	}
	want := []string{"stop db1 2s", "remove db1", "remove job1", "remove network p_default", "remove volume p_mysql-data", "remove 2 images"}
	for _, w := range want {
		if !slices.Contains(f.calls, w) {
			t.Errorf("no %q in %v", w, f.calls)
		}
	}
	if slices.Contains(f.calls, "stop job1 2s") {
		t.Errorf("an exited container was stopped: %v", f.calls)
	}
	// Networks go only after the containers using them.
	if slices.Index(f.calls, "remove network p_default") < slices.Index(f.calls, "remove db1") {
		t.Errorf("network removed before its containers: %v", f.calls)
	}
}

func TestReapWithoutGraceKillsAndGoesOnAfterAFailure(t *testing.T) {
	f := newFake()
	f.failRemove["db1"] = errors.New("device busy")
	err := Reap(context.Background(), f, "p", ReapOptions{})
	if err == nil || !strings.Contains(err.Error(), "device busy") {
		t.Fatalf("err = %v", err)
	}
	if slices.ContainsFunc(f.calls, func(c string) bool { return strings.HasPrefix(c, "stop") }) {
		t.Errorf("stopped with no grace: %v", f.calls)
	}
	if !slices.Contains(f.calls, "remove job1") || !slices.Contains(f.calls, "remove volume p_mysql-data") {
		t.Errorf("one failure stopped the rest: %v", f.calls)
	}
}

// serve runs a Server for project p on a loopback port and returns its address and outcome.
func serve(t *testing.T, f *fakeEngine, grace, first time.Duration) (string, <-chan Outcome) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Outcome, 1)
	s := &Server{Engine: f, Project: "p", Grace: grace, FirstContact: first, Self: "reaper1"}
	go func() {
		o, _ := s.Serve(ctx, ln)
		out <- o
	}()
	t.Cleanup(cancel)
	return ln.Addr().String(), out
}

func TestReleasedReaperLeavesTheProject(t *testing.T) {
	f := newFake()
	addr, out := serve(t, f, time.Minute, time.Minute)
	h, err := dial(context.Background(), addr, "p")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if o := <-out; o != Released {
		t.Fatalf("outcome %v", o)
	}
	if len(f.calls) != 0 {
		t.Errorf("a released reaper removed things: %v", f.calls)
	}
}

func TestDroppedConnectionIsReaped(t *testing.T) {
	f := newFake()
	addr, out := serve(t, f, 10*time.Millisecond, time.Minute)
	h, err := dial(context.Background(), addr, "p")
	if err != nil {
		t.Fatal(err)
	}
	_ = h.Close() // what the kernel does when devenv is killed
	if o := <-out; o != Reaped {
		t.Fatalf("outcome %v", o)
	}
	if l := f.left(t); !l.Empty() {
		t.Errorf("left behind: %+v", l)
	}
	if len(f.containers) != 0 || f.calls[len(f.calls)-1] != "remove reaper1" {
		t.Errorf("the reaper did not remove itself last: %v", f.calls)
	}
}

// A client that reconnects within the grace period keeps the project: the reaper is not fooled
// by one dropped connection while another is open.
func TestAnotherClientKeepsTheProject(t *testing.T) {
	f := newFake()
	addr, out := serve(t, f, time.Minute, time.Minute)
	first, err := dial(context.Background(), addr, "p")
	if err != nil {
		t.Fatal(err)
	}
	second, err := dial(context.Background(), addr, "p")
	if err != nil {
		t.Fatal(err)
	}
	_ = first.Close()
	if err := second.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if o := <-out; o != Released || len(f.calls) != 0 {
		t.Fatalf("outcome %v, calls %v", o, f.calls)
	}
}

func TestNoClientAtAllIsReaped(t *testing.T) {
	f := newFake()
	_, out := serve(t, f, time.Minute, 10*time.Millisecond)
	if o := <-out; o != Reaped {
		t.Fatalf("outcome %v", o)
	}
}

// A client only talks to the reaper of its own project.
func TestDialChecksTheProject(t *testing.T) {
	f := newFake()
	addr, _ := serve(t, f, time.Minute, time.Minute)
	if _, err := dial(context.Background(), addr, "other"); err == nil || !strings.Contains(err.Error(), "not the reaper of project other") {
		t.Fatalf("err = %v", err)
	}
	// Commands other than release are ignored: a stranger cannot make it reap something else.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintln(c, "label=dev.devenv.project")
	line, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(line, bannerPrefix+"p") {
		t.Errorf("banner %q", line)
	}
}

func TestCheckStaticRefusesWhatIsNotALinuxBinary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "devenv")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var ns *NotSupportedError
	if err := checkStatic(path); !errors.As(err, &ns) || !strings.Contains(ns.Hint(), "--no-reaper") {
		t.Fatalf("err = %v", err)
	}
}

// devenv's connection may drop and come back (a restarted proxy): a client back within the
// grace period keeps the project.
func TestReconnectWithinGraceKeepsTheProject(t *testing.T) {
	f := newFake()
	addr, out := serve(t, f, time.Minute, time.Minute)
	first, err := dial(context.Background(), addr, "p")
	if err != nil {
		t.Fatal(err)
	}
	_ = first.Close()
	again, err := dial(context.Background(), addr, "p")
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if o := <-out; o != Released || len(f.calls) != 0 {
		t.Fatalf("outcome %v, calls %v", o, f.calls)
	}
}

// Interrupted, every stop and every removal fails: Reap still returns, with the errors.
func TestReapReturnsWhenEverythingFails(t *testing.T) {
	f := newFake()
	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("c%d", i)
		f.containers = append(f.containers, engine.Container{ID: id, State: "running"})
		f.failRemove[id] = context.Canceled
	}
	f.failRemove["db1"], f.failRemove["job1"] = context.Canceled, context.Canceled
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- Reap(ctx, &failingStops{f}, "p", ReapOptions{StopGrace: time.Second}) }()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

type failingStops struct{ *fakeEngine }

func (f *failingStops) StopContainer(context.Context, string, time.Duration) error {
	return context.Canceled
}
