package project

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/catalog"
	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/dependency"
	"github.com/devenv/devenv/templates"
)

func exampleConfig(t *testing.T) *config.Config {
	t.Helper()
	dir := t.TempDir()
	return &config.Config{
		File: filepath.Join(dir, "devenv.yaml"), Dir: dir, Name: "shop",
		ExtraHosts: []string{"npm.internal:10.1.2.3"},
		Images:     config.Images{Mirror: "127.0.0.1:5000"},
		Services: map[string]*config.Service{
			"api": {Image: "acme/api:1", Ports: []string{"8080:8080"}, Env: map[string]string{"MYSQL_DATABASE": "override"},
				DependsOn: []string{"mysql", "migrate", "cache"}, Resources: config.Resources{Memory: "512m", CPUs: 1.5}},
			"migrate": {Image: "acme/migrate:1", Job: true},
			"cache":   {Image: "acme/cache:1"},
			"web":     {Build: &config.Build{Context: "web", Args: map[string]string{"BASE": "node:20"}}, Ports: []string{"0.0.0.0:3000:3000"}},
		},
		Dependencies: config.Dependencies{
			"mysql": {Image: "mysql:8.4", Settings: dependency.Settings{"database": "app", "user": "app", "password": "p@ss", "root_password": "root"}},
			"redis": {Image: "redis:7"},
			"rabbitmq": {Image: "rabbitmq:3-management", Port: 5673,
				Settings: dependency.Settings{"user": "app", "password": "app", "vhost": "/"}},
		},
	}
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestResolveTurnsDevenvYamlIntoComposeProject(t *testing.T) {
	p, err := Resolve(context.Background(), exampleConfig(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "shop" {
		t.Errorf("project name %q", p.Name)
	}
	if got := strings.Join(p.ServiceNames(), ","); got != "api,cache,migrate,mysql,rabbitmq,redis,web" {
		t.Errorf("services = %s", got)
	}

	mysql := service(t, p, "mysql")
	if mysql.Image != "127.0.0.1:5000/library/mysql:8.4" {
		t.Errorf("mysql image %q not mirrored", mysql.Image)
	}
	if len(mysql.Ports) != 1 || mysql.Ports[0].HostIP != "127.0.0.1" || mysql.Ports[0].Published != "3306" || mysql.Ports[0].Target != 3306 {
		t.Errorf("mysql ports = %+v", mysql.Ports)
	}
	if mysql.HealthCheck == nil || !strings.Contains(strings.Join(mysql.HealthCheck.Test, " "), "--protocol=tcp") {
		t.Errorf("mysql healthcheck = %+v", mysql.HealthCheck)
	}
	if len(mysql.Volumes) != 1 || mysql.Volumes[0].Source != "mysql-data" || mysql.Volumes[0].Target != "/var/lib/mysql" {
		t.Errorf("mysql volumes = %+v", mysql.Volumes)
	}
	if _, ok := p.Volumes["mysql-data"]; !ok {
		t.Errorf("project volumes = %v", p.VolumeNames())
	}
	if rq := service(t, p, "rabbitmq"); rq.Ports[0].Published != "5673" || rq.Hostname != "rabbitmq" {
		t.Errorf("rabbitmq ports/hostname = %+v %q", rq.Ports, rq.Hostname)
	}

	api := service(t, p, "api")
	env := api.Environment
	if v := env["MYSQL_HOST"]; v == nil || *v != "mysql" {
		t.Errorf("api MYSQL_HOST = %v", v)
	}
	if v := env["MYSQL_DATABASE"]; v == nil || *v != "override" {
		t.Errorf("service env must win over injected env: MYSQL_DATABASE = %v", v)
	}
	if v := env["DATABASE_URL"]; v == nil || *v != "mysql://app:p%40ss@mysql:3306/app" {
		t.Errorf("api DATABASE_URL = %v", *v)
	}
	if v := env["AMQP_URL"]; v == nil || *v != "amqp://app:app@rabbitmq:5672/%2F" {
		t.Errorf("api AMQP_URL = %v", *v)
	}
	if v := env["REDIS_URL"]; v == nil || *v != "redis://redis:6379/0" {
		t.Errorf("api REDIS_URL = %v", *v)
	}
	want := map[string]string{"mysql": types.ServiceConditionHealthy, "migrate": types.ServiceConditionCompletedSuccessfully, "cache": types.ServiceConditionStarted}
	for dep, cond := range want {
		if api.DependsOn[dep].Condition != cond {
			t.Errorf("api depends_on %s condition = %q, want %q", dep, api.DependsOn[dep].Condition, cond)
		}
	}
	if api.Restart != "unless-stopped" || service(t, p, "migrate").Restart != "no" {
		t.Errorf("restart policies: api %q, migrate %q", api.Restart, service(t, p, "migrate").Restart)
	}
	if api.MemLimit != 512*1024*1024 || api.CPUS != 1.5 {
		t.Errorf("api limits: mem %d cpus %v", api.MemLimit, api.CPUS)
	}
	if api.Ports[0].HostIP != "127.0.0.1" {
		t.Errorf("api port host IP %q, want loopback by default", api.Ports[0].HostIP)
	}
	if got := api.ExtraHosts["host.docker.internal"]; len(got) != 1 || got[0] != "host-gateway" {
		t.Errorf("api extra_hosts = %v", api.ExtraHosts)
	}
	if got := api.ExtraHosts["npm.internal"]; len(got) != 1 || got[0] != "10.1.2.3" {
		t.Errorf("api extra_hosts = %v", api.ExtraHosts)
	}

	web := service(t, p, "web")
	if web.Ports[0].HostIP != "0.0.0.0" {
		t.Errorf("an explicit host IP must be kept: %q", web.Ports[0].HostIP)
	}
	if web.Image != "shop-web:dev" {
		t.Errorf("built image name %q", web.Image)
	}
	if base := web.Build.Args["BASE"]; base == nil || *base != "127.0.0.1:5000/library/node:20" {
		t.Errorf("build arg BASE = %v, want it mirrored", base)
	}
	if got := web.Build.ExtraHosts["npm.internal"]; len(got) != 1 {
		t.Errorf("build extra_hosts = %v: private registries must resolve during builds", web.Build.ExtraHosts)
	}
	if !filepath.IsAbs(web.Build.Context) {
		t.Errorf("build context %q not resolved", web.Build.Context)
	}
}

func TestResolveMergesComposeFiles(t *testing.T) {
	cfg := exampleConfig(t)
	compose := "services:\n  api:\n    environment:\n      FROM_COMPOSE: \"yes\"\n  extra:\n    image: busybox:1\n    ports: [\"9000:9000\"]\n"
	if err := os.WriteFile(filepath.Join(cfg.Dir, "compose.extra.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Compose = []string{"compose.extra.yaml"}
	p, err := Resolve(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := service(t, p, "api").Environment["FROM_COMPOSE"]; v == nil || *v != "yes" {
		t.Errorf("compose file not merged into api: %v", service(t, p, "api").Environment)
	}
	extra := service(t, p, "extra")
	if extra.Image != "127.0.0.1:5000/library/busybox:1" || extra.Ports[0].HostIP != "127.0.0.1" {
		t.Errorf("compose service not finished: image %q ports %+v", extra.Image, extra.Ports)
	}
}

func TestResolveComposeOnly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	compose := "services:\n  db:\n    image: redis:7\n    profiles: [\"debug\"]\n  app:\n    image: acme/app:${APP_TAG:-1}\n"
	if err := os.WriteFile(file, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{File: file, Dir: dir, ComposeOnly: true, Name: "plain", Compose: []string{file}}
	p, err := Resolve(context.Background(), cfg, Options{Env: map[string]string{"APP_TAG": "7"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.ServiceNames(), ","); got != "app" {
		t.Errorf("services without profile = %s", got)
	}
	if img := service(t, p, "app").Image; img != "acme/app:7" {
		t.Errorf("interpolated image = %q", img)
	}
	p, err = Resolve(context.Background(), cfg, Options{Profiles: []string{"debug"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.ServiceNames(), ","); got != "app,db" {
		t.Errorf("services with profile debug = %s", got)
	}
}

// The URL devenv shows for a dependency carries devenv.yaml's settings (escaped) and the port.
func TestDependencyURLCarriesTheSettings(t *testing.T) {
	deps := Dependencies(exampleConfig(t))
	want := map[string]string{
		"mysql":    "mysql://app:p%40ss@127.0.0.1:40001/app",
		"redis":    "redis://127.0.0.1:40001/0",
		"rabbitmq": "amqp://app:app@127.0.0.1:40001/%2F",
	}
	for _, d := range deps {
		kind, _ := dependency.Lookup(d.Kind)
		if got := kind.URL("127.0.0.1", 40001, d.Settings); got != want[d.Kind] {
			t.Errorf("%s: %s, want %s", d.Kind, got, want[d.Kind])
		}
	}
}

func TestResolveAppliesTemplates(t *testing.T) {
	cat, err := catalog.Load(templates.FS(), "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := exampleConfig(t)
	cfg.Services = map[string]*config.Service{
		"api":  {Template: "backend", Path: "./api", Ports: []string{"8080:8080"}},
		"jobs": {Template: "worker", Build: &config.Build{Args: map[string]string{"BASE": "acme/go:1"}}},
	}
	p, err := Resolve(context.Background(), cfg, Options{Templates: cat})
	if err != nil {
		t.Fatal(err)
	}
	api := service(t, p, "api")
	if api.Build == nil || api.Build.Target != "dev" || api.Build.Context != filepath.Join(cfg.Dir, "api") {
		t.Fatalf("api build = %+v", api.Build)
	}
	if base := api.Build.Args["BASE"]; base == nil || *base != "127.0.0.1:5000/library/golang:1.26" {
		t.Errorf("api BASE = %v, want the template's base through the mirror", base)
	}
	if len(api.Ports) != 1 || api.Ports[0].Published != "8080" {
		t.Errorf("the service's own ports must win: %+v", api.Ports)
	}
	if api.HealthCheck == nil || strings.Join(api.HealthCheck.Test, " ") != "CMD app -healthcheck" {
		t.Errorf("api healthcheck = %+v", api.HealthCheck)
	}
	if len(api.Volumes) != 1 || api.Volumes[0].Type != types.VolumeTypeBind || api.Volumes[0].Source != filepath.Join(cfg.Dir, "api") || api.Volumes[0].Target != "/src" {
		t.Errorf("api source mount = %+v", api.Volumes)
	}
	if api.Develop == nil || len(api.Develop.Watch) != 3 || api.Develop.Watch[1].Action != types.WatchActionRebuild {
		t.Errorf("api watch rules = %+v", api.Develop)
	}
	if r := ExtensionOf(api).ReadyHTTP; r == nil || *r != (ReadyHTTP{Port: 8080, Path: "/ping"}) {
		t.Errorf("api ready check = %v, want GET /ping on 8080", r)
	}
	for _, dep := range []string{"mysql", "redis", "rabbitmq"} {
		if api.DependsOn[dep].Condition != types.ServiceConditionHealthy {
			t.Errorf("api does not wait for %s: %+v", dep, api.DependsOn)
		}
	}
	jobs := service(t, p, "jobs")
	if jobs.Build.Context != filepath.Join(cfg.Dir, "jobs") || *jobs.Build.Args["BASE"] != "127.0.0.1:5000/acme/go:1" {
		t.Errorf("jobs build = %+v (default path ./jobs, the service's own BASE)", jobs.Build)
	}
	if len(jobs.Ports) != 0 {
		t.Errorf("the worker template publishes nothing: %+v", jobs.Ports)
	}
}

func TestExtensionOfReadsWhatResolveWrote(t *testing.T) {
	cat, err := catalog.Load(templates.FS(), "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := exampleConfig(t)
	cfg.Services["api"].Image, cfg.Services["api"].Template = "", "backend"
	p, err := Resolve(context.Background(), cfg, Options{Templates: cat})
	if err != nil {
		t.Fatal(err)
	}
	if e := ExtensionOf(service(t, p, "mysql")); e.Kind != "dependency" || e.Dependency != "mysql" || !e.PortFallback {
		t.Errorf("mysql: %+v", e)
	}
	if e := ExtensionOf(service(t, p, "rabbitmq")); e.PortFallback {
		t.Errorf("rabbitmq's port was pinned in the config: %+v", e)
	}
	if e := ExtensionOf(service(t, p, "migrate")); !e.Job || e.Kind != "app" {
		t.Errorf("migrate: %+v", e)
	}
	e := ExtensionOf(service(t, p, "api"))
	if e.Template != "backend" || e.ReadyHTTP == nil || *e.ReadyHTTP != (ReadyHTTP{Port: 8080, Path: "/ping"}) {
		t.Errorf("api: %+v", e)
	}
	if e := ExtensionOf(types.ServiceConfig{}); !reflect.DeepEqual(e, Extension{}) {
		t.Errorf("a plain compose service: %+v", e)
	}
}

// fixtures_after may name a service of a compose file; a name that is no service is reported
// with the key, even before a fixtures folder exists.
func TestResolveChecksFixturesAfter(t *testing.T) {
	cfg := exampleConfig(t)
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "fixtures", "mysql"), 0o755); err != nil {
		t.Fatal(err)
	}
	compose := "services:\n  schema:\n    image: acme/schema:1\n"
	if err := os.WriteFile(filepath.Join(cfg.Dir, "compose.extra.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Compose = []string{"compose.extra.yaml"}
	mysql := cfg.Dependencies["mysql"]
	mysql.Fixtures = filepath.Join(cfg.Dir, "fixtures", "mysql")
	mysql.FixturesAfter = []string{"migrate", "schema"}
	p, err := Resolve(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e := ExtensionOf(service(t, p, "mysql")); e.Fixtures != mysql.Fixtures || !reflect.DeepEqual(e.FixturesAfter, []string{"migrate", "schema"}) {
		t.Errorf("mysql extension: %+v", e)
	}
	mysql.Fixtures = filepath.Join(cfg.Dir, "no-such-folder")
	mysql.FixturesAfter = []string{"migrat"}
	if _, err := Resolve(context.Background(), cfg, Options{}); err == nil || !strings.Contains(err.Error(), `dependencies.mysql.fixtures_after names "migrat", which is not a service`) {
		t.Errorf("err = %v", err)
	}
}
