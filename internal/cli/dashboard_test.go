package cli

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/project"
)

func TestDashboardServicesFromTheProject(t *testing.T) {
	dep := func(kind string) types.Extensions {
		return types.Extensions{project.ExtensionKey: map[string]any{"kind": "dependency", "dependency": kind}}
	}
	app := func(tmpl string, job bool) types.Extensions {
		return types.Extensions{project.ExtensionKey: map[string]any{"kind": "app", "template": tmpl, "job": job}}
	}
	p := &types.Project{Name: "shop", Services: types.Services{
		"web":   {Name: "web", Extensions: app("frontend", false), WorkloadSpec: types.WorkloadSpec{Build: &types.BuildConfig{}, DependsOn: types.DependsOnConfig{"api": {Condition: "service_started"}}}},
		"api":   {Name: "api", Extensions: app("backend", false), WorkloadSpec: types.WorkloadSpec{DependsOn: types.DependsOnConfig{"redis": {Condition: "service_healthy"}, "mysql": {Condition: "service_healthy"}}}},
		"jobs":  {Name: "jobs", Extensions: app("worker", true)},
		"redis": {Name: "redis", Extensions: dep("redis")},
		"mysql": {Name: "mysql", Extensions: dep("mysql")},
		"extra": {Name: "extra"},
	}}
	got := fmt.Sprintf("%+v", newDashController(nil, nil, p, 0, nil).Services())
	want := "[{Name:mysql Kind:dependency Template: Dependency:mysql Job:false Built:false DependsOn:[]} " +
		"{Name:redis Kind:dependency Template: Dependency:redis Job:false Built:false DependsOn:[]} " +
		"{Name:api Kind:app Template:backend Dependency: Job:false Built:false DependsOn:[{Service:mysql Condition:service_healthy} {Service:redis Condition:service_healthy}]} " +
		"{Name:extra Kind: Template: Dependency: Job:false Built:false DependsOn:[]} " +
		"{Name:jobs Kind:app Template:worker Dependency: Job:true Built:false DependsOn:[]} " +
		"{Name:web Kind:app Template:frontend Dependency: Job:false Built:true DependsOn:[{Service:api Condition:service_started}]}]"
	if got != want {
		t.Fatalf("services:\n%s\nwant\n%s", got, want)
	}
}

func TestTUINeedsATerminal(t *testing.T) {
	streams, _, _ := testStreams()
	f := newFactory(streams, BuildInfo{})
	err := runTUI(context.Background(), f, &TUIOptions{})
	var usage *usageError
	if !errors.As(err, &usage) || report(new(discard), err) != ExitUsage {
		t.Fatalf("devenv tui without a terminal: %v", err)
	}
}

func TestUpWithoutATerminalKeepsPlainOutput(t *testing.T) {
	streams, _, _ := testStreams()
	f := newFactory(streams, BuildInfo{})
	if f.dashboardOK() {
		t.Fatal("buffers count as a terminal")
	}
	f.environ = func() []string { return []string{"TERM=xterm-256color"} }
	if !f.linksOK() {
		t.Error("xterm gets no hyperlinks")
	}
	for _, env := range [][]string{{"TERM=dumb"}, {"TERM=linux"}, {"TERM=xterm-256color", "TERM_PROGRAM=Apple_Terminal"}, nil} {
		f.environ = func() []string { return env }
		if f.linksOK() {
			t.Errorf("%v gets hyperlinks", env)
		}
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
