package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load as devenv.yaml. Whatever the input, Load must not
// panic and must return either a Config or an error, never both or neither; every problem must
// say where it is (a line, or the variable) and what is wrong.
//
//	go test -run '^$' -fuzz FuzzLoad -fuzztime 60s ./internal/config/
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"",
		"services:\n  web:\n    template: frontend\n    path: ./web\n    ports: [\"3000:3000\"]\n",
		"dependencies:\n  mysql:\n  redis: {}\n  rabbitmq: {port: 5673}\n",
		"x-a: &a {image: x}\nservices:\n  web:\n    <<: *a\n    depends_on: [api]\n  api: *a\n",
		"services:\n  web:\n    image: x\n    command: a 'b c' \"d\"\n    env: [A=1]\n    build: ./w\n",
		"services: {a: {image: x, depends_on: [b]}, b: {image: x, depends_on: [a]}}\n",
		"extra_hosts: [\"a:1.2.3.4\", \"b:host-gateway\", \"c:::1\"]\nservices: {w: {image: x, ports: [\"[::1]:80:80/udp\"]}}\n",
		"a: &a [*a]\n",
		"x: &x {<<: *x}\nservices: {w: *x}\n",
		"services:\n  web:\n\timage: x\n",
		"--- \n...\n---\n",
	} {
		f.Add([]byte(seed))
	}
	if example, err := os.ReadFile(filepath.Join("..", "..", "devenv.yaml.example")); err == nil {
		f.Add(example)
	}
	dir := f.TempDir()
	path := filepath.Join(dir, "devenv.yaml")
	env := []string{"DEVENV_IMAGES_MIRROR=127.0.0.1:5000"}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path, false, env, builtinTemplates())
		if (cfg == nil) == (err == nil) {
			t.Fatalf("Load returned Config %v and error %v: want exactly one", cfg, err)
		}
		if err != nil {
			checkProblems(t, err)
			return
		}
		// What Load accepts is complete: defaults in place.
		for name, s := range cfg.Services {
			if s == nil || s.Restart == "" {
				t.Fatalf("service %q = %+v: missing or without a restart policy", name, s)
			}
		}
		if cfg.Name == "" || cfg.Images.Mirror != "127.0.0.1:5000" {
			t.Fatalf("Name %q, Mirror %q", cfg.Name, cfg.Images.Mirror)
		}
	})
}

func checkProblems(t *testing.T, err error) {
	t.Helper()
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %T is not config.Errors: %v", err, err)
	}
	if len(es) == 0 {
		t.Fatal("empty Errors")
	}
	for _, e := range es {
		if e.Message == "" || e.Fix == "" {
			t.Fatalf("problem without a message or fix: %#v", e)
		}
		located := e.Var != "" || e.Line > 0 || strings.HasPrefix(e.Message, "invalid YAML")
		if !located {
			t.Fatalf("problem without a place: %s", e)
		}
	}
	_ = err.Error()
}
