package project

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/dependency"
)

// Every kind of the registry becomes the compose service its kind declares, and every app
// service gets its connection variables. It runs for each kind there is: a new kind is checked
// without a change here.
func TestEveryKindBecomesTheServiceItDeclares(t *testing.T) {
	for _, kind := range dependency.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			dir := t.TempDir()
			settings := kind.Defaults()
			cfg := &config.Config{File: filepath.Join(dir, "devenv.yaml"), Dir: dir, Name: "shop",
				Services:     map[string]*config.Service{"api": {Image: "acme/api:1", DependsOn: []string{kind.Name}}},
				Dependencies: config.Dependencies{kind.Name: {Image: kind.DefaultImage(kind.Version), Settings: settings}}}
			p, err := Resolve(context.Background(), cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := service(t, p, kind.Name)
			if s.Image != kind.DefaultImage(kind.Version) || s.Hostname != kind.Name || s.Restart != "unless-stopped" {
				t.Errorf("image %q hostname %q restart %q", s.Image, s.Hostname, s.Restart)
			}
			var ports []string
			for _, sp := range s.Ports {
				ports = append(ports, fmt.Sprintf("%s:%s:%d", sp.HostIP, sp.Published, sp.Target))
			}
			want := []string{fmt.Sprintf("127.0.0.1:%d:%d", kind.Port, kind.Port)}
			for _, x := range kind.ExtraPorts {
				want = append(want, fmt.Sprintf("127.0.0.1:%d:%d", x.Port, x.Port))
			}
			if slices.Sort(ports); !slices.Equal(ports, slices.Sorted(slices.Values(want))) {
				t.Errorf("ports %v, want %v: the protocol port and the extra ports, on loopback", ports, want)
			}
			if len(s.Volumes) != 1 || s.Volumes[0].Source != kind.Name+"-data" || s.Volumes[0].Target != kind.DataDir {
				t.Errorf("volumes %+v, want %s-data on %s", s.Volumes, kind.Name, kind.DataDir)
			}
			env := map[string]string{}
			for k, v := range s.Environment {
				env[k] = *v
			}
			if wantEnv := kind.ContainerEnv(settings); len(env) != len(wantEnv) || (len(env) > 0 && !reflect.DeepEqual(env, wantEnv)) {
				t.Errorf("container env %v, want %v", env, wantEnv)
			}
			// Compose interpolation makes $$ in the model a $ for the shell.
			if hc := s.HealthCheck; hc == nil || !slices.Equal([]string(hc.Test), []string{"CMD-SHELL", strings.ReplaceAll(kind.Healthcheck, "$$", "$")}) {
				t.Errorf("healthcheck %+v, want the kind's command", hc)
			}
			if e := ExtensionOf(s); e.Kind != "dependency" || e.Dependency != kind.Name || !e.PortFallback {
				t.Errorf("extension %+v", e)
			}
			api := service(t, p, "api")
			for k, v := range kind.Connection(kind.Name, kind.Port, settings) {
				if got := api.Environment[k]; got == nil || *got != v {
					t.Errorf("api %s = %v, want %q", k, got, v)
				}
			}
		})
	}
}
