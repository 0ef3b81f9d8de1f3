// Package dependency is the registry of the dependency kinds devenv runs, wires, probes and seeds
// itself (MySQL, Redis, RabbitMQ). Each kind is one file that declares everything about it: what
// `init` offers, its image, ports and data folder, the settings devenv.yaml takes for it and their
// rules, its container's environment and healthcheck, the variables apps get to reach it, its
// readiness probe, its fixture files, its seeder and what a reset deletes. registry.go lists the
// kinds.
//
// config, project, orchestrator and cli ask the registry; none of them names a kind. The package
// imports neither config nor project (config imports it).
package dependency

import (
	"context"
	"net"
	"strconv"

	"github.com/devenv/devenv/internal/health"
	"github.com/devenv/devenv/internal/seed"
)

// Kind is one kind of dependency.
type Kind struct {
	// Name is the key under devenv.yaml's dependencies, the compose service (and host) name,
	// and the default fixtures folder fixtures/<Name>.
	Name string
	// Title and Summary are what `devenv init` shows.
	Title, Summary string

	// Image is the image repository: the image is Image:<version> unless devenv.yaml names one.
	Image   string
	Version string // the default version, an image tag
	// Port is the protocol port inside the container; the `port` setting moves its host side.
	Port       uint16
	ExtraPorts []ExtraPort
	// DataDir is the folder in the container the dependency's data volume is mounted on.
	DataDir string

	// Settings are the settings the kind takes besides those every kind takes (version,
	// image, port, fixtures, fixtures_after).
	Settings []Setting
	// Check reports settings the kind refuses; nil when any value goes.
	Check func(Settings) []Problem

	// Healthcheck is the engine's own check, a shell command in compose's model (so $$ is a
	// dollar sign for the shell). devenv itself waits with Probe; this keeps `docker ps` and
	// plain compose honest.
	Healthcheck string

	// Connection is what an app needs to reach the dependency at host:port, as environment
	// variables (DATABASE_URL, MYSQL_HOST, ...).
	Connection func(host string, port uint16, s Settings) map[string]string
	// URLVar names the variable of Connection that is the URL devenv shows to users.
	URLVar string

	// Probe is ready once a real client gets in at addr (host:port of Port).
	Probe func(addr string, s Settings) health.Probe

	// Fixtures are the file name patterns of its fixtures, e.g. *.sql.
	Fixtures []string
	// Seeder logs in to a running dependency to apply fixtures.
	Seeder func(ctx context.Context, at Endpoint) (seed.Applier, error)
	// Reset says what `devenv seed --reset` deletes, as a phrase that follows "deletes".
	Reset string
}

// ExtraPort is a container port a kind publishes besides its protocol port, e.g. RabbitMQ's
// management API.
type ExtraPort struct {
	Key  string // the setting that moves its host side, e.g. management_port
	Port uint16 // the container port, also the default host port
}

// Setting is one setting a kind takes. Every setting is carried into the container as an
// environment variable, which is also where readiness and seeding read it back from: they run
// on compose projects, which may come from `devenv config` output rather than devenv.yaml.
type Setting struct {
	Key     string // as in devenv.yaml, e.g. root_password
	Default string
	Env     string // the container's variable, e.g. MYSQL_ROOT_PASSWORD
}

// Settings are a kind's settings by key.
type Settings map[string]string

// Problem is a setting a kind refuses; config reports it at dependencies.<kind>.<Key>.
type Problem struct {
	Key, Message, Fix string
}

// Endpoint is a running dependency as a client reaches it.
type Endpoint struct {
	Host     string            // where its ports answer, e.g. 127.0.0.1
	Ports    map[uint16]uint16 // container port → port at Host
	Settings Settings
}

// Addr is host:port where containerPort answers; "" when it is not published.
func (e Endpoint) Addr(containerPort uint16) string {
	p, ok := e.Ports[containerPort]
	if !ok {
		return ""
	}
	return net.JoinHostPort(e.Host, strconv.Itoa(int(p)))
}

// DefaultImage is the image of a version when devenv.yaml names none.
func (k Kind) DefaultImage(version string) string { return k.Image + ":" + version }

// Defaults are the settings nothing overrides.
func (k Kind) Defaults() Settings {
	s := Settings{}
	for _, st := range k.Settings {
		s[st.Key] = st.Default
	}
	return s
}

// Keys are the keys the kind takes of its own: its settings, then its extra ports.
func (k Kind) Keys() []string {
	var out []string
	for _, st := range k.Settings {
		out = append(out, st.Key)
	}
	for _, p := range k.ExtraPorts {
		out = append(out, p.Key)
	}
	return out
}

// ContainerEnv is the dependency container's environment for s.
func (k Kind) ContainerEnv(s Settings) map[string]string {
	env := map[string]string{}
	for _, st := range k.Settings {
		env[st.Env] = s[st.Key]
	}
	return env
}

// SettingsFromEnv reads the settings back from a container's environment (ContainerEnv's).
func (k Kind) SettingsFromEnv(env map[string]string) Settings {
	s := Settings{}
	for _, st := range k.Settings {
		s[st.Key] = env[st.Env]
	}
	return s
}

// URL is how a client reaches the dependency at host:port, e.g. mysql://app:app@127.0.0.1:3307/app.
func (k Kind) URL(host string, port uint16, s Settings) string {
	return k.Connection(host, port, s)[k.URLVar]
}

// Seed applies the fixtures in dir that the running dependency at has not recorded yet.
func (k Kind) Seed(ctx context.Context, at Endpoint, dir string, opts seed.Options) (seed.Result, error) {
	return seed.Apply(ctx, seed.Target{
		Dependency: k.Name,
		Dir:        dir,
		Patterns:   k.Fixtures,
		Open:       func(ctx context.Context) (seed.Applier, error) { return k.Seeder(ctx, at) },
	}, opts)
}
