//go:build e2e

package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Intent: the binary negotiates the API version down to whatever the engine speaks (1.41 on
// Debian's 20.10) instead of failing with "client version too new".
func TestVersionTalksToEngine(t *testing.T) {
	e := NewEnv(t)
	r := e.Devenv(nil, "version", "--json")
	if r.ExitCode != 0 {
		t.Fatalf("devenv version --json exited %d: %s", r.ExitCode, r.Stderr)
	}
	var got struct {
		Engine struct {
			Version, APIVersion, NegotiatedAPIVersion, Error string
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("devenv version --json printed invalid JSON: %v\n%s", err, r.Stdout)
	}
	if got.Engine.Error != "" || got.Engine.Version == "" || got.Engine.NegotiatedAPIVersion == "" {
		t.Fatalf("engine not reported: %+v", got.Engine)
	}
	if apiMinor(t, got.Engine.NegotiatedAPIVersion) > apiMinor(t, got.Engine.APIVersion) {
		t.Fatalf("negotiated API %s is newer than the engine's %s", got.Engine.NegotiatedAPIVersion, got.Engine.APIVersion)
	}
}

// Intent: with no engine at DOCKER_HOST, devenv still reports its own version and says the
// engine is unreachable, rather than failing outright.
func TestVersionWithoutEngine(t *testing.T) {
	e := NewEnv(t)
	r := e.Devenv([]string{"DOCKER_HOST=unix://" + e.Dir + "/no-engine.sock"}, "version")
	if r.ExitCode != 0 {
		t.Fatalf("devenv version exited %d with no engine: %s", r.ExitCode, r.Stderr)
	}
	if !contains(r.Stdout, "devenv:", "not reachable", "no-engine.sock") {
		t.Fatalf("output does not name the unreachable engine:\n%s", r.Stdout)
	}
}

// apiMinor parses an Engine API version "1.N" into N; every Engine API version has major 1.
func apiMinor(t *testing.T, v string) int {
	t.Helper()
	minor, ok := strings.CutPrefix(v, "1.")
	n, err := strconv.Atoi(minor)
	if !ok || err != nil {
		t.Fatalf("API version %q is not of the form 1.N", v)
	}
	return n
}
