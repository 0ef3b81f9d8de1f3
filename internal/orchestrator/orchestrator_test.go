package orchestrator

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/engine/enginetest"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/events"
)

// project: db (healthcheck passes on the 3rd try) ← migrate (job) ← api; cache is independent.
func testProject() *types.Project {
	net := map[string]*types.ServiceNetworkConfig{"default": nil}
	hc := &types.HealthCheckConfig{Test: []string{"CMD", "check"}}
	return &types.Project{
		Name:     "shop",
		Networks: types.Networks{"default": {Name: "shop_default"}},
		Volumes:  types.Volumes{"data": {Name: "shop_data"}},
		Services: types.Services{
			"db": {Name: "db", ContainerSpec: types.ContainerSpec{Image: "db:1", Networks: net,
				Volumes: []types.ServiceVolumeConfig{{Type: types.VolumeTypeVolume, Source: "data", Target: "/data"}}},
				WorkloadSpec: types.WorkloadSpec{HealthCheck: hc}},
			"migrate": {Name: "migrate", ContainerSpec: types.ContainerSpec{Image: "migrate:1", Networks: net},
				WorkloadSpec: types.WorkloadSpec{DependsOn: types.DependsOnConfig{"db": {Condition: types.ServiceConditionHealthy, Required: true}}},
				Extensions:   types.Extensions{"x-devenv": map[string]any{"job": true}}},
			"api": {Name: "api", ContainerSpec: types.ContainerSpec{Image: "api:1", Networks: net},
				WorkloadSpec: types.WorkloadSpec{DependsOn: types.DependsOnConfig{
					"migrate": {Condition: types.ServiceConditionCompletedSuccessfully, Required: true},
				}}},
			"cache": {Name: "cache", ContainerSpec: types.ContainerSpec{Image: "cache:1", Networks: net}},
		},
	}
}

func newTestOrchestrator(f *enginetest.Fake, rec *events.Recorder) *Orchestrator {
	o := New(f, rec, nil)
	o.probeInterval = time.Millisecond
	return o
}

