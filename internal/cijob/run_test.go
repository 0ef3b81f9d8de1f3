package cijob

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/engine/enginetest"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/orchestrator"
)

func jobProject() *types.Project {
	return &types.Project{Name: "shop-1", Networks: types.Networks{"default": {Name: "shop-1_default"}},
		Volumes: types.Volumes{"data": {Name: "shop-1_data"}},
		Services: types.Services{
			"api": {Name: "api", ContainerSpec: types.ContainerSpec{Image: "api:1",
				Networks: map[string]*types.ServiceNetworkConfig{"default": nil},
				Volumes:  []types.ServiceVolumeConfig{{Type: types.VolumeTypeVolume, Source: "data", Target: "/data"}}},
				WorkloadSpec: types.WorkloadSpec{Ports: []types.ServicePortConfig{{Target: 8080, HostIP: "127.0.0.1", Protocol: "tcp"}}}},
		}}
}

// newJob is a job on the fake engine with the real orchestrator behind it, without a reaper (its
// image is devenv's own binary, which a unit test does not build).
func newJob(t *testing.T, f *enginetest.Fake, cmd []string) (*Job, *strings.Builder) {
	t.Helper()
	var out strings.Builder
	j := &Job{Engine: f, Project: jobProject(), Dir: t.TempDir(), Environ: []string{"PATH=" + os.Getenv("PATH")},
		Stdout: &out, Stderr: &out, Progress: events.Discard,
		Opts: Options{Cmd: cmd, Artifacts: filepath.Join(t.TempDir(), "art"), JUnit: filepath.Join(t.TempDir(), "r", "junit.xml"), NoReaper: true}}
	j.Stack = orchestrator.New(f, j, nil)
	return j, &out
}

// A job brings its stack up, runs the command on the host with the stack's ports in its
// environment, keeps the artifacts, and removes everything it created, data included.
func TestJobRunsTheCommandAndLeavesNothing(t *testing.T) {
	f := enginetest.New()
	f.Publish("api", 8080, 49080)
	j, out := newJob(t, f, []string{"sh", "-c", `echo "api at $API_URL"; exit 3`})
	res, err := j.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out)
	}
	if res.ExitCode != 3 || !strings.Contains(out.String(), "api at http://127.0.0.1:49080") {
		t.Errorf("exit %d, output %q", res.ExitCode, out)
	}
	left, err := orchestrator.Leftovers(context.Background(), f, "shop-1")
	if err != nil || !left.Empty() {
		t.Errorf("left %+v, %v", left, err)
	}
	for _, name := range []string{"api.log", "ps.json", "events.jsonl"} {
		if _, err := os.Stat(filepath.Join(j.Opts.Artifacts, name)); err != nil {
			t.Errorf("artifact %s: %v", name, err)
		}
	}
	var ps []map[string]any
	data, _ := os.ReadFile(filepath.Join(j.Opts.Artifacts, "ps.json"))
	if err := json.Unmarshal(data, &ps); err != nil || len(ps) != 1 || ps[0]["service"] != "api" {
		t.Errorf("ps.json %s: %v", data, err)
	}
	junit, err := os.ReadFile(j.Opts.JUnit)
	if err != nil || !strings.Contains(string(junit), "exited with code 3") {
		t.Errorf("junit report %s: %v", junit, err)
	}
	events, _ := os.ReadFile(filepath.Join(j.Opts.Artifacts, "events.jsonl"))
	if !strings.Contains(string(events), `"event":"started","service":"api"`) && !strings.Contains(string(events), `"service":"api","event":"started"`) {
		t.Errorf("the orchestrator's events are not in events.jsonl:\n%s", events)
	}
}

// --service runs the command in the service's container, --one-off in a new one of it.
func TestJobRunsTheCommandInTheService(t *testing.T) {
	f := enginetest.New()
	f.HandleExec(func(c engine.ContainerState, cmd []string) (int, string, bool) {
		return 4, "ran in " + c.Name + "\n", slices.Equal(cmd, []string{"go", "test"})
	})
	j, out := newJob(t, f, []string{"go", "test"})
	j.Opts.Service = "api"
	if res, err := j.Run(context.Background()); err != nil || res.ExitCode != 4 || !strings.Contains(out.String(), "ran in shop-1-api-1") {
		t.Errorf("--service: %+v, %v\n%s", res, err, out)
	}
	f = enginetest.New()
	f.OneOffExits("api", 5)
	f.LogOnStart("api", "api output")
	j, out = newJob(t, f, []string{"go", "test"})
	j.Opts.Service, j.Opts.OneOff = "api", true
	if res, err := j.Run(context.Background()); err != nil || res.ExitCode != 5 || !strings.Contains(out.String(), "api output") {
		t.Errorf("--one-off: %+v, %v\n%s", res, err, out)
	}
	created, _ := f.Created("api")
	if created.Labels[engine.LabelComposeOneoff] != "True" || !slices.Equal(created.Service.Command, []string{"go", "test"}) {
		t.Errorf("the one-off container: %+v", created)
	}
}

// A job never runs in (and so never removes) a project that was there before it.
func TestJobRefusesAnExistingProject(t *testing.T) {
	f := enginetest.New()
	if _, err := f.EnsureVolume(context.Background(), "shop-1_data", map[string]string{engine.LabelProject: "shop-1"}); err != nil {
		t.Fatal(err)
	}
	j, _ := newJob(t, f, []string{"true"})
	var exists *ProjectExistsError
	if _, err := j.Run(context.Background()); !errors.As(err, &exists) || exists.Volumes != 1 {
		t.Fatalf("Run in an existing project: %v", err)
	}
	if !slices.Contains(f.Volumes(), "shop-1_data") {
		t.Error("the existing project's volume was removed")
	}
}
