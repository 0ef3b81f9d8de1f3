package project

import (
	"fmt"
	"os"

	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/dependency"
)

// Dependency is one enabled dependency with everything other parts of devenv need about it: the
// compose service it becomes, how to reach it from app containers, and how to reach it from the
// host (readiness probes, seeding, `devenv test` on the host). What it is comes from its kind
// (internal/dependency); devenv.yaml's settings fill it in.
type Dependency struct {
	Kind          string // mysql, redis, rabbitmq; also the compose service name
	Image         string
	ContainerPort uint16 // the protocol port inside the container
	HostPort      uint16 // preferred loopback port on the host
	// PinnedPort is true when the user chose HostPort: if it is taken, `up` fails instead of
	// falling back to a free port.
	PinnedPort bool
	// Extra published ports (RabbitMQ's management API), container port → preferred host port.
	ExtraPorts map[uint16]uint16
	Settings   dependency.Settings
	// Fixtures is the folder of fixture files to seed it with (absolute); "" when that folder
	// does not exist.
	Fixtures string
	// FixturesAfter are services that must be ready (a job: finished) before the fixtures run.
	FixturesAfter []string
}

// Dependencies lists the enabled dependencies of cfg in the registry's order.
func Dependencies(cfg *config.Config) []Dependency {
	var deps []Dependency
	for _, kind := range dependency.Kinds() {
		c := cfg.Dependencies[kind.Name]
		if c == nil {
			continue
		}
		d := Dependency{
			Kind: kind.Name, Image: c.Image, ContainerPort: kind.Port, HostPort: portOr(c.Port, kind.Port), PinnedPort: c.Port != 0,
			Settings: c.Settings, Fixtures: existingDir(c.Fixtures), FixturesAfter: c.FixturesAfter,
		}
		for _, p := range kind.ExtraPorts {
			if d.ExtraPorts == nil {
				d.ExtraPorts = map[uint16]uint16{}
			}
			d.ExtraPorts[p.Port] = portOr(c.ExtraPorts[p.Key], p.Port)
		}
		deps = append(deps, d)
	}
	return deps
}

// existingDir is dir if it is a folder: the default fixtures folder is optional.
func existingDir(dir string) string {
	if st, err := os.Stat(dir); dir != "" && err == nil && st.IsDir() {
		return dir
	}
	return ""
}

func portOr(p int, def uint16) uint16 {
	if p > 0 && p < 65536 {
		return uint16(p)
	}
	return def
}

// ConnectionEnv is what an app service needs to reach d, as environment variables. host and
// port are where the dependency answers from the consumer's point of view: the service name and
// container port inside the project network, or 127.0.0.1 and the published port on the host.
func (d Dependency) ConnectionEnv(host string, port uint16) map[string]string {
	kind, ok := dependency.Lookup(d.Kind)
	if !ok {
		return nil
	}
	return kind.Connection(host, port, d.Settings)
}

// composeService is the compose model of d's service, a dependency of kind.
func (d Dependency) composeService(kind dependency.Kind, volumeName string) map[string]any {
	svc := map[string]any{
		"image":       d.Image,
		"hostname":    d.Kind, // stable across re-creation: RabbitMQ keys its data by node (host) name
		"restart":     "unless-stopped",
		"ports":       []any{fmt.Sprintf("127.0.0.1:%d:%d", d.HostPort, d.ContainerPort)},
		"volumes":     []any{volumeName + ":" + kind.DataDir},
		"healthcheck": healthcheck(kind.Healthcheck),
		// port_fallback: a default host port that is taken (a MySQL on the host) is replaced by a
		// free one at `up`; a port the user pinned is not, and a clash fails instead.
		ExtensionKey: map[string]any{"kind": "dependency", "dependency": d.Kind, "port_fallback": !d.PinnedPort},
	}
	ext := svc[ExtensionKey].(map[string]any)
	if d.Fixtures != "" {
		ext["fixtures"] = d.Fixtures
	}
	// Kept even without a fixtures folder, so a mistyped name is reported before one appears.
	if len(d.FixturesAfter) > 0 {
		ext["fixtures_after"] = toAnyList(d.FixturesAfter)
	}
	for _, p := range kind.ExtraPorts {
		svc["ports"] = append(svc["ports"].([]any), fmt.Sprintf("127.0.0.1:%d:%d", d.ExtraPorts[p.Port], p.Port))
	}
	if env := kind.ContainerEnv(d.Settings); len(env) > 0 {
		svc["environment"] = toAnyMap(env)
	}
	return svc
}

// healthcheck keeps the engine's own check infrequent: each RabbitMQ diagnostics call costs most
// of a CPU-second. devenv probes readiness itself, with real clients, while a service starts.
func healthcheck(cmd string) map[string]any {
	return map[string]any{
		"test":         []any{"CMD-SHELL", cmd},
		"interval":     "10s",
		"timeout":      "5s",
		"retries":      3,
		"start_period": "60s",
	}
}
