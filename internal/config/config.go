// Package config reads devenv.yaml (plus DEVENV_* environment overrides) into a typed Config and
// validates it, reporting every problem with the file, line and key it is about. It is the only
// package that imports viper. docs/config.md is the user-facing reference of every key.
//
// The YAML tree is decoded against Config's mapstructure tags (decode.go), which also gives every
// key path its line and column; the scalar keys a DEVENV_* variable can set go through viper's
// precedence, default < file < variable (settings.go); then defaults that depend on other values
// (defaults.go) and the checks (validate.go).
package config

import "time"

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
	DependsOn  []string          `mapstructure:"depends_on"` // services or dependencies (mysql, redis, rabbitmq)
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

// Dependencies are the backing services devenv knows how to run, wire and seed. A nil field
// means the project does not use that dependency.
type Dependencies struct {
	MySQL    *MySQL    `mapstructure:"mysql"`
	Redis    *Redis    `mapstructure:"redis"`
	RabbitMQ *RabbitMQ `mapstructure:"rabbitmq"`
}

// MySQL configures the mysql dependency.
type MySQL struct {
	Version      string `mapstructure:"version"` // image tag, default 8.4
	Image        string `mapstructure:"image"`   // default mysql:<version>
	Database     string `mapstructure:"database"`
	User         string `mapstructure:"user"`
	Password     string `mapstructure:"password"`
	RootPassword string `mapstructure:"root_password"`
	Port         int    `mapstructure:"port"` // host port; 0 = default 3306, falling back to a free one if taken
	// Fixtures is the directory of *.sql and *.sql.gz files applied in name order; default
	// fixtures/mysql. After Load it is absolute.
	Fixtures string `mapstructure:"fixtures"`
	// FixturesAfter names services (migration jobs, typically) that must finish before the
	// fixtures are applied; they do not wait for the fixtures themselves.
	FixturesAfter []string `mapstructure:"fixtures_after"`
}

// Redis configures the redis dependency.
type Redis struct {
	Version string `mapstructure:"version"` // default 7
	Image   string `mapstructure:"image"`
	Port    int    `mapstructure:"port"` // host port; 0 = default 6379, falling back to a free one if taken
	// Fixtures is the directory of key files (*.yaml, *.yml, *.json) and command files
	// (*.redis); default fixtures/redis. After Load it is absolute.
	Fixtures      string   `mapstructure:"fixtures"`
	FixturesAfter []string `mapstructure:"fixtures_after"` // as for MySQL
}

// RabbitMQ configures the rabbitmq dependency.
type RabbitMQ struct {
	Version        string `mapstructure:"version"` // default 3-management
	Image          string `mapstructure:"image"`
	User           string `mapstructure:"user"`
	Password       string `mapstructure:"password"`
	VHost          string `mapstructure:"vhost"`
	Port           int    `mapstructure:"port"`            // AMQP host port; 0 = default 5672 with fallback
	ManagementPort int    `mapstructure:"management_port"` // HTTP API host port; 0 = default 15672 with fallback
	// Fixtures is the directory of definitions (*.json, the management plugin's format) and
	// messages (*.yaml, *.yml) files; default fixtures/rabbitmq. After Load it is absolute.
	Fixtures      string   `mapstructure:"fixtures"`
	FixturesAfter []string `mapstructure:"fixtures_after"` // as for MySQL
}
