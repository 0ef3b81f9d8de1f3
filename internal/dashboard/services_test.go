package dashboard

import (
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
	got := fmt.Sprintf("%+v", New(nil, nil, p, Options{}).Services())
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
