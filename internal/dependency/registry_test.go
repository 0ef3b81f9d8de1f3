package dependency

import (
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every kind declares all a kind must: the core (config, project, orchestrator, seed) calls
// each of these without checking. It runs for every kind of the registry.
func TestEveryKindIsComplete(t *testing.T) {
	names := map[string]bool{}
	for _, k := range Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			if k.Name == "" || names[k.Name] {
				t.Fatalf("name %q is empty or taken twice", k.Name)
			}
			names[k.Name] = true
			if got, ok := Lookup(k.Name); !ok || got.Name != k.Name {
				t.Errorf("Lookup(%q) = %q, %v", k.Name, got.Name, ok)
			}
			for what, v := range map[string]string{"Title": k.Title, "Summary": k.Summary, "Image": k.Image, "Version": k.Version,
				"Healthcheck": k.Healthcheck, "URLVar": k.URLVar, "Reset": k.Reset} {
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s is empty", what)
				}
			}
			if k.Connection == nil || k.Probe == nil || k.Seeder == nil {
				t.Fatalf("Connection, Probe and Seeder must all be set")
			}
			if k.Port == 0 || !path.IsAbs(k.DataDir) {
				t.Errorf("port %d, data dir %q: a protocol port and an absolute folder", k.Port, k.DataDir)
			}
			ports := map[uint16]bool{k.Port: true}
			for _, p := range k.ExtraPorts {
				if p.Port == 0 || ports[p.Port] || !strings.HasSuffix(p.Key, "_port") {
					t.Errorf("extra port %+v: a port of its own, its key ending in _port", p)
				}
				ports[p.Port] = true
			}
			if len(k.Fixtures) == 0 {
				t.Errorf("no fixture patterns")
			}
			for _, p := range k.Fixtures {
				if _, err := filepath.Match(p, ""); err != nil || strings.Contains(p, "/") {
					t.Errorf("fixture pattern %q: a file name pattern", p)
				}
			}
			keys, vars := map[string]bool{}, map[string]bool{}
			for _, s := range k.Settings {
				if s.Key == "" || keys[s.Key] || s.Env == "" || vars[s.Env] {
					t.Errorf("setting %+v: a key and a container variable of its own", s)
				}
				keys[s.Key], vars[s.Env] = true, true
			}
			if env := k.Connection(k.Name, k.Port, k.Defaults()); env[k.URLVar] == "" {
				t.Errorf("Connection has no %s: %v", k.URLVar, env)
			}
		})
	}
	if _, ok := Lookup("couchdb"); ok {
		t.Errorf("Lookup found a kind that is not in the registry")
	}
}

// Readiness and seeding read the settings back from the container's environment: what
// ContainerEnv writes, SettingsFromEnv reads.
func TestEveryKindReadsItsSettingsBackFromItsContainer(t *testing.T) {
	for _, k := range Kinds() {
		s := Settings{}
		for _, st := range k.Settings {
			s[st.Key] = "value of " + st.Key + " with $ and spaces"
		}
		if got := k.SettingsFromEnv(k.ContainerEnv(s)); !maps.Equal(got, s) {
			t.Errorf("%s: settings %v came back as %v", k.Name, s, got)
		}
	}
}

func TestNamesAreInRegistryOrder(t *testing.T) {
	if got := Names(); !slices.Equal(got[:3], []string{"mysql", "redis", "rabbitmq"}) || List() != strings.Join(got, ", ") {
		t.Errorf("Names() = %v, List() = %q", got, List())
	}
}

func TestEndpointAddr(t *testing.T) {
	at := Endpoint{Host: "127.0.0.1", Ports: map[uint16]uint16{3306: 40001}}
	if got := at.Addr(3306); got != "127.0.0.1:40001" {
		t.Errorf("Addr(3306) = %q", got)
	}
	if got := at.Addr(15672); got != "" {
		t.Errorf("Addr of a port not published = %q, want empty", got)
	}
	if got := (Endpoint{Host: "::1", Ports: map[uint16]uint16{1: 2}}).Addr(1); got != "[::1]:2" {
		t.Errorf("IPv6 Addr = %q", got)
	}
}
