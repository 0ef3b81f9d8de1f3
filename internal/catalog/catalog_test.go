package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devenv/devenv/templates"
)

func TestBuiltinTemplatesLoad(t *testing.T) {
	c, err := Load(templates.FS(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Names(), ","); got != "backend,frontend,worker" {
		t.Fatalf("built-in templates = %s", got)
	}
	b := c["backend"]
	if b.Base != "golang:1.26" || b.Target != "dev" || b.Port != 8080 || len(b.Healthcheck) == 0 || b.Origin != "built-in" {
		t.Errorf("backend = %+v", b)
	}
}

func TestScaffoldWritesFilesAndKeepsExisting(t *testing.T) {
	c, err := Load(templates.FS(), "")
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	if err := os.WriteFile(filepath.Join(dst, "main.go"), []byte("package main // mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	created, skipped, err := c["backend"].Scaffold(dst, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 1 || filepath.Base(skipped[0]) != "main.go" {
		t.Errorf("skipped = %v, want the existing main.go", skipped)
	}
	for _, f := range []string{"Dockerfile", "go.mod", "go.sum", ".dockerignore"} {
		if _, err := os.Stat(filepath.Join(dst, f)); err != nil {
			t.Errorf("%s not scaffolded (created: %v)", f, created)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "main.go")); !strings.Contains(string(data), "mine") {
		t.Error("an existing file was overwritten without force")
	}
	if _, _, err := c["backend"].Scaffold(dst, true); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dst, "main.go")); strings.Contains(string(data), "mine") {
		t.Error("force did not regenerate main.go")
	}
}

func TestBrokenTemplatesNameTheirFile(t *testing.T) {
	tests := map[string]struct {
		files fstest.MapFS
		want  string
	}{
		"no template.yaml": {fstest.MapFS{"web/files/Dockerfile": {}}, "web/template.yaml: missing"},
		"unknown key":      {fstest.MapFS{"web/template.yaml": {Data: []byte("description: x\nprots: 1\n")}, "web/files/Dockerfile": {}}, "field prots not found"},
		"bad watch":        {fstest.MapFS{"web/template.yaml": {Data: []byte("description: x\nwatch: [{path: ., action: reload}]\n")}, "web/files/Dockerfile": {}}, `watch[0].action: "reload"`},
		"no Dockerfile":    {fstest.MapFS{"web/template.yaml": {Data: []byte("description: x\n")}, "web/files/main.go": {}}, "web/files/Dockerfile: missing"},
		"no description":   {fstest.MapFS{"web/template.yaml": {Data: []byte("port: 80\n")}, "web/files/Dockerfile": {}}, "description: missing"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Load(tt.files, "")
			var te *Error
			if !errors.As(err, &te) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a template error containing %q", err, tt.want)
			}
		})
	}
}

func TestTemplatesDirOverridesBuiltins(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"backend/template.yaml", "backend/files/Dockerfile"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "backend/template.yaml"), []byte("description: ours\nbase: acme/go:1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "backend/files/Dockerfile"), []byte("FROM scratch\n"), 0o644)
	c, err := Load(templates.FS(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if c["backend"].Description != "ours" || c["backend"].Origin != dir || c["worker"] == nil {
		t.Errorf("catalog = backend %+v, worker %v", c["backend"], c["worker"])
	}
	if _, err := Load(templates.FS(), filepath.Join(dir, "nope")); err == nil {
		t.Error("a missing templates_dir was accepted")
	}
}
