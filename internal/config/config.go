// Package config reads devenv.yaml (plus DEVENV_* environment overrides) into a typed Config and
// validates it, reporting every problem with the file, line and key it is about. It is the only
// package that imports viper. docs/config.md is the user-facing reference of every key.
//
// The YAML tree is decoded against Config's mapstructure tags (decode.go), which also gives every
// key path its line and column; the scalar keys a DEVENV_* variable can set go through viper's
// precedence, default < file < variable (settings.go); then defaults that depend on other values
// (defaults.go) and the checks (validate.go).
package config

import (
	"time"

	"github.com/devenv/devenv/internal/dependency"
)

// FileNames are the names devenv looks for, in this order, in the working directory and then in
// each parent directory (like git looks for .git). A function, not a variable, so no caller can
// change what every other caller finds.
func FileNames() []string { return []string{"devenv.yaml", "devenv.yml"} }

// ComposeFileNames are the compose files, in compose's own order of preference, that a directory
// with no devenv.yaml may hold instead.
func ComposeFileNames() []string {
	return []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}
}

// Config is one project's devenv.yaml after defaults and environment overrides. A Config that
// Load returns has passed every check in validate.go: names are valid, every service has a
// template, image or build, depends_on names exist and form no cycle, ports parse.
type Config struct {
	// File is the absolute path of the devenv.yaml read, or of the compose file when the
	// directory has only a compose file (then ComposeOnly is true).
	File        string `mapstructure:"-"`
	Dir         string `mapstructure:"-"` // directory of File; relative paths resolve against it
	ComposeOnly bool   `mapstructure:"-"`

	Name         string              `mapstructure:"name"`          // default: Dir's base name, normalised
	TemplatesDir string              `mapstructure:"templates_dir"` // an organisation's own templates
	Compose      []string            `mapstructure:"compose"`       // extra compose files merged in, relative to Dir
	ExtraHosts   []string            `mapstructure:"extra_hosts"`   // "host:ip" or "host:host-gateway", for every container and build
	Images       Images              `mapstructure:"images"`
	Services     map[string]*Service `mapstructure:"services"`
	Dependencies Dependencies        `mapstructure:"dependencies"`
	Watch        Watch               `mapstructure:"watch"`
}

// Watch tunes hot reload (the services' develop.watch rules).
type Watch struct {
	// Debounce is how long changed files must be quiet before a reload, e.g. 100ms (empty: 20ms,
	// internal/watch's DefaultQuiet): a burst of saves or a git checkout becomes one reload.
	Debounce string `mapstructure:"debounce"`
	// Ignore lists globs (.dockerignore syntax, relative to the project folder) never watched,
	// on top of .gitignore, .dockerignore and the defaults (.git, node_modules, build outputs).
	Ignore []string `mapstructure:"ignore"`
}

// MaxDebounce bounds watch.debounce: a longer quiet period would make every reload feel broken.
const MaxDebounce = 10 * time.Second

// Quiet is Debounce as a duration; 0 means the default. A Config from Load has a valid one.
func (w Watch) Quiet() time.Duration {
	d, err := time.ParseDuration(w.Debounce)
	if err != nil {
		return 0
	}
	return d
}

// Images says where images come from.
type Images struct {
	// Mirror is a registry laid out like a pull-through cache of Docker Hub, e.g. 127.0.0.1:5000:
	// mysql:8.4 → 127.0.0.1:5000/library/mysql:8.4, bitnami/redis:7 → 127.0.0.1:5000/bitnami/redis:7.
	Mirror string `mapstructure:"mirror"`
	// Overrides replaces whole image references before the mirror applies, e.g.
	// "mysql:8.4": "mariadb:11".
	Overrides map[string]string `mapstructure:"overrides"`
}

// Service is one app service.
type Service struct {
	Template   string            `mapstructure:"template"` // frontend, backend, worker, or one from TemplatesDir
	Image      string            `mapstructure:"image"`    // never set together with Template
	Build      *Build            `mapstructure:"build"`
	Path       string            `mapstructure:"path"`    // source directory, relative to Dir
	Command    []string          `mapstructure:"command"` // a string is split like a shell would
	Ports      []string          `mapstructure:"ports"`   // compose short syntax: "8080", "8080:80", "0.0.0.0:8080:80"
	Env        map[string]string `mapstructure:"env"`     // numbers and booleans in the file arrive as written
	EnvFile    []string          `mapstructure:"env_file"`
	DependsOn  []string          `mapstructure:"depends_on"` // services or enabled dependencies (mysql, redis, ...)
	Restart    string            `mapstructure:"restart"`    // no (a job's default), always, on-failure[:N], unless-stopped (default)
	Resources  Resources         `mapstructure:"resources"`
	ExtraHosts []string          `mapstructure:"extra_hosts"`
	// Job marks a one-shot service (e.g. migrations): it runs to completion, `up --wait` treats
	// exit 0 as done, and services depending on it start after it succeeded.
	Job bool `mapstructure:"job"`
}

// Build builds a service's image from a Dockerfile.
type Build struct {
	Context    string            `mapstructure:"context"`
	Dockerfile string            `mapstructure:"dockerfile"`
	Target     string            `mapstructure:"target"`
	Args       map[string]string `mapstructure:"args"`
}

// Resources caps a service so one leaking process can't take the laptop down.
type Resources struct {
	Memory string  `mapstructure:"memory"` // e.g. 512m, 2g
	CPUs   float64 `mapstructure:"cpus"`   // e.g. 1.5
}

// Dependencies are the backing services devenv runs, wires and seeds itself, by kind name
// (internal/dependency lists the kinds: mysql, redis, rabbitmq). A kind that is not there is not
// used.
type Dependencies map[string]*Dependency

// Dependency configures one dependency. The keys every kind takes are its fields; those its kind
// adds (user, password, vhost, management_port, ...) are in Settings and ExtraPorts, by key.
type Dependency struct {
	Version string `mapstructure:"version"` // image tag; default: the kind's (mysql 8.4, redis 7, ...)
	Image   string `mapstructure:"image"`   // default: the kind's image at Version, e.g. mysql:8.4
	// Port is the host port of the kind's protocol port; 0 = the container port (3306 for
	// mysql), falling back to a free one if taken.
	Port int `mapstructure:"port"`
	// Fixtures is the folder of fixture files applied in name order; default fixtures/<kind>.
	// After Load it is absolute.
	Fixtures string `mapstructure:"fixtures"`
	// FixturesAfter names services (migration jobs, typically) that must finish before the
	// fixtures are applied; they do not wait for the fixtures themselves.
	FixturesAfter []string `mapstructure:"fixtures_after"`
	// Settings are the kind's own settings, after defaults and overrides.
	Settings dependency.Settings `mapstructure:"-"`
	// ExtraPorts are the host ports of the kind's extra ports (RabbitMQ's management_port) by
	// key; 0 or absent = the container port, with the same fallback as Port.
	ExtraPorts map[string]int `mapstructure:"-"`
}
