package dependency

import (
	"context"
	"fmt"
	"strconv"

	"github.com/devenv/devenv/internal/health"
	"github.com/devenv/devenv/internal/seed"
)

// redisPort is Redis's protocol port in the container.
const redisPort = 6379

// redisKind is Redis, without a password: it listens on loopback and the project network only.
func redisKind() Kind {
	return Kind{
		Name:    "redis",
		Title:   "Redis",
		Summary: "key-value store; REDIS_URL in the services; fixtures from key and command files",

		Image:   "redis",
		Version: "7",
		Port:    redisPort,
		DataDir: "/data",

		Healthcheck: `redis-cli -h 127.0.0.1 ping | grep -q PONG`,

		Connection: func(host string, port uint16, _ Settings) map[string]string {
			return map[string]string{
				"REDIS_HOST": host,
				"REDIS_PORT": strconv.Itoa(int(port)),
				"REDIS_URL":  fmt.Sprintf("redis://%s:%d/0", host, port),
			}
		},
		URLVar: "REDIS_URL",

		Probe: func(addr string, _ Settings) health.Probe { return health.Redis(addr) },

		Fixtures: []string{"*.yaml", "*.yml", "*.json", "*.redis"},
		Seeder: func(ctx context.Context, at Endpoint) (seed.Applier, error) {
			return seed.OpenRedis(ctx, at.Addr(redisPort))
		},
		Reset: "every key in every database (FLUSHALL), devenv's record too",
	}
}
