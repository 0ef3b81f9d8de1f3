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
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/engine/enginetest"
	"github.com/devenv/devenv/internal/orchestrator"
)

// reaperProject is a job's project on the shared fake engine: a running database, a finished
// job, the network, the data volume and two built images, and the reaper itself ("reaper1").
type reaperProject struct {
	*enginetest.Fake
	reaper string
	base   int // calls made setting it up
}

func newFake(t *testing.T) *reaperProject {
	t.Helper()
	f := enginetest.New()
	ctx := context.Background()
	labels := func(service string) map[string]string {
		return map[string]string{engine.LabelProject: "p", engine.LabelService: service}
	}
	f.ExitOnStart("migrate", 0)
	for _, svc := range []string{"mysql", "migrate"} {
		id, err := f.CreateServiceContainer(ctx, engine.ServiceContainer{Name: "p-" + svc + "-1", Service: types.ServiceConfig{Name: svc}, Labels: labels(svc)})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.StartContainer(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	reaper, err := f.RunContainer(ctx, engine.ContainerSpec{Name: "reaper1", Labels: map[string]string{engine.LabelProject: "p", engine.LabelReaper: "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.EnsureNetwork(ctx, "p_default", labels("")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.EnsureVolume(ctx, "p_mysql-data", labels("")); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"p-api:dev", "p-web:dev"} {
		if _, err := f.BuildImage(ctx, engine.BuildSpec{Tags: []string{ref}, Labels: labels("")}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return &reaperProject{Fake: f, reaper: reaper, base: len(f.Calls())}
}

// calls are what was done since the project was set up.
func (f *reaperProject) calls() []string { return f.Calls()[f.base:] }

func (f *reaperProject) left(t *testing.T) engine.Labelled {
	t.Helper()
	l, err := orchestrator.Leftovers(context.Background(), f, "p")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// A reaper's teardown kills at once (the job's data goes anyway), removes everything of the
// job, data and built images included, and leaves only itself.
func TestReapRemovesAllButTheReaper(t *testing.T) {
	f := newFake(t)
	if err := Reap(context.Background(), f, "p"); err != nil {
		t.Fatal(err)
	}
	if l := f.left(t); !l.Empty() {
		t.Fatalf("left behind: %+v", l)
	}
	cs, _ := f.ProjectContainers(context.Background(), "p")
	if len(cs) != 1 || cs[0].ID != f.reaper {
		t.Errorf("the reaper must outlive the reaping (it removes itself by exiting): %+v", cs)
	}
	calls := f.calls()
	for _, w := range []string{"remove mysql", "remove migrate", "rm-network p_default", "rm-volume p_mysql-data", "rm-images dev.devenv.project=p"} {
		if !slices.Contains(calls, w) {
			t.Errorf("no %q in %v", w, calls)
		}
	}
	if slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "stop") }) {
		t.Errorf("a reaper stopped containers instead of killing them: %v", calls)
	}
	if f.HasImage("p-api:dev") {
		t.Error("a built image was kept")
	}
	// Networks go only after the containers using them.
	if slices.Index(calls, "rm-network p_default") < slices.Index(calls, "remove mysql") {
		t.Errorf("network removed before its containers: %v", calls)
	}
}

// One failure does not stop the rest; interrupted, Reap still returns, with the errors.
func TestReapGoesOnAfterAFailureAndReturnsWhenInterrupted(t *testing.T) {
	f := newFake(t)
	f.FailNext("RemoveContainer", errors.New("device busy"))
	err := Reap(context.Background(), f, "p")
	if err == nil || !strings.Contains(err.Error(), "device busy") {
		t.Fatalf("err = %v", err)
	}
	if !slices.Contains(f.calls(), "rm-volume p_mysql-data") || len(f.left(t).Containers) != 1 {
		t.Errorf("one failure stopped the rest: %v", f.calls())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Reap(ctx, newFake(t), "p"); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Reap: %v", err)
	}
}

// serve runs a Server for project p on a loopback port and returns its address and outcome.
func serve(t *testing.T, f *reaperProject, grace, first time.Duration) (string, <-chan Outcome) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Outcome, 1)
	s := &Server{Engine: f, Project: "p", Grace: grace, FirstContact: first, Self: f.reaper}
	go func() {
		o, _ := s.Serve(ctx, ln)
		out <- o
	}()
	t.Cleanup(cancel)
	return ln.Addr().String(), out
}

func TestReleasedReaperLeavesTheProject(t *testing.T) {
	f := newFake(t)
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
	if len(f.calls()) != 0 {
		t.Errorf("a released reaper removed things: %v", f.calls())
	}
}

func TestDroppedConnectionIsReaped(t *testing.T) {
	f := newFake(t)
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
	calls := f.calls()
	if cs, _ := f.ProjectContainers(context.Background(), "p"); len(cs) != 0 || calls[len(calls)-1] != "remove reaper1" {
		t.Errorf("the reaper did not remove itself last: %v", calls)
	}
}

// A client that reconnects within the grace period keeps the project: the reaper is not fooled
// by one dropped connection while another is open.
func TestAnotherClientKeepsTheProject(t *testing.T) {
	f := newFake(t)
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
	if o := <-out; o != Released || len(f.calls()) != 0 {
		t.Fatalf("outcome %v, calls %v", o, f.calls())
	}
}

func TestNoClientAtAllIsReaped(t *testing.T) {
	f := newFake(t)
	_, out := serve(t, f, time.Minute, 10*time.Millisecond)
	if o := <-out; o != Reaped {
		t.Fatalf("outcome %v", o)
	}
}

// A client only talks to the reaper of its own project.
func TestDialChecksTheProject(t *testing.T) {
	f := newFake(t)
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
	f := newFake(t)
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
	if o := <-out; o != Released || len(f.calls()) != 0 {
		t.Fatalf("outcome %v, calls %v", o, f.calls())
	}
}