func TestUpStartsEachServiceAfterItsOwnDependencies(t *testing.T) {
	f := newFakeEngine()
	f.HealthyAfter("db", 1<<30) // only the engine's health event below makes db ready
	rec := &events.Recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// db turns healthy only once cache has started and api's container exists: if either
	// waited for db's health, this would never happen and Up would time out.
	healthy := make(chan error, 1)
	go func() {
		for _, call := range []string{"start cache", "create api"} {
			if err := f.WaitCall(ctx, call); err != nil {
				healthy <- err
				return
			}
		}
		db, _ := f.ServiceContainer("db")
		f.Record("db turns healthy")
		healthy <- f.SetHealth(db.ID, engine.HealthHealthy)
	}()
	o := newTestOrchestrator(f, rec)
	o.probeInterval = time.Hour // the engine's event, not a probe, ends db's wait
	if err := o.Up(ctx, testProject(), UpOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	if err := <-healthy; err != nil {
		t.Fatalf("what does not depend on db waited for it: %v", err)
	}
	before := func(a, b string) {
		t.Helper()
		ia, ib := f.IndexOf(a), f.IndexOf(b)
		if ia < 0 || ib < 0 || ia > ib {
			t.Errorf("%q (at %d) must come before %q (at %d); calls: %v", a, ia, b, ib, f.Calls())
		}
	}
	before("network shop_default", "create db")
	before("volume shop_data", "create db")
	before("pull db:1", "create db")
	before("db turns healthy", "start migrate")
	before("exited migrate 0", "start api")

	var kinds []string
	for _, e := range rec.Events() {
		if e.Service == "db" {
			kinds = append(kinds, string(e.Kind))
		}
	}
	// db may turn healthy before its wait begins (then it is not reported as waiting).
	if got := strings.Join(kinds, ","); !strings.HasSuffix(got, "started,waiting,healthy") && !strings.HasSuffix(got, "started,healthy") {
		t.Errorf("db events = %s", got)
	}
}

func TestUpAgainChangesNothing(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f, &events.Recorder{})
	if err := o.Up(context.Background(), testProject(), UpOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	n := len(f.Calls())
	if err := o.Up(context.Background(), testProject(), UpOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Calls()[n:] {
		if strings.HasPrefix(c, "create") || strings.HasPrefix(c, "remove") || strings.HasPrefix(c, "pull") || strings.HasPrefix(c, "start") {
			t.Errorf("second up did %q", c)
		}
	}
}

func TestUpRecreatesOnlyTheChangedService(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f, &events.Recorder{})
	p := testProject()
	if err := o.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	n := len(f.Calls())
	v := "2"
	cache := p.Services["cache"]
	cache.Environment = types.MappingWithEquals{"V": &v}
	p.Services["cache"] = cache
	if err := o.Up(context.Background(), p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(f.Calls()[n:], "; ")
	var cacheCalls []string
	for _, c := range f.Calls()[n:] {
		if strings.Contains(c, " cache") {
			cacheCalls = append(cacheCalls, c)
		}
	}
	if strings.Join(cacheCalls, "; ") != "stop cache 10s; remove cache; create cache; start cache" {
		t.Errorf("cache not recreated in order: %s", got)
	}
	for _, svc := range []string{"db", "api"} {
		if strings.Contains(got, "create "+svc) {
			t.Errorf("%s recreated although unchanged: %s", svc, got)
		}
	}
}

func TestFailedJobStopsItsDependents(t *testing.T) {
	f := newFakeEngine()
	f.ExitOnStart("migrate", 3)
	f.LogOnStart("migrate", "log of migrate")
	err := newTestOrchestrator(f, &events.Recorder{}).Up(context.Background(), testProject(), UpOptions{Wait: true})
	var se *ServiceError
	if !errors.As(err, &se) || se.Service != "migrate" || !strings.Contains(err.Error(), "exited with code 3") || !strings.Contains(err.Error(), "log of migrate") {
		t.Fatalf("err = %v; want migrate's failure with its logs", err)
	}
	if len(f.CallsFor("start api")) != 0 {
		t.Error("api was started although the job it depends on failed")
	}
}

func TestCreateFailureNamesService(t *testing.T) {
	f := newFakeEngine()
	f.FailCreate("cache", errors.New("no space left on device"))
	err := newTestOrchestrator(f, &events.Recorder{}).Up(context.Background(), testProject(), UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "service cache: create: no space left on device") {
		t.Fatalf("err = %v", err)
	}
}

func TestUpHonoursCancellation(t *testing.T) {
	f := newFakeEngine()
	f.HealthyAfter("db", 1<<30) // never healthy
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := newTestOrchestrator(f, &events.Recorder{}).Up(ctx, testProject(), UpOptions{Wait: true})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want the deadline", err)
	}
	if len(f.CallsFor("start migrate")) != 0 {
		t.Error("migrate started although db never became healthy")
	}
}

func TestDownKeepsVolumesUnlessAsked(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f, &events.Recorder{})
	ctx := context.Background()
	if err := o.Up(ctx, testProject(), UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := o.Down(ctx, "shop", DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if cs, _ := f.ProjectContainers(ctx, "shop"); len(cs) != 0 || len(f.Networks()) != 0 {
		t.Errorf("left: containers %v networks %v", cs, f.Networks())
	}
	if !slices.Contains(f.Volumes(), "shop_data") {
		t.Fatal("down removed the data volume")
	}
	// Each container stops with its own grace period (the engine reads stop_grace_period from
	// it) before it is removed, and the apps stop before the database they use.
	if i, j := f.IndexOf("stop db 10s"), f.IndexOf("remove db"); i < 0 || i > j {
		t.Errorf("db must be stopped (gracefully) before removal: %v", f.Calls())
	}
	if i, j := f.IndexOf("stop api 10s"), f.IndexOf("stop db 10s"); i < 0 || i > j {
		t.Errorf("api must stop before the db it depends on: %v", f.Calls())
	}
	if err := o.Down(ctx, "shop", DownOptions{Volumes: true}); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(f.Volumes(), "shop_data") {
		t.Error("down --volumes kept the data volume")
	}
}
