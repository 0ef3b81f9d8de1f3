//go:build e2e

package e2e

// These tests prove that each offline image built by `make images` behaves like the official
// image of the same name, through the same clients devenv's users use, over ports published on
// 127.0.0.1, after pulling it from the local mirror registry.

import (
	"compress/gzip"
	"context"
	"database/sql"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/go-sql-driver/mysql"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// Intent: the env-configured user reaches the env-configured database, the initdb scripts (.sql
// and .sql.gz) ran once, SIGTERM shuts the server down cleanly, and a restart on the same volume
// keeps the data without running init again.
func TestMySQLImage(t *testing.T) {
	e := NewEnv(t)
	image := e.MirrorImage("mysql:8.4")
	initdb := filepath.Join(e.Dir, "initdb")
	writeFile(t, filepath.Join(initdb, "01-schema.sql"),
		"CREATE TABLE greetings (id INT PRIMARY KEY, msg VARCHAR(50));\nINSERT INTO greetings VALUES (1, 'hello');\n")
	writeGzip(t, filepath.Join(initdb, "02-data.sql.gz"), "INSERT INTO greetings VALUES (2, 'from gzip');\n")

	id := e.Run("mysql", engine.ContainerSpec{
		Image:    image,
		Hostname: "mysql",
		Env:      []string{"MYSQL_ROOT_PASSWORD=rootpw", "MYSQL_DATABASE=appdb", "MYSQL_USER=app", "MYSQL_PASSWORD=secret"},
		Ports:    []engine.PortSpec{{ContainerPort: 3306}},
		Mounts: []engine.MountSpec{
			{Volume: e.Project + "_mysql-data", Target: "/var/lib/mysql"},
			{Source: initdb, Target: "/docker-entrypoint-initdb.d", ReadOnly: true},
		},
	})
	port := e.HostPort(id, 3306)
	app := openMySQL(t, "app", "secret", port, "appdb")
	took := e.Eventually(id, 90*time.Second, 20*time.Millisecond, func(ctx context.Context) error {
		return app.PingContext(ctx)
	})
	t.Logf("mysql: first init, start → app login: %s", took.Round(10*time.Millisecond))

	if got := queryStrings(t, app, "SELECT msg FROM greetings ORDER BY id"); strings.Join(got, ",") != "hello,from gzip" {
		t.Fatalf("initdb rows = %q, want [hello from gzip]", got)
	}
	root := openMySQL(t, "root", "rootpw", port, "")
	if got := queryStrings(t, root, "SELECT CURRENT_USER()"); len(got) != 1 || !strings.HasPrefix(got[0], "root@") {
		t.Fatalf("root login over TCP: CURRENT_USER() = %q", got)
	}
	if _, err := app.Exec("INSERT INTO greetings VALUES (3, 'written by the app')"); err != nil {
		t.Fatalf("app user cannot write to its database: %v", err)
	}

	stopCleanly(t, e, id)
	if err := e.Engine.StartContainer(e.Context(time.Minute), id); err != nil {
		t.Fatal(err)
	}
	port = e.HostPort(id, 3306)
	app = openMySQL(t, "app", "secret", port, "appdb")
	took = e.Eventually(id, 60*time.Second, 20*time.Millisecond, func(ctx context.Context) error {
		return app.PingContext(ctx)
	})
	t.Logf("mysql: restart on existing data, start → app login: %s", took.Round(10*time.Millisecond))
	// Init running again would have failed on the duplicate primary key or duplicated rows.
	if got := queryStrings(t, app, "SELECT COUNT(*) FROM greetings"); len(got) != 1 || got[0] != "3" {
		t.Fatalf("after restart greetings has %q rows, want 3 (data kept, init not re-run)", got)
	}
}

// Intent: a client outside the container's loopback (the host, through the published port)
// can use Redis with no password, as with the official image, for every basic type and TTLs.
func TestRedisImage(t *testing.T) {
	e := NewEnv(t)
	image := e.MirrorImage("redis:7")
	id := e.Run("redis", engine.ContainerSpec{
		Image:  image,
		Ports:  []engine.PortSpec{{ContainerPort: 6379}},
		Mounts: []engine.MountSpec{{Volume: e.Project + "_redis-data", Target: "/data"}},
	})
	rdb := redis.NewClient(&redis.Options{Addr: addr(e.HostPort(id, 6379)), DialTimeout: 2 * time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	took := e.Eventually(id, 30*time.Second, 20*time.Millisecond, func(ctx context.Context) error {
		return rdb.Ping(ctx).Err()
	})
	t.Logf("redis: start → PING: %s", took.Round(10*time.Millisecond))

	ctx := e.Context(time.Minute)
	if err := rdb.Set(ctx, "greeting", "hello", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := rdb.Get(ctx, "greeting").Result(); err != nil || got != "hello" {
		t.Fatalf("GET greeting = %q, %v; want hello", got, err)
	}
	if ttl, err := rdb.TTL(ctx, "greeting").Result(); err != nil || ttl <= 0 || ttl > time.Hour {
		t.Fatalf("TTL greeting = %s, %v; want (0, 1h]", ttl, err)
	}
	if err := rdb.HSet(ctx, "user:1", "name", "ada").Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := rdb.HGet(ctx, "user:1", "name").Result(); got != "ada" {
		t.Fatalf("HGET user:1 name = %q, want ada", got)
	}
	stopCleanly(t, e, id)
}

// Intent: the env-configured user logs in over AMQP from outside the container, declares a
// durable queue and gets back the message it published.
func TestRabbitMQImage(t *testing.T) {
	e := NewEnv(t)
	image := e.MirrorImage("rabbitmq:3")
	id := e.Run("rabbitmq", engine.ContainerSpec{
		Image:    image,
		Hostname: "rabbitmq", // the node name, and so the data in the volume, follows it
		Env:      []string{"RABBITMQ_DEFAULT_USER=app", "RABBITMQ_DEFAULT_PASS=secret"},
		Ports:    []engine.PortSpec{{ContainerPort: 5672}},
		Mounts:   []engine.MountSpec{{Volume: e.Project + "_rabbitmq-data", Target: "/var/lib/rabbitmq"}},
	})
	url := "amqp://app:secret@" + addr(e.HostPort(id, 5672)) + "/"
	var conn *amqp.Connection
	took := e.Eventually(id, 90*time.Second, 50*time.Millisecond, func(context.Context) error {
		c, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(2 * time.Second)})
		if err == nil {
			conn = c
		}
		return err
	})
	t.Logf("rabbitmq: start → AMQP login: %s", took.Round(10*time.Millisecond))
	t.Cleanup(func() { _ = conn.Close() })

	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare("e2e-jobs", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := e.Context(time.Minute)
	if err := ch.PublishWithContext(ctx, "", q.Name, false, false, amqp.Publishing{ContentType: "text/plain", Body: []byte("job-1")}); err != nil {
		t.Fatal(err)
	}
	var got amqp.Delivery
	e.Eventually(id, 10*time.Second, 20*time.Millisecond, func(context.Context) error {
		d, ok, err := ch.Get(q.Name, true)
		if err != nil {
			return err
		}
		if !ok {
			return errString("queue e2e-jobs is still empty")
		}
		got = d
		return nil
	})
	if string(got.Body) != "job-1" {
		t.Fatalf("consumed %q, want job-1", got.Body)
	}
	_ = conn.Close()
	stopCleanly(t, e, id)
}

// Intent: the Go and Node.js base images that the templates build FROM carry working
// toolchains: a Go program compiles and runs, node runs code and npm answers.
func TestToolchainImages(t *testing.T) {
	e := NewEnv(t)
	cases := []struct {
		name, image string
		cmd         []string
		want        string
	}{
		{"golang", "golang:1.26", []string{"sh", "-ec", `cd "$(mktemp -d)" && printf 'package main\nfunc main() { println("built by", "go") }\n' > main.go && go run main.go && go version`}, "built by go"},
		{"node", "node:20", []string{"sh", "-ec", `node -e 'console.log("node says", 6*7)' && npm --version`}, "node says 42"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := e.Run(c.name, engine.ContainerSpec{Image: e.MirrorImage(c.image), Cmd: c.cmd})
			code, err := e.Engine.WaitContainer(e.Context(3*time.Minute), id)
			logs, _ := e.Engine.Logs(e.Context(time.Minute), id, 0)
			if err != nil || code != 0 || !strings.Contains(logs, c.want) {
				t.Fatalf("%s: exit %d, err %v; want output containing %q, got:\n%s", c.image, code, err, c.want, logs)
			}
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func addr(port uint16) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))) }

func openMySQL(t testing.TB, user, pass string, port uint16, db string) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, pass, "tcp", addr(port), db
	cfg.Timeout = 2 * time.Second
	cfg.Logger = silentLogger{} // refused attempts while the server starts are expected
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	conn := sql.OpenDB(connector)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func queryStrings(t testing.TB, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// stopCleanly sends the image's stop signal and fails unless the server exits 0 within the
// grace period: an unclean stop means a database that must recover, or loses data, on every
// `devenv down`.
func stopCleanly(t testing.TB, e *Env, id string) {
	t.Helper()
	start := time.Now()
	if err := e.Engine.StopContainer(e.Context(time.Minute), id, grace(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	st, err := e.Engine.InspectContainer(e.Context(time.Minute), id)
	if err != nil {
		t.Fatal(err)
	}
	if st.ExitCode != 0 {
		logs, _ := e.Engine.Logs(e.Context(time.Minute), id, 30)
		t.Fatalf("container %.12s exited %d on SIGTERM, want a clean 0; last logs:\n%s", id, st.ExitCode, logs)
	}
	t.Logf("stopped cleanly in %s", time.Since(start).Round(10*time.Millisecond))
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeGzip(t testing.TB, path, content string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

type silentLogger struct{}

func (silentLogger) Print(...any) {}
