package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/dependency"
)

// What devenv.yaml takes under dependencies comes from the registry: these run for every kind
// there is, so a new kind is checked without a change here.

func TestEveryKindsKeysAreDistinct(t *testing.T) {
	common := slices.Collect(maps.Keys(structKeys(reflect.TypeFor[Dependency]())))
	for _, kind := range dependency.Kinds() {
		if !validServiceName(kind.Name) || strings.ContainsAny(kind.Name, "._-") {
			t.Errorf("kind %q: a kind's name is a service name and part of DEVENV_ variables: lower-case letters and digits only", kind.Name)
		}
		seen := map[string]bool{}
		for _, k := range append(slices.Clone(common), kind.Keys()...) {
			if seen[k] {
				t.Errorf("%s: key %s is taken twice (every kind takes %v)", kind.Name, k, common)
			}
			seen[k] = true
		}
	}
}

func TestEveryKindLoadsWithItsDefaults(t *testing.T) {
	for _, kind := range dependency.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			cfg := mustLoad(t, "dependencies:\n  "+kind.Name+":\n")
			dep := cfg.Dependencies[kind.Name]
			if dep == nil || dep.Version != kind.Version || dep.Image != kind.DefaultImage(kind.Version) {
				t.Fatalf("%s = %+v, want version %s and its image", kind.Name, dep, kind.Version)
			}
			for k, v := range kind.Defaults() {
				if dep.Settings[k] != v {
					t.Errorf("%s = %q, want the default %q", k, dep.Settings[k], v)
				}
			}
			if dep.Port != 0 || len(dep.ExtraPorts) != 0 {
				t.Errorf("ports %d %v: 0, the default with fallback, unless set", dep.Port, dep.ExtraPorts)
			}
		})
	}
}

// Each key is set by the file, then overridden by its variable; a variable alone does not
// enable the kind.
func TestEveryKindsKeysComeFromTheFileAndVariables(t *testing.T) {
	for _, kind := range dependency.Kinds() {
		t.Run(kind.Name, func(t *testing.T) {
			var file strings.Builder
			var env []string
			fmt.Fprintf(&file, "services:\n  web:\n    image: x\ndependencies:\n  %s:\n", kind.Name)
			wantFile, wantEnv := dependency.Settings{}, dependency.Settings{}
			for _, s := range kind.Settings {
				fmt.Fprintf(&file, "    %s: file-%s\n", s.Key, s.Key)
				wantFile[s.Key], wantEnv[s.Key] = "file-"+s.Key, "env-"+s.Key
				env = append(env, envVar("dependencies."+kind.Name+"."+s.Key)+"=env-"+s.Key)
			}
			portsFile, portsEnv := map[string]int{}, map[string]int{}
			for i, p := range kind.ExtraPorts {
				fmt.Fprintf(&file, "    %s: %d\n", p.Key, 20001+i)
				portsFile[p.Key], portsEnv[p.Key] = 20001+i, 21001+i
				env = append(env, fmt.Sprintf("%s=%d", envVar("dependencies."+kind.Name+"."+p.Key), 21001+i))
			}
			env = append(env, envVar("dependencies."+kind.Name+".version")+"=9")
			for _, step := range []struct {
				env      []string
				version  string
				settings dependency.Settings
				ports    map[string]int
			}{
				{nil, kind.Version, wantFile, portsFile},
				{env, "9", wantEnv, portsEnv},
			} {
				dep := mustLoad(t, file.String(), step.env...).Dependencies[kind.Name]
				if len(kind.Settings) > 0 && !reflect.DeepEqual(dep.Settings, step.settings) {
					t.Errorf("env %v: settings %v, want %v", step.env, dep.Settings, step.settings)
				}
				if len(kind.ExtraPorts) > 0 && !reflect.DeepEqual(dep.ExtraPorts, step.ports) {
					t.Errorf("env %v: extra ports %v, want %v", step.env, dep.ExtraPorts, step.ports)
				}
				if dep.Version != step.version || dep.Image != kind.DefaultImage(step.version) {
					t.Errorf("env %v: version %q image %q, want %q and its image", step.env, dep.Version, dep.Image, step.version)
				}
			}
			if deps := mustLoad(t, "services:\n  web:\n    image: x\n", env...).Dependencies; deps[kind.Name] != nil {
				t.Errorf("variables enabled %s: %+v", kind.Name, deps[kind.Name])
			}
		})
	}
}
