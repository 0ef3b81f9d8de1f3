package dependency

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/devenv/devenv/internal/health"
	"github.com/devenv/devenv/internal/seed"
)

// amqpPort is RabbitMQ's AMQP port in the container.
const amqpPort = 5672

// rabbitmqManagement is the management plugin's HTTP port (API and UI): definitions fixtures
// are imported through it.
const rabbitmqManagement = 15672

// rabbitMQKind is RabbitMQ with the management plugin.
func rabbitMQKind() Kind {
	return Kind{
		Name:    "rabbitmq",
		Title:   "RabbitMQ",
		Summary: "message broker; AMQP_URL and RABBITMQ_* in the services; fixtures from definitions and messages",

		Image:      "rabbitmq",
		Version:    "3-management",
		Port:       amqpPort,
		ExtraPorts: []ExtraPort{{Key: "management_port", Port: rabbitmqManagement}},
		DataDir:    "/var/lib/rabbitmq",

		Settings: []Setting{
			{Key: "user", Default: "app", Env: "RABBITMQ_DEFAULT_USER"},
			{Key: "password", Default: "app", Env: "RABBITMQ_DEFAULT_PASS"},
			{Key: "vhost", Default: "/", Env: "RABBITMQ_DEFAULT_VHOST"},
		},

		// `ping` passes seconds before the AMQP listener accepts logins; this checks the
		// listener. Each call costs most of a CPU-second, which is why the engine runs it
		// rarely and devenv waits with Probe.
		Healthcheck: `rabbitmq-diagnostics -q check_port_connectivity`,

		Connection: func(host string, port uint16, s Settings) map[string]string {
			return map[string]string{
				"RABBITMQ_HOST":     host,
				"RABBITMQ_PORT":     strconv.Itoa(int(port)),
				"RABBITMQ_USER":     s["user"],
				"RABBITMQ_PASSWORD": s["password"],
				"RABBITMQ_VHOST":    s["vhost"],
				"AMQP_URL": fmt.Sprintf("amqp://%s@%s:%d/%s", url.UserPassword(s["user"], s["password"]), host, port,
					url.PathEscape(s["vhost"])),
			}
		},
		URLVar: "AMQP_URL",

		Probe: func(addr string, s Settings) health.Probe {
			u := url.URL{Scheme: "amqp", User: url.UserPassword(s["user"], s["password"]), Host: addr, Path: "/" + s["vhost"]}
			if s["vhost"] == "/" || s["vhost"] == "" {
				u.Path = "/"
			}
			return health.AMQP(u.String())
		},

		Fixtures: []string{"*.json", "*.yaml", "*.yml"},
		Seeder: func(ctx context.Context, at Endpoint) (seed.Applier, error) {
			s := at.Settings
			return seed.OpenRabbitMQ(ctx, seed.RabbitMQServer{Addr: at.Addr(amqpPort), HTTPAddr: at.Addr(rabbitmqManagement),
				User: s["user"], Password: s["password"], VHost: s["vhost"]})
		},
		Reset: "every vhost with its exchanges, queues, bindings, policies and messages (devenv's record too), " +
			"then creates the dependency's vhost again with full rights for its user",
	}
}
