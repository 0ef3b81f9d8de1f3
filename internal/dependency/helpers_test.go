package dependency_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/dependency"
	"github.com/devenv/devenv/internal/project"
)

func lookup(t *testing.T, name string) dependency.Kind {
	t.Helper()
	k, ok := dependency.Lookup(name)
	if !ok {
		t.Fatalf("no kind %s in the registry", name)
	}
	return k
}

// composeService is the compose service devenv.yaml's dependencies section (yaml, indented
// under dependencies:) makes of the kind called name, the way `devenv up` makes it: through
// config.Load and project.Resolve.
func composeService(t *testing.T, name, yaml string) types.ServiceConfig {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "devenv.yaml")
	if err := os.WriteFile(file, []byte("dependencies:\n"+yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(file, false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := project.Resolve(context.Background(), cfg, project.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.GetService(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ports are a service's published ports as host-ip:host-port:container-port.
func ports(s types.ServiceConfig) []string {
	var out []string
	for _, p := range s.Ports {
		out = append(out, p.HostIP+":"+p.Published+":"+strconv.FormatUint(uint64(p.Target), 10))
	}
	return out
}

// environment is a service's environment as plain strings.
func environment(s types.ServiceConfig) map[string]string {
	env := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

// connectionCase is where a consumer reaches a dependency, and the variables it must get.
type connectionCase struct {
	name     string
	host     string
	port     uint16
	settings dependency.Settings
	want     map[string]string
}

// testConnection checks the kind's connection variables, and that its URL is the one of them
// it names.
func testConnection(t *testing.T, name string, cases []connectionCase) {
	t.Helper()
	k := lookup(t, name)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if got := k.Connection(tt.host, tt.port, tt.settings); !maps.Equal(got, tt.want) {
				t.Errorf("Connection = %v\nwant %v", got, tt.want)
			}
			if got := k.URL(tt.host, tt.port, tt.settings); got == "" || got != tt.want[k.URLVar] {
				t.Errorf("URL = %q, want %s", got, k.URLVar)
			}
		})
	}
}

// envCase is settings and the container environment that carries them.
type envCase struct {
	settings dependency.Settings
	env      map[string]string
}

// testContainerEnv checks the kind's container environment both ways.
func testContainerEnv(t *testing.T, name string, cases []envCase) {
	t.Helper()
	k := lookup(t, name)
	for _, tt := range cases {
		if got := k.ContainerEnv(tt.settings); !maps.Equal(got, tt.env) {
			t.Errorf("ContainerEnv(%v) = %v, want %v", tt.settings, got, tt.env)
		}
		if got := k.SettingsFromEnv(tt.env); !maps.Equal(got, tt.settings) {
			t.Errorf("SettingsFromEnv(%v) = %v, want %v", tt.env, got, tt.settings)
		}
	}
}

// testFixtureFiles checks which file names the kind applies.
func testFixtureFiles(t *testing.T, name string, applied map[string]bool) {
	t.Helper()
	k := lookup(t, name)
	for file, want := range applied {
		if got := slices.ContainsFunc(k.Fixtures, func(p string) bool { ok, _ := filepath.Match(p, file); return ok }); got != want {
			t.Errorf("%s: applied %v, want %v", file, got, want)
		}
	}
}
