// Command app is a devenv backend: an HTTP API whose /health reports whether each dependency
// answers, using only the connection settings devenv injects (MYSQL_*, REDIS_URL, AMQP_URL).
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

func main() {
	healthcheck := flag.Bool("healthcheck", false, "check that the running server answers, for the container healthcheck")
	flag.Parse()
	addr := ":" + envOr("PORT", "8080")
	if *healthcheck {
		os.Exit(checkServer("http://127.0.0.1" + addr + "/ping"))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("pong\n")) })
	mux.HandleFunc("GET /health", health)
	mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("hello from the devenv backend template\n"))
	})
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// checkServer is the container healthcheck: the image may have no curl.
func checkServer(url string) int {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// health reports each configured dependency; one that is not configured is left out.
func health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	report := map[string]string{}
	if os.Getenv("MYSQL_HOST") != "" {
		report["mysql"] = check(ctx, pingMySQL)
	}
	if os.Getenv("REDIS_URL") != "" {
		report["redis"] = check(ctx, pingRedis)
	}
	if os.Getenv("AMQP_URL") != "" {
		report["rabbitmq"] = check(ctx, pingRabbitMQ)
	}
	status := http.StatusOK
	for _, v := range report {
		if v != "up" {
			status = http.StatusServiceUnavailable
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(report)
}

func check(ctx context.Context, ping func(context.Context) error) string {
	if err := ping(ctx); err != nil {
		return "down: " + err.Error()
	}
	return "up"
}

func pingMySQL(ctx context.Context) error {
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", os.Getenv("MYSQL_HOST")+":"+envOr("MYSQL_PORT", "3306")
	cfg.User, cfg.Passwd, cfg.DBName = os.Getenv("MYSQL_USER"), os.Getenv("MYSQL_PASSWORD"), os.Getenv("MYSQL_DATABASE")
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	return db.PingContext(ctx)
}

func pingRedis(ctx context.Context) error {
	opt, err := redis.ParseURL(os.Getenv("REDIS_URL"))
	if err != nil {
		return err
	}
	c := redis.NewClient(opt)
	defer c.Close()
	return c.Ping(ctx).Err()
}

func pingRabbitMQ(ctx context.Context) error {
	deadline, _ := ctx.Deadline()
	conn, err := amqp.DialConfig(os.Getenv("AMQP_URL"), amqp.Config{Dial: amqp.DefaultDial(time.Until(deadline))})
	if err != nil {
		return err
	}
	return conn.Close()
}
