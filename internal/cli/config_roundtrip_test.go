package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// `devenv config` promises output that compose itself accepts: load it back with compose-go's
// loader (the library docker compose uses) and check the stack survived the trip.
func TestConfigOutputLoadsAsCompose(t *testing.T) {
	dir := t.TempDir()
	yaml := `name: shop
extra_hosts: ["npm.internal:10.1.2.3"]
dependencies:
  mysql: {}
  redis: {}
  rabbitmq: {}
services:
  api:
    image: acme/api:1
    ports: ["8080:8080"]
    env: {API_TOKEN: s3cret}
    depends_on: [mysql, redis, rabbitmq]
`
	if err := os.WriteFile(filepath.Join(dir, "devenv.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	streams, out, _ := testStreams()
	f := newFactory(streams, BuildInfo{})
	f.getwd = func() (string, error) { return dir, nil }
	f.environ = func() []string { return []string{"DEVENV_IMAGES_MIRROR=127.0.0.1:5000"} }
	if err := runConfig(context.Background(), f, &ConfigOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "s3cret") {
		t.Errorf("secret printed without --show-secrets:\n%s", out)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: "devenv-config.yaml", Content: out.Bytes()}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("shop", true) })
	if err != nil {
		t.Fatalf("compose rejects devenv config's output: %v\n%s", err, out)
	}
	mysql, _ := p.GetService("mysql")
	if hc := strings.Join(mysql.HealthCheck.Test, " "); !strings.Contains(hc, `"$MYSQL_PASSWORD"`) {
		t.Errorf("a $ meant for the container's shell was interpolated away on reload: %s", hc)
	}
	if got := strings.Join(p.ServiceNames(), ","); got != "api,mysql,rabbitmq,redis" {
		t.Errorf("services after the round trip: %s", got)
	}
	api, _ := p.GetService("api")
	if api.DependsOn["mysql"].Condition != types.ServiceConditionHealthy || api.Ports[0].HostIP != "127.0.0.1" ||
		api.ExtraHosts["npm.internal"] == nil || !strings.HasPrefix(api.Image, "127.0.0.1:5000/") {
		t.Errorf("api lost settings in the round trip: %+v", api)
	}
}

// devenv.yaml.example is what people copy: it must pass validation with the templates that ship.
func TestExampleFileResolvesWithShippedTemplates(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "devenv.yaml.example"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "devenv.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	streams, _, _ := testStreams()
	f := newFactory(streams, BuildInfo{})
	f.getwd = func() (string, error) { return dir, nil }
	f.environ = func() []string { return nil }
	if _, _, err := f.Project(context.Background()); err != nil {
		t.Fatalf("devenv.yaml.example does not resolve: %v", err)
	}
}
