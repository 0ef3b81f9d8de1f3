package dependency

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/devenv/devenv/internal/health"
	"github.com/devenv/devenv/internal/seed"
)

// mysqlPort is MySQL's protocol port in the container.
const mysqlPort = 3306

// mysqlKind is MySQL (the offline image serves MariaDB under the name, see docs/images.md).
func mysqlKind() Kind {
	return Kind{
		Name:    "mysql",
		Title:   "MySQL",
		Summary: "SQL database; DATABASE_URL and MYSQL_* in the services; fixtures from *.sql",

		Image:   "mysql",
		Version: "8.4",
		Port:    mysqlPort,
		DataDir: "/var/lib/mysql",

		Settings: []Setting{
			{Key: "database", Default: "app", Env: "MYSQL_DATABASE"},
			{Key: "user", Default: "app", Env: "MYSQL_USER"},
			{Key: "password", Default: "app", Env: "MYSQL_PASSWORD"},
			{Key: "root_password", Default: "root", Env: "MYSQL_ROOT_PASSWORD"},
		},
		Check: func(s Settings) []Problem {
			if s["user"] == "root" {
				return []Problem{{Key: "user", Message: "user must not be root: the mysql image creates root itself",
					Fix: "use another user name, and root_password for root"}}
			}
			return nil
		},

		// A real login over TCP: the image's first-init server listens on a private socket
		// only, so this cannot pass before the database, user and initdb scripts are in place.
		Healthcheck: `MYSQL_PWD="$$MYSQL_PASSWORD" mysql --protocol=tcp -h127.0.0.1 -u"$$MYSQL_USER" -e 'SELECT 1' "$$MYSQL_DATABASE" >/dev/null`,

		Connection: func(host string, port uint16, s Settings) map[string]string {
			hostPort := fmt.Sprintf("%s:%d", host, port)
			return map[string]string{
				"MYSQL_HOST":     host,
				"MYSQL_PORT":     strconv.Itoa(int(port)),
				"MYSQL_DATABASE": s["database"],
				"MYSQL_USER":     s["user"],
				"MYSQL_PASSWORD": s["password"],
				// go-sql-driver DSN form; most Go and many other clients take it as is.
				"DATABASE_URL": fmt.Sprintf("mysql://%s@%s/%s", url.UserPassword(s["user"], s["password"]), hostPort, s["database"]),
			}
		},
		URLVar: "DATABASE_URL",

		Probe: func(addr string, s Settings) health.Probe {
			return health.MySQL(addr, s["user"], s["password"], s["database"])
		},

		Fixtures: []string{"*.sql", "*.sql.gz"},
		Seeder: func(ctx context.Context, at Endpoint) (seed.Applier, error) {
			s := at.Settings
			return seed.OpenMySQL(ctx, seed.MySQLServer{Addr: at.Addr(mysqlPort), User: s["user"], Password: s["password"],
				RootPassword: s["root_password"], Database: s["database"]})
		},
		Reset: "every database except mysql, information_schema, performance_schema and sys (devenv's record too), " +
			"then creates the project's database again, empty",
	}
}
