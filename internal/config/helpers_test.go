package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/dependency"
)

// builtinTemplates are the template names the tests pass to Load, as the CLI passes the
// built-in ones.
func builtinTemplates() []string { return []string{"backend", "frontend", "worker"} }

// supportedKinds is how messages list the dependency kinds: every kind of the registry, sorted.
func supportedKinds() string {
	return strings.Join(slices.Sorted(slices.Values(dependency.Names())), ", ")
}

// load writes content as devenv.yaml in a new directory, makes that the working directory (so
// messages name the file "devenv.yaml", as for a user in their project) and loads it.
func load(t *testing.T, content string, env ...string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "devenv.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	return Load(path, false, env, builtinTemplates())
}

// mustLoad is load for content that must be valid.
func mustLoad(t *testing.T, content string, env ...string) *Config {
	t.Helper()
	cfg, err := load(t, content, env...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

// problems is each problem's one-line Error(), in the order Load returned them.
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error is %T, not config.Errors: %v", err, err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		if e.Hint() == "" {
			t.Errorf("%s: no fix", e)
		}
		out[i] = e.Error()
	}
	return out
}

// writeFiles creates files (path → content, relative to dir), making directories as needed; a
// path ending in / is an empty directory.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if name[len(name)-1] == '/' {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
