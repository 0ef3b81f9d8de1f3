package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/dependency"
)

func TestLoadAppliesDefaults(t *testing.T) {
	cfg := mustLoad(t, `
services:
  web:
    template: frontend
    path: ./web
  migrate:
    template: backend
    job: true
dependencies:
  mysql:
  redis: {}
`)
	if cfg.Name != NormalizeProjectName(filepath.Base(cfg.Dir)) || cfg.Name == "" {
		t.Errorf("Name = %q, want the directory's normalised name", cfg.Name)
	}
	if cfg.File != filepath.Join(cfg.Dir, "devenv.yaml") || !filepath.IsAbs(cfg.File) || cfg.ComposeOnly {
		t.Errorf("File = %q, Dir = %q, ComposeOnly = %v", cfg.File, cfg.Dir, cfg.ComposeOnly)
	}
	if got := cfg.Services["web"].Restart; got != "unless-stopped" {
		t.Errorf("web restart = %q, want unless-stopped", got)
	}
	if got := cfg.Services["migrate"].Restart; got != "no" {
		t.Errorf("job restart = %q, want no", got)
	}
	wantMySQL := &Dependency{Version: "8.4", Image: "mysql:8.4", Fixtures: filepath.Join(cfg.Dir, "fixtures", "mysql"),
		Settings: dependency.Settings{"database": "app", "user": "app", "password": "app", "root_password": "root"}}
	if !reflect.DeepEqual(cfg.Dependencies["mysql"], wantMySQL) {
		t.Errorf("mysql = %+v, want %+v", cfg.Dependencies["mysql"], wantMySQL)
	}
	if want := (&Dependency{Version: "7", Image: "redis:7", Fixtures: filepath.Join(cfg.Dir, "fixtures", "redis")}); !reflect.DeepEqual(cfg.Dependencies["redis"], want) {
		t.Errorf("redis = %+v, want %+v", cfg.Dependencies["redis"], want)
	}
	if len(cfg.Dependencies) != 2 {
		t.Errorf("dependencies = %+v, want mysql and redis only: the others are not in the file", cfg.Dependencies)
	}
}

func TestLoadRabbitMQDefaultsAndImageFollowsVersion(t *testing.T) {
	cfg := mustLoad(t, `
dependencies:
  rabbitmq: {}
  mysql:
    version: "8.0"
  redis:
    version: 7.2
    image: registry.example/redis:7.2-alpine
`)
	want := &Dependency{Version: "3-management", Image: "rabbitmq:3-management", Fixtures: filepath.Join(cfg.Dir, "fixtures", "rabbitmq"),
		Settings: dependency.Settings{"user": "app", "password": "app", "vhost": "/"}}
	if !reflect.DeepEqual(cfg.Dependencies["rabbitmq"], want) {
		t.Errorf("rabbitmq = %+v, want %+v", cfg.Dependencies["rabbitmq"], want)
	}
	wantMySQL := &Dependency{Version: "8.0", Image: "mysql:8.0", Fixtures: filepath.Join(cfg.Dir, "fixtures", "mysql"),
		Settings: dependency.Settings{"database": "app", "user": "app", "password": "app", "root_password": "root"}}
	if !reflect.DeepEqual(cfg.Dependencies["mysql"], wantMySQL) {
		t.Errorf("mysql = %+v, want %+v: the file's version, the other defaults", cfg.Dependencies["mysql"], wantMySQL)
	}
	if got := cfg.Dependencies["redis"].Image; got != "registry.example/redis:7.2-alpine" {
		t.Errorf("redis image = %q: an image set in the file must win", got)
	}
}

func TestLoadNameDefaultsToNormalisedDirectoryName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "My App")
	writeFiles(t, dir, map[string]string{"devenv.yaml": "dependencies: {redis: {}}\n"})
	cfg, err := Load(filepath.Join(dir, "devenv.yaml"), false, nil, builtinTemplates())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "myapp" {
		t.Errorf("Name = %q, want myapp", cfg.Name)
	}
}

