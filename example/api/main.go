// Command api is the example stack's backend: /health reports whether each dependency answers,
// using only the connection settings devenv injects.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", health)
	// /resolve?name=HOST shows what a name resolves to inside the container, e.g. the
	// extra_hosts devenv injects (the image is FROM scratch: there is no shell to ask).
	mux.HandleFunc("GET /resolve", func(w http.ResponseWriter, r *http.Request) {
		addrs, err := net.DefaultResolver.LookupHost(r.Context(), r.URL.Query().Get("name"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte(strings.Join(addrs, " ") + "\n"))
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("devenv example api\n"))
	})
	addr := ":8080"
	log.Printf("api listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}

func health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	report := map[string]string{
		"mysql":    check(ctx, pingMySQL),
		"redis":    check(ctx, pingRedis),
		"rabbitmq": check(ctx, pingRabbitMQ),
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
	cfg.Net, cfg.Addr = "tcp", os.Getenv("MYSQL_HOST")+":"+os.Getenv("MYSQL_PORT")
	cfg.User, cfg.Passwd, cfg.DBName = os.Getenv("MYSQL_USER"), os.Getenv("MYSQL_PASSWORD"), os.Getenv("MYSQL_DATABASE")
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
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
	url := os.Getenv("AMQP_URL")
	if strings.TrimSpace(url) == "" {
		return errMissing("AMQP_URL")
	}
	conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(2 * time.Second)})
	if err != nil {
		return err
	}
	return conn.Close()
}

type errMissing string

func (e errMissing) Error() string { return string(e) + " is not set" }
