package project

import (
	"fmt"
	"net/url"
	"os"

	"github.com/devenv/devenv/internal/config"
)

// Dependency kinds devenv knows how to run, probe, wire and seed.
const (
	KindMySQL    = "mysql"
	KindRedis    = "redis"
	KindRabbitMQ = "rabbitmq"
)

// Dependency is one enabled dependency with everything other parts of devenv need about it: the
// compose service it becomes, how to reach it from app containers, and how to reach it from the
// host (readiness probes, seeding, `devenv test` on the host).
type Dependency struct {
	Kind          string // mysql, redis, rabbitmq; also the compose service name
	Image         string
	ContainerPort uint16 // the protocol port inside the container
	HostPort      uint16 // preferred loopback port on the host
	// PinnedPort is true when the user chose HostPort: if it is taken, `up` fails instead of
	// falling back to a free port.
	PinnedPort bool
	// Extra published ports (RabbitMQ's management API), container port → preferred host port.
	ExtraPorts                                    map[uint16]uint16
	User, Password, Database, VHost, RootPassword string
	// Fixtures is the folder of fixture files to seed it with (absolute); "" when that folder
	// does not exist.
	Fixtures string
	// FixturesAfter are services that must be ready (a job: finished) before the fixtures run.
	FixturesAfter []string
}

// Dependencies lists the enabled dependencies of cfg in a fixed order.
func Dependencies(cfg *config.Config) []Dependency {
	var deps []Dependency
	if m := cfg.Dependencies.MySQL; m != nil {
		deps = append(deps, Dependency{
			Kind: KindMySQL, Image: m.Image, ContainerPort: 3306, HostPort: portOr(m.Port, 3306), PinnedPort: m.Port != 0,
			User: m.User, Password: m.Password, Database: m.Database, RootPassword: m.RootPassword,
			Fixtures: existingDir(m.Fixtures), FixturesAfter: m.FixturesAfter,
		})
	}
	if r := cfg.Dependencies.Redis; r != nil {
		deps = append(deps, Dependency{
			Kind: KindRedis, Image: r.Image, ContainerPort: 6379, HostPort: portOr(r.Port, 6379), PinnedPort: r.Port != 0,
			Fixtures: existingDir(r.Fixtures), FixturesAfter: r.FixturesAfter,
		})
	}
	if q := cfg.Dependencies.RabbitMQ; q != nil {
		deps = append(deps, Dependency{
			Kind: KindRabbitMQ, Image: q.Image, ContainerPort: 5672, HostPort: portOr(q.Port, 5672), PinnedPort: q.Port != 0,
			ExtraPorts: map[uint16]uint16{15672: portOr(q.ManagementPort, 15672)},
			User:       q.User, Password: q.Password, VHost: q.VHost,
			Fixtures: existingDir(q.Fixtures), FixturesAfter: q.FixturesAfter,
		})
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
	hp := fmt.Sprintf("%s:%d", host, port)
	switch d.Kind {
	case KindMySQL:
		return map[string]string{
			"MYSQL_HOST":     host,
			"MYSQL_PORT":     fmt.Sprint(port),
			"MYSQL_DATABASE": d.Database,
			"MYSQL_USER":     d.User,
			"MYSQL_PASSWORD": d.Password,
			// go-sql-driver DSN form; most Go and many other clients take it as is.
			"DATABASE_URL": fmt.Sprintf("mysql://%s@%s/%s", url.UserPassword(d.User, d.Password).String(), hp, d.Database),
		}
	case KindRedis:
		return map[string]string{
			"REDIS_HOST": host,
			"REDIS_PORT": fmt.Sprint(port),
			"REDIS_URL":  "redis://" + hp + "/0",
		}
	case KindRabbitMQ:
		return map[string]string{
			"RABBITMQ_HOST":     host,
			"RABBITMQ_PORT":     fmt.Sprint(port),
			"RABBITMQ_USER":     d.User,
			"RABBITMQ_PASSWORD": d.Password,
			"RABBITMQ_VHOST":    d.VHost,
			"AMQP_URL":          fmt.Sprintf("amqp://%s@%s/%s", url.UserPassword(d.User, d.Password).String(), hp, url.PathEscape(d.VHost)),
		}
	}
	return nil
}

// HostURL is how a client on the host reaches d at ip:port, e.g. mysql://app:app@127.0.0.1:3307/app.
func (d Dependency) HostURL(ip string, port uint16) string {
	if ip == "" || ip == "0.0.0.0" {
		ip = "127.0.0.1"
	}
	env := d.ConnectionEnv(ip, port)
	switch d.Kind {
	case KindMySQL:
		return env["DATABASE_URL"]
	case KindRedis:
		return env["REDIS_URL"]
	case KindRabbitMQ:
		return env["AMQP_URL"]
	}
	return fmt.Sprintf("%s:%d", ip, port)
}

// composeService is the compose model of d's service. Dollar signs are doubled because the
// model goes through compose interpolation; the shell inside the container sees single ones.
func (d Dependency) composeService(volumeName string) map[string]any {
	svc := map[string]any{
		"image":    d.Image,
		"hostname": d.Kind, // stable across re-creation: RabbitMQ keys its data by node (host) name
		"restart":  "unless-stopped",
		"ports":    []any{fmt.Sprintf("127.0.0.1:%d:%d", d.HostPort, d.ContainerPort)},
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
		after := make([]any, len(d.FixturesAfter))
		for i, a := range d.FixturesAfter {
			after[i] = a
		}
		ext["fixtures_after"] = after
	}
	for cport, hport := range d.ExtraPorts {
		svc["ports"] = append(svc["ports"].([]any), fmt.Sprintf("127.0.0.1:%d:%d", hport, cport))
	}
	switch d.Kind {
	case KindMySQL:
		svc["environment"] = map[string]any{
			"MYSQL_ROOT_PASSWORD": d.RootPassword,
			"MYSQL_DATABASE":      d.Database,
			"MYSQL_USER":          d.User,
			"MYSQL_PASSWORD":      d.Password,
		}
		svc["volumes"] = []any{volumeName + ":/var/lib/mysql"}
		// A real login over TCP: the image's first-init server listens on a private socket only,
		// so this cannot pass before the database, user and initdb scripts are in place.
		svc["healthcheck"] = healthcheck(`MYSQL_PWD="$$MYSQL_PASSWORD" mysql --protocol=tcp -h127.0.0.1 -u"$$MYSQL_USER" -e 'SELECT 1' "$$MYSQL_DATABASE" >/dev/null`)
	case KindRedis:
		svc["volumes"] = []any{volumeName + ":/data"}
		svc["healthcheck"] = healthcheck(`redis-cli -h 127.0.0.1 ping | grep -q PONG`)
	case KindRabbitMQ:
		svc["environment"] = map[string]any{
			"RABBITMQ_DEFAULT_USER":  d.User,
			"RABBITMQ_DEFAULT_PASS":  d.Password,
			"RABBITMQ_DEFAULT_VHOST": d.VHost,
		}
		svc["volumes"] = []any{volumeName + ":/var/lib/rabbitmq"}
		// `ping` passes seconds before the AMQP listener accepts logins; this checks the listener.
		svc["healthcheck"] = healthcheck(`rabbitmq-diagnostics -q check_port_connectivity`)
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
