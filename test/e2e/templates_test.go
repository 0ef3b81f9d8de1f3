//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// Intent: services scaffolded from the backend and worker templates run as-is: the backend's
// /health sees all three dependencies, and a message published to the worker's queue is
// processed, its effect visible in MySQL and Redis. Adding a service twice is refused.
func TestBackendAndWorkerTemplates(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), "# the test's project\ndependencies:\n  mysql: {}\n  redis: {}\n  rabbitmq: {}\n")
	e.devenvOK("add", "service", "api", "--template", "backend")
	e.devenvOK("add", "service", "jobs", "--template", "worker")
	if r := e.Devenv(e.stackEnv(), "add", "service", "api", "--template", "backend"); r.ExitCode != 2 || !strings.Contains(r.Stderr, `already has a service "api"`) {
		t.Fatalf("adding api twice: exit %d %s", r.ExitCode, r.Stderr)
	}
	start := time.Now()
	e.up()
	t.Logf("first up with two template builds: %s", time.Since(start).Round(100*time.Millisecond))

	ps := e.ps()
	if ps["api"].Health != "healthy" && ps["api"].State != "running" {
		t.Fatalf("api: %+v", ps["api"])
	}
	code, body := httpGet(t, "http://127.0.0.1:"+ps["api"].hostPort(t, 8080)+"/health")
	if code != http.StatusOK || !contains(body, `"mysql":"up"`, `"redis":"up"`, `"rabbitmq":"up"`) {
		t.Fatalf("backend /health = %d %s", code, body)
	}

	conn, err := amqp.Dial("amqp://app:app@127.0.0.1:" + ps["rabbitmq"].hostPort(t, 5672) + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	ctx := e.Context(time.Minute)
	if err := ch.PublishWithContext(ctx, "", "jobs", false, false, amqp.Publishing{Body: []byte("resize image 42")}); err != nil {
		t.Fatal(err)
	}
	db := e.mysqlOf(ps["mysql"])
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + ps["redis"].hostPort(t, 6379)})
	defer rdb.Close()
	e.Eventually(ps["jobs"].ID, 30*time.Second, 100*time.Millisecond, func(ctx context.Context) error {
		var body string
		if err := db.QueryRowContext(ctx, "SELECT body FROM processed_jobs ORDER BY id DESC LIMIT 1").Scan(&body); err != nil {
			return err
		}
		if body != "resize image 42" {
			return errString("last processed job in MySQL is " + body)
		}
		// The worker writes MySQL first, then Redis.
		if last, err := rdb.Get(ctx, "jobs:last").Result(); err != nil || last != "resize image 42" {
			return errString("redis jobs:last = " + last)
		}
		return nil
	})
}
