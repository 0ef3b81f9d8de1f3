package config

import (
	"path/filepath"
	"strings"
)

// Defaults of the dependency settings. Image defaults to <kind>:<version> and is filled in after
// overrides, so DEVENV_DEPENDENCIES_MYSQL_VERSION=8.0 also changes the image.
const (
	DefaultMySQLVersion    = "8.4"
	DefaultRedisVersion    = "7"
	DefaultRabbitMQVersion = "3-management"
	defaultUser            = "app"
	defaultPassword        = "app"
)

// Restart policies; a service's default is RestartUnlessStopped, a job's RestartNo.
const (
	RestartNo            = "no"
	RestartAlways        = "always"
	RestartOnFailure     = "on-failure"
	RestartUnlessStopped = "unless-stopped"
)

// defaultSettings are the built-in layer under devenv.yaml and DEVENV_* for the fixed keys
// (settings.go). Dependency defaults only land in dependencies the file enables.
func defaultSettings(dir string) map[string]any {
	d := map[string]any{
		"dependencies.mysql.version":       DefaultMySQLVersion,
		"dependencies.mysql.database":      "app",
		"dependencies.mysql.user":          defaultUser,
		"dependencies.mysql.password":      defaultPassword,
		"dependencies.mysql.root_password": "root",
		"dependencies.redis.version":       DefaultRedisVersion,
		"dependencies.rabbitmq.version":    DefaultRabbitMQVersion,
		"dependencies.rabbitmq.user":       defaultUser,
		"dependencies.rabbitmq.password":   defaultPassword,
		"dependencies.rabbitmq.vhost":      "/",
	}
	if name := NormalizeProjectName(filepath.Base(dir)); name != "" {
		d["name"] = name
	}
	return d
}

// applyDefaults fills what depends on other settings or lives in user-named mappings, which
// the settings layer does not see.
func applyDefaults(cfg *Config) {
	if m := cfg.Dependencies.MySQL; m != nil && m.Image == "" {
		m.Image = "mysql:" + m.Version
	}
	if r := cfg.Dependencies.Redis; r != nil && r.Image == "" {
		r.Image = "redis:" + r.Version
	}
	if q := cfg.Dependencies.RabbitMQ; q != nil && q.Image == "" {
		q.Image = "rabbitmq:" + q.Version
	}
	for _, f := range cfg.fixtureDirs() {
		if *f.dir == "" {
			*f.dir = filepath.Join("fixtures", f.kind)
		}
		if !filepath.IsAbs(*f.dir) {
			*f.dir = filepath.Join(cfg.Dir, *f.dir)
		}
	}
	for _, s := range cfg.Services {
		if s != nil && s.Restart == "" {
			s.Restart = RestartUnlessStopped
			if s.Job {
				// A job that restarts would run again after it finished.
				s.Restart = RestartNo
			}
		}
	}
}

// NormalizeProjectName turns a directory name into a compose project name the way compose
// does, so `devenv` and `docker compose` run in the same directory agree on the project:
// lower-case, characters other than a-z, 0-9, '-' and '_' dropped, leading '-' and '_'
// dropped. "My App" → "myapp". "" when nothing is left.
func NormalizeProjectName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	return strings.TrimLeft(b.String(), "-_")
}

// validProjectName is compose's rule for project names.
func validProjectName(s string) bool {
	return s != "" && s == NormalizeProjectName(s)
}

// fixtureDir is one enabled dependency's fixtures setting, for the code that defaults, resolves
// and checks all three the same way.
type fixtureDir struct {
	kind  string
	dir   *string
	after []string
}

func (cfg *Config) fixtureDirs() []fixtureDir {
	var out []fixtureDir
	d := cfg.Dependencies
	if d.MySQL != nil {
		out = append(out, fixtureDir{"mysql", &d.MySQL.Fixtures, d.MySQL.FixturesAfter})
	}
	if d.Redis != nil {
		out = append(out, fixtureDir{"redis", &d.Redis.Fixtures, d.Redis.FixturesAfter})
	}
	if d.RabbitMQ != nil {
		out = append(out, fixtureDir{"rabbitmq", &d.RabbitMQ.Fixtures, d.RabbitMQ.FixturesAfter})
	}
	return out
}
