package health

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// MySQL is ready when user can log in to database over TCP at addr and run a query.
func MySQL(addr, user, password, database string) Probe {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, password, "tcp", addr, database
	// The driver logs every refused attempt to stderr; while a server starts, refusals are the
	// expected answer, and the probe's error already says what happened.
	cfg.Logger = silentLogger{}
	return ProbeFunc(func(ctx context.Context) error {
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return err
		}
		db := sql.OpenDB(conn)
		defer db.Close()
		var one int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	})
}

// Redis is ready when PING at addr answers PONG.
func Redis(addr string) Probe {
	return ProbeFunc(func(ctx context.Context) error {
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
		defer c.Close()
		return c.Ping(ctx).Err()
	})
}

// AMQP is ready when a login at url succeeds and a channel opens: RabbitMQ answers its
// diagnostics seconds before it accepts logins.
func AMQP(url string) Probe {
	return ProbeFunc(func(ctx context.Context) error {
		timeout := time.Second
		if dl, ok := ctx.Deadline(); ok {
			timeout = time.Until(dl)
		}
		conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(timeout)})
		if err != nil {
			return err
		}
		defer conn.Close()
		ch, err := conn.Channel()
		if err != nil {
			return err
		}
		return ch.Close()
	})
}

// Execer runs a command in a container; the engine client implements it.
type Execer interface {
	ExecExitCode(ctx context.Context, containerID string, cmd []string) (int, string, error)
}

// Command is ready when the service's own healthcheck command exits 0 inside containerID. test
// is a compose healthcheck test: ["CMD", args...], ["CMD-SHELL", script] or ["NONE"].
func Command(e Execer, containerID string, test []string) (Probe, error) {
	if len(test) == 0 {
		return nil, fmt.Errorf("empty healthcheck test")
	}
	var cmd []string
	switch test[0] {
	case "CMD":
		cmd = test[1:]
	case "CMD-SHELL":
		cmd = []string{"/bin/sh", "-c", strings.Join(test[1:], " ")}
	case "NONE":
		return nil, fmt.Errorf("healthcheck is disabled")
	default:
		cmd = []string{"/bin/sh", "-c", strings.Join(test, " ")}
	}
	if len(cmd) == 0 {
		return nil, fmt.Errorf("healthcheck %q has no command", test)
	}
	return ProbeFunc(func(ctx context.Context) error {
		code, out, err := e.ExecExitCode(ctx, containerID, cmd)
		if err != nil {
			return err
		}
		if code != 0 {
			out = strings.TrimSpace(out)
			if len(out) > 300 {
				out = "…" + out[len(out)-300:]
			}
			return fmt.Errorf("healthcheck exited %d: %s", code, out)
		}
		return nil
	}), nil
}

type silentLogger struct{}

func (silentLogger) Print(...any) {}

// HTTP is ready when a GET of url answers 2xx.
func HTTP(url string) Probe {
	client := &http.Client{}
	return ProbeFunc(func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	})
}