// The shapes compose accepts beyond the plain type, and values that must arrive unchanged.
func TestLoadValueShapes(t *testing.T) {
	cfg := mustLoad(t, `
x-common: &common
  image: acme/base:1
  env:
    SHARED: "yes"
compose: compose.override.yaml
services:
  api:
    <<: *common
    command: go run ./cmd/api --name "my api" 'a b' $HOME
    env:
      PORT: 8080
      DEBUG: true
      RATIO: 1.50
      EMPTY:
      NODE_ENV: development
    env_file: .env
    ports: [8080, "127.0.0.1:9090:90/udp"]
    build: ./api
    x-notes: ignored
  worker:
    <<: *common
    command: ["sh", "-c", "a && b"]
    env: ["A=1", "B=x=y"]
    build:
      context: ./w
      args: {GO: 1.26}
    job: yes
dependencies:
  mysql:
    version: 8.10
`)
	api, worker := cfg.Services["api"], cfg.Services["worker"]
	checks := []struct {
		name      string
		got, want any
	}{
		{"command split like a shell", api.Command, []string{"go", "run", "./cmd/api", "--name", "my api", "a b", "$HOME"}},
		{"command list", worker.Command, []string{"sh", "-c", "a && b"}},
		{"env scalars as written", api.Env, map[string]string{"PORT": "8080", "DEBUG": "true", "RATIO": "1.50", "EMPTY": "", "NODE_ENV": "development"}},
		{"env list form", worker.Env, map[string]string{"A": "1", "B": "x=y"}},
		{"env_file string", api.EnvFile, []string{".env"}},
		{"compose string", cfg.Compose, []string{"compose.override.yaml"}},
		{"ports numbers and strings", api.Ports, []string{"8080", "127.0.0.1:9090:90/udp"}},
		{"build shorthand", api.Build, &Build{Context: "./api"}},
		{"build args as written", worker.Build.Args, map[string]string{"GO": "1.26"}},
		{"merged image", api.Image, "acme/base:1"},
		{"YAML 1.1 yes for a bool", worker.Job, true},
		{"version 8.10 is not the number 8.1", cfg.Dependencies["mysql"].Version, "8.10"},
		{"image from the version as written", cfg.Dependencies["mysql"].Image, "mysql:8.10"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestLoadEnvOverrides(t *testing.T) {
	const withMySQL = "name: shop\ntemplates_dir: ./tpl\ndependencies:\n  mysql:\n    port: 3306\n"
	tests := []struct {
		name  string
		yaml  string
		env   []string
		check func(t *testing.T, cfg *Config)
	}{
		{
			name: "name",
			yaml: withMySQL,
			env:  []string{"DEVENV_NAME=ci-123"},
			check: func(t *testing.T, cfg *Config) {
				if cfg.Name != "ci-123" {
					t.Errorf("Name = %q", cfg.Name)
				}
			},
		},
		{
			name: "images.mirror with no images section",
			yaml: "dependencies:\n  redis: {}\n",
			env:  []string{"DEVENV_IMAGES_MIRROR=127.0.0.1:5000"},
			check: func(t *testing.T, cfg *Config) {
				if cfg.Images.Mirror != "127.0.0.1:5000" {
					t.Errorf("Mirror = %q", cfg.Images.Mirror)
				}
			},
		},
		{
			name: "a dependency's port wins over the file's",
			yaml: withMySQL,
			env:  []string{"DEVENV_DEPENDENCIES_MYSQL_PORT=3307"},
			check: func(t *testing.T, cfg *Config) {
				if cfg.Dependencies["mysql"].Port != 3307 {
					t.Errorf("Port = %d", cfg.Dependencies["mysql"].Port)
				}
			},
		},
		{
			name: "templates_dir",
			yaml: withMySQL,
			env:  []string{"DEVENV_TEMPLATES_DIR=/opt/templates"},
			check: func(t *testing.T, cfg *Config) {
				if cfg.TemplatesDir != "/opt/templates" {
					t.Errorf("TemplatesDir = %q", cfg.TemplatesDir)
				}
			},
		},
		{
			name: "version changes the default image",
			yaml: withMySQL,
			env:  []string{"DEVENV_DEPENDENCIES_MYSQL_VERSION=8.0"},
			check: func(t *testing.T, cfg *Config) {
				if m := cfg.Dependencies["mysql"]; m.Version != "8.0" || m.Image != "mysql:8.0" {
					t.Errorf("mysql = %+v", m)
				}
			},
		},
		{
			name: "a variable does not enable a dependency",
			yaml: withMySQL,
			env:  []string{"DEVENV_DEPENDENCIES_REDIS_PORT=6380", "DEVENV_DEPENDENCIES_RABBITMQ_USER=x"},
			check: func(t *testing.T, cfg *Config) {
				if len(cfg.Dependencies) != 1 || cfg.Dependencies["mysql"] == nil {
					t.Errorf("dependencies = %+v, want mysql only", cfg.Dependencies)
				}
			},
		},
		{
			name: "empty means unset; the last of repeated entries wins; unknown DEVENV_ variables are ignored",
			yaml: withMySQL,
			env:  []string{"DEVENV_NAME=", "DEVENV_TEMPLATES_DIR=a", "DEVENV_TEMPLATES_DIR=b", "DEVENV_REGISTRY=x", "DEVENV_SERVICES_WEB_IMAGE=y"},
			check: func(t *testing.T, cfg *Config) {
				if cfg.Name != "shop" || cfg.TemplatesDir != "b" {
					t.Errorf("Name = %q, TemplatesDir = %q", cfg.Name, cfg.TemplatesDir)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustLoad(t, tt.yaml, tt.env...))
		})
	}
}

func TestLoadNilTemplatesSkipsTheTemplateCheck(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"devenv.yaml": "templates_dir: ./tpl\nservices:\n  web:\n    template: acme-rails\n"})
	cfg, err := Load(filepath.Join(dir, "devenv.yaml"), false, nil, nil)
	if err != nil {
		t.Fatalf("Load with nil templates: %v", err)
	}
	_, err = Load(filepath.Join(dir, "devenv.yaml"), false, nil, append(builtinTemplates(), "acme-go"))
	if err == nil || !strings.Contains(err.Error(), `unknown template "acme-rails" (known: acme-go, backend, frontend, worker)`) {
		t.Errorf("second load with %s's templates: %v", cfg.TemplatesDir, err)
	}
}

// The repository's devenv.yaml.example must stay valid, and show the example stack.
func TestExampleFileLoads(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "devenv.yaml.example"), false, nil, builtinTemplates())
	if err != nil {
		t.Fatalf("devenv.yaml.example: %v", err)
	}
	want := map[string]struct {
		template, path string
		dependsOn      []string
		job            bool
	}{
		"web":     {"", "", []string{"api"}, false},
		"api":     {"backend", "./api", []string{"mysql", "redis", "rabbitmq"}, false},
		"jobs":    {"worker", "./jobs", []string{"rabbitmq", "mysql"}, false},
		"migrate": {"backend", "./api", []string{"mysql"}, true},
	}
	if len(cfg.Services) != len(want) {
		t.Errorf("services: %d, want %d", len(cfg.Services), len(want))
	}
	for name, w := range want {
		s := cfg.Services[name]
		if s == nil || s.Template != w.template || s.Path != w.path || !reflect.DeepEqual(s.DependsOn, w.dependsOn) || s.Job != w.job {
			t.Errorf("service %s = %+v, want %+v", name, s, w)
		}
	}
	if b := cfg.Services["web"].Build; b == nil || b.Context != "./web" {
		t.Errorf("web build = %+v, want context ./web", b)
	}
	if got := cfg.Services["web"].Ports; !reflect.DeepEqual(got, []string{"3000:3000"}) {
		t.Errorf("web ports = %v", got)
	}
	if got := cfg.Services["api"].Ports; !reflect.DeepEqual(got, []string{"8080:8080"}) {
		t.Errorf("api ports = %v", got)
	}
	d := cfg.Dependencies
	if d["mysql"] == nil || d["redis"] == nil || d["rabbitmq"] == nil || len(cfg.ExtraHosts) == 0 || cfg.Images.Mirror != "" {
		t.Errorf("dependencies %+v, extra_hosts %v, mirror %q", d, cfg.ExtraHosts, cfg.Images.Mirror)
	}
}

