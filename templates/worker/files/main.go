// Command app is a devenv worker: it consumes a RabbitMQ queue and records every message it
// processed, in MySQL (table processed_jobs) and in Redis (counter jobs:processed, last body in
// jobs:last), using only the connection settings devenv injects.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// heartbeat is touched while the worker is connected and consuming; the healthcheck reads it.
const heartbeat = "/tmp/worker-alive"

func main() {
	healthcheck := flag.Bool("healthcheck", false, "exit 0 if the worker is consuming, for the container healthcheck")
	flag.Parse()
	if *healthcheck {
		st, err := os.Stat(heartbeat)
		if err != nil || time.Since(st.ModTime()) > 10*time.Second {
			os.Exit(1)
		}
		os.Exit(0)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	queue := os.Getenv("WORKER_QUEUE")
	if queue == "" {
		queue = "jobs"
	}
	db, err := openMySQL()
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS processed_jobs (
		id BIGINT AUTO_INCREMENT PRIMARY KEY,
		body TEXT NOT NULL,
		processed_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`); err != nil {
		return fmt.Errorf("create table processed_jobs: %w", err)
	}
	opt, err := redis.ParseURL(os.Getenv("REDIS_URL"))
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()

	conn, err := amqp.Dial(os.Getenv("AMQP_URL"))
	if err != nil {
		return fmt.Errorf("connect to RabbitMQ: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare queue %s: %w", queue, err)
	}
	deliveries, err := ch.ConsumeWithContext(ctx, queue, "", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume %s: %w", queue, err)
	}
	log.Printf("consuming queue %s", queue)
	beat := time.NewTicker(2 * time.Second)
	defer beat.Stop()
	touch()
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-closed:
			return fmt.Errorf("RabbitMQ connection closed: %v", err)
		case <-beat.C:
			touch()
		case d, ok := <-deliveries:
			if !ok {
				return errors.New("delivery channel closed")
			}
			if err := record(ctx, db, rdb, string(d.Body)); err != nil {
				log.Printf("job %q failed, requeued: %v", d.Body, err)
				_ = d.Nack(false, true)
				continue
			}
			_ = d.Ack(false)
			log.Printf("processed %q", d.Body)
		}
	}
}

func record(ctx context.Context, db *sql.DB, rdb *redis.Client, body string) error {
	if _, err := db.ExecContext(ctx, "INSERT INTO processed_jobs (body) VALUES (?)", body); err != nil {
		return err
	}
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "jobs:processed")
		p.Set(ctx, "jobs:last", body, 0)
		return nil
	})
	return err
}

func openMySQL() (*sql.DB, error) {
	cfg := mysql.NewConfig()
	port := os.Getenv("MYSQL_PORT")
	if port == "" {
		port = "3306"
	}
	cfg.Net, cfg.Addr = "tcp", os.Getenv("MYSQL_HOST")+":"+port
	cfg.User, cfg.Passwd, cfg.DBName = os.Getenv("MYSQL_USER"), os.Getenv("MYSQL_PASSWORD"), os.Getenv("MYSQL_DATABASE")
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

func touch() {
	now := time.Now()
	if err := os.Chtimes(heartbeat, now, now); err != nil {
		_ = os.WriteFile(heartbeat, nil, 0o644)
	}
}
