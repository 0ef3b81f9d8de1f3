package orchestrator

import (
	"context"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
)

// endpointsProject: api publishes two ports, web-ui is stopped, mysql and redis are devenv's
// dependencies (their kind and settings come from the extension and the container env).
func endpointsProject() *types.Project {
	env := func(kv ...string) types.MappingWithEquals {
		m := types.MappingWithEquals{}
		for i := 0; i < len(kv); i += 2 {
			v := kv[i+1]
			m[kv[i]] = &v
		}
		return m
	}
	dep := func(kind string) types.Extensions {
		return types.Extensions{"x-devenv": map[string]any{"kind": "dependency", "dependency": kind}}
	}
	port := func(p uint32) []types.ServicePortConfig {
		return []types.ServicePortConfig{{Target: p, HostIP: "127.0.0.1", Protocol: "tcp"}}
	}
	return &types.Project{Name: "shop-1", Services: types.Services{
		"api":    {Name: "api", ContainerSpec: types.ContainerSpec{Image: "api:1"}, WorkloadSpec: types.WorkloadSpec{Ports: append(port(8080), port(9090)...)}},
		"web-ui": {Name: "web-ui", ContainerSpec: types.ContainerSpec{Image: "web:1"}, WorkloadSpec: types.WorkloadSpec{Ports: port(5173)}},
		"mysql": {Name: "mysql", Extensions: dep("mysql"), WorkloadSpec: types.WorkloadSpec{Ports: port(3306)},
			ContainerSpec: types.ContainerSpec{Image: "mysql:8.4", Environment: env("MYSQL_USER", "app", "MYSQL_PASSWORD", "s3cret", "MYSQL_DATABASE", "shop", "MYSQL_ROOT_PASSWORD", "root")}},
		"redis": {Name: "redis", Extensions: dep("redis"), WorkloadSpec: types.WorkloadSpec{Ports: port(6379)}, ContainerSpec: types.ContainerSpec{Image: "redis:7"}},
	}}
}

func TestHostEnvPointsAtThePublishedPorts(t *testing.T) {
	f := newFakeEngine()
	for svc, ports := range map[string][2]uint16{"api": {8080, 49001}, "mysql": {3306, 49003}, "redis": {6379, 49004}, "web-ui": {5173, 49005}} {
		f.Publish(svc, ports[0], ports[1])
	}
	f.Publish("api", 9090, 49002)
	rec := &events.Recorder{}
	o := newTestOrchestrator(f, rec)
	p := endpointsProject()
	ctx := context.Background()
	if err := o.Up(ctx, p, UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := o.Stop(ctx, p, StopOptions{Services: []string{"web-ui"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.RunContainer(ctx, engine.ContainerSpec{Name: "shop-1-reaper", Labels: map[string]string{engine.LabelProject: "shop-1", engine.LabelReaper: "true"},
		Ports: []engine.PortSpec{{ContainerPort: 8080, HostPort: 49006}}}); err != nil {
		t.Fatal(err)
	}
	got, err := o.HostEnv(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"DEVENV_PROJECT": "shop-1",
		"API_URL":        "http://127.0.0.1:49001", "API_PORT_8080": "49001", "API_PORT_9090": "49002",
		"DATABASE_URL": "mysql://app:s3cret@127.0.0.1:49003/shop", "MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": "49003",
		"MYSQL_URL": "mysql://app:s3cret@127.0.0.1:49003/shop", "MYSQL_PORT_3306": "49003",
		"REDIS_URL": "redis://127.0.0.1:49004/0", "REDIS_PORT": "49004", "REDIS_PORT_6379": "49004",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "WEB_UI_") || strings.Contains(got[k], "49006") {
			t.Errorf("%s=%s comes from a stopped container or the reaper", k, got[k])
		}
	}

	if err := o.ReportEndpoints(ctx, p); err != nil {
		t.Fatal(err)
	}
	said := map[string]string{}
	for _, e := range rec.Events() {
		if e.Kind == events.Info {
			said[e.Service] = e.Message
		}
	}
	if said["mysql"] != "mysql://app:s3cret@127.0.0.1:49003/shop" || said["api"] != "127.0.0.1:49001 (container port 8080), 127.0.0.1:49002 (container port 9090)" || said["web-ui"] != "" {
		t.Errorf("endpoints reported: %q", said)
	}
}