func TestLoadComposeOnly(t *testing.T) {
	tests := []struct {
		name, dir  string
		env        []string
		wantName   string
		wantMirror string
		wantErr    string
	}{
		{name: "name from the directory", dir: "Legacy Stack", wantName: "legacystack"},
		{name: "DEVENV_NAME wins, DEVENV_IMAGES_MIRROR applies", dir: "legacy", env: []string{"DEVENV_NAME=ci-7", "DEVENV_IMAGES_MIRROR=127.0.0.1:5000"}, wantName: "ci-7", wantMirror: "127.0.0.1:5000"},
		{name: "invalid DEVENV_NAME", dir: "legacy", env: []string{"DEVENV_NAME=Legacy"},
			wantErr: `env DEVENV_NAME: name: invalid project name "Legacy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), tt.dir)
			writeFiles(t, dir, map[string]string{"compose.yaml": "services: {db: {image: postgres}}\n"})
			path, composeOnly, err := Find(dir)
			if err != nil || !composeOnly {
				t.Fatalf("Find = %q, %v, %v", path, composeOnly, err)
			}
			cfg, err := Load(path, composeOnly, tt.env, builtinTemplates())
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %s...", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := &Config{File: path, Dir: dir, ComposeOnly: true, Compose: []string{path}, Name: tt.wantName, Images: Images{Mirror: tt.wantMirror}}
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("Config = %+v\nwant %+v", cfg, want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "devenv.yaml"), false, nil, nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestErrorText(t *testing.T) {
	one := &Error{File: "/p/devenv.yaml", Line: 12, Column: 5, Key: "services.web.template",
		Message: `unknown template "frontent" (known: backend, frontend, worker)`, Fix: "use template: frontend"}
	env := &Error{File: "/p/devenv.yaml", Var: "DEVENV_NAME", Key: "name", Message: "invalid project name", Fix: "use x"}
	tests := []struct {
		name, text, hint string
		err              error
	}{
		{"one problem", `/p/devenv.yaml:12:5: services.web.template: unknown template "frontent" (known: backend, frontend, worker)`, "use template: frontend", one},
		{"a variable", "env DEVENV_NAME: name: invalid project name", "use x", env},
		{"one in a list", one.Error(), one.Fix, Errors{one}},
		{"several", "2 problems in /p/devenv.yaml:\n  " + one.Error() + "\n    fix: use template: frontend\n  " + env.Error() + "\n    fix: use x", "", Errors{one, env}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.text {
				t.Errorf("Error() = %q, want %q", got, tt.text)
			}
			if got := tt.err.(interface{ Hint() string }).Hint(); got != tt.hint {
				t.Errorf("Hint() = %q, want %q", got, tt.hint)
			}
		})
	}
	var e *Error
	if !errors.As(error(Errors{env, one}), &e) || e != env {
		t.Errorf("errors.As does not find the first problem")
	}
}

// Messages name the file the way the user can open it: relative to where they are when that
// is shorter.
func TestErrorsNameTheFileRelativeToTheWorkingDirectory(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"devenv.yaml": "services: []\n", "sub/": ""})
	t.Chdir(filepath.Join(root, "sub"))
	_, err := Load(filepath.Join(root, "devenv.yaml"), false, nil, nil)
	if err == nil || !strings.HasPrefix(err.Error(), filepath.Join("..", "devenv.yaml")+":1:1: ") {
		t.Errorf("err = %v", err)
	}
	t.Chdir(os.TempDir())
	_, err = Load(filepath.Join(root, "devenv.yaml"), false, nil, nil)
	var e *Error
	if !errors.As(err, &e) || e.File != filepath.Join(root, "devenv.yaml") {
		t.Errorf("File = %v, want the absolute path", err)
	}
}

// Aliases and merges that expand to more values than any real file has are refused, quickly,
// instead of taking the machine's memory ("billion laughs").
func TestLoadRefusesAliasBombs(t *testing.T) {
	var lists, merges strings.Builder
	lists.WriteString("x-hosts: &hosts [" + strings.Repeat(`"h:10.0.0.1", `, 1000) + "]\nservices:\n")
	for i := range 200 {
		fmt.Fprintf(&lists, "  s%d: {image: x, extra_hosts: *hosts}\n", i)
	}
	// Each mapping merges the previous one twice: 2^100 entries unguarded.
	merges.WriteString("x-0: &m0 {image: x}\n")
	for i := 1; i < 100; i++ {
		fmt.Fprintf(&merges, "x-%d: &m%d {<<: [*m%d, *m%d], env: {A%d: b}}\n", i, i, i-1, i-1, i)
	}
	merges.WriteString("services: {web: *m99}\n")
	for name, content := range map[string]string{"aliased lists": lists.String(), "merges of merges": merges.String()} {
		t.Run(name, func(t *testing.T) {
			_, err := load(t, content)
			want := "the file expands to more than 100000 values"
			if got := problems(t, err); len(got) != 1 || !strings.Contains(got[0], want) {
				t.Errorf("problems = %.300q, want only %q", got, want)
			}
		})
	}
}
