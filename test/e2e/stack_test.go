//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	amqp "github.com/rabbitmq/amqp091-go"
)

// exampleStack writes the bundled example (example/devenv.yaml: frontend, backend and worker
// from templates, with MySQL, Redis and RabbitMQ) into e.Dir and scaffolds its services as
// `make up` does. For tests, the app ports are published on ports the engine picks, and an
// extra host with a known address is added; apiEnv, if set, gives the api an env entry.
func exampleStack(t testing.TB, e *Env, apiEnv string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(), "example", "devenv.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	yaml := string(data)
	for old, repl := range map[string]string{
		`ports: ["5173:5173"]`:           `ports: ["5173"]`,
		`ports: ["8080:8080"]`:           `ports: ["8080"]`,
		`extra_hosts: [`:                 `extra_hosts: ["devenv-test.internal:10.11.12.13", `,
		`fixtures: ../fixtures/mysql`:    `fixtures: fixtures/mysql`,
		`fixtures: ../fixtures/redis`:    `fixtures: fixtures/redis`,
		`fixtures: ../fixtures/rabbitmq`: `fixtures: fixtures/rabbitmq`,
	} {
		if !strings.Contains(yaml, old) {
			t.Fatalf("example/devenv.yaml no longer has %q: update exampleStack", old)
		}
		yaml = strings.Replace(yaml, old, repl, 1)
	}
	if apiEnv != "" {
		yaml = strings.Replace(yaml, `ports: ["8080"]`, `ports: ["8080"]`+"\n    env: {"+apiEnv+"}", 1)
	}
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), yaml)
	if err := os.CopyFS(filepath.Join(e.Dir, "fixtures"), os.DirFS(filepath.Join(repoRoot(), "fixtures"))); err != nil && !os.IsExist(err) {
		t.Fatal(err)
	}
	for _, s := range [][2]string{{"web", "frontend"}, {"api", "backend"}, {"jobs", "worker"}} {
		if _, err := os.Stat(filepath.Join(e.Dir, s[0], "Dockerfile")); err == nil {
			continue
		}
		e.devenvOK("add", "service", s[0], "--template", s[1])
	}
}

// stackEnv is the environment every devenv run of a test gets: its own project name, the local
// mirror, and its own state directory (remembered ports).
func (e *Env) stackEnv() []string {
	return []string{"DEVENV_NAME=" + e.Project, "DEVENV_IMAGES_MIRROR=" + shared.registry, "XDG_STATE_HOME=" + filepath.Join(e.Dir, ".state"), "NO_COLOR=1"}
}

// up runs `devenv up -d --wait` and fails the test with devenv's output when it fails.
func (e *Env) up(args ...string) Result {
	e.t.Helper()
	r := e.Devenv(e.stackEnv(), append([]string{"up", "-d", "--wait", "--timeout", "4m"}, args...)...)
	if r.ExitCode != 0 {
		e.t.Fatalf("devenv up exited %d\nstdout:\n%s\nstderr:\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	return r
}

type psEntry struct {
	Service, Name, ID, State, Health string
	Ports                            []string
}

func (e *Env) ps() map[string]psEntry {
	e.t.Helper()
	r := e.Devenv(e.stackEnv(), "ps", "--json")
	if r.ExitCode != 0 {
		e.t.Fatalf("devenv ps exited %d: %s", r.ExitCode, r.Stderr)
	}
	var rows []psEntry
	if err := json.Unmarshal([]byte(r.Stdout), &rows); err != nil {
		e.t.Fatalf("devenv ps --json: %v\n%s", err, r.Stdout)
	}
	out := map[string]psEntry{}
	for _, row := range rows {
		out[row.Service] = row
	}
	return out
}

// hostPort finds the loopback port a service publishes containerPort on.
func (p psEntry) hostPort(t testing.TB, containerPort int) string {
	t.Helper()
	for _, s := range p.Ports {
		hostPart, rest, _ := strings.Cut(s, "->")
		if strings.HasPrefix(rest, fmt.Sprintf("%d/", containerPort)) {
			if !strings.HasPrefix(hostPart, "127.0.0.1:") {
				t.Errorf("%s publishes %s: want it bound to 127.0.0.1", p.Service, s)
			}
			return strings.TrimPrefix(hostPart, "127.0.0.1:")
		}
	}
	t.Fatalf("%s publishes no port for %d: %v", p.Service, containerPort, p.Ports)
	return ""
}

func httpGet(t testing.TB, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// Intent: the bundled example stack (frontend, backend, worker + MySQL, Redis, RabbitMQ) comes
// up healthy from nothing with one command; the backend answers on its loopback port and reaches
// all three dependencies with only the settings devenv injected; every extra host resolves in
// every container; the example's fixtures are in, and the worker has already processed the job
// message they publish (day one: a working app, not an empty one); a second up is a no-op;
// changing one service recreates only it.
func TestUpExampleStack(t *testing.T) {
	e := NewEnv(t)
	exampleStack(t, e, "")
	start := time.Now()
	e.up()
	t.Logf("cold up (builds included): %s", time.Since(start).Round(10*time.Millisecond))

	ps := e.ps()
	services := []string{"web", "api", "jobs", "mysql", "redis", "rabbitmq"}
	for _, svc := range services {
		if ps[svc].State != "running" {
			t.Fatalf("%s is %q after up --wait, want running (ps: %+v)", svc, ps[svc].State, ps)
		}
	}
	code, body := httpGet(t, "http://127.0.0.1:"+ps["api"].hostPort(t, 8080)+"/health")
	if code != http.StatusOK || !contains(body, `"mysql":"up"`, `"redis":"up"`, `"rabbitmq":"up"`) {
		t.Fatalf("api /health = %d %s", code, body)
	}
	db := e.mysqlOf(ps["mysql"])
	var customers int
	if err := db.QueryRow("SELECT COUNT(*) FROM customers").Scan(&customers); err != nil || customers != 3 {
		t.Errorf("customers = %d (%v), want the 3 of fixtures/mysql/02_data.sql", customers, err)
	}
	e.Eventually(ps["jobs"].ID, 30*time.Second, 100*time.Millisecond, func(ctx context.Context) error {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM processed_jobs WHERE body = 'welcome job'").Scan(&n); err != nil || n != 1 {
			return fmt.Errorf("the worker has processed the fixtures' welcome job %d times (%v)", n, err)
		}
		return nil
	})
	for _, svc := range services {
		for host, want := range map[string]string{"devenv-test.internal": "10.11.12.13", "registry.example.internal": "127.0.0.1", "host.docker.internal": ""} {
			res, err := e.Engine.Exec(e.Context(time.Minute), ps[svc].ID, []string{"getent", "hosts", host})
			if err != nil || res.ExitCode != 0 || !strings.Contains(res.Output, want) {
				t.Errorf("%s does not resolve %s: exit %d %q %v", svc, host, res.ExitCode, res.Output, err)
			}
		}
	}

	start = time.Now()
	e.up()
	t.Logf("warm up: %s", time.Since(start).Round(time.Millisecond))
	again := e.ps()
	for svc, row := range ps {
		if again[svc].ID != row.ID {
			t.Errorf("second up recreated %s (%.12s → %.12s)", svc, row.ID, again[svc].ID)
		}
	}

	// Only api's configuration changes: only api may be recreated.
	exampleStack(t, e, "GREETING: changed")
	e.up()
	changed := e.ps()
	if changed["api"].ID == ps["api"].ID {
		t.Error("api was not recreated after its env changed")
	}
	for _, svc := range []string{"web", "jobs", "mysql", "redis", "rabbitmq"} {
		if changed[svc].ID != ps[svc].ID {
			t.Errorf("%s was recreated although only api changed", svc)
		}
	}
}

// Intent: database data survives `down` + `up` and is gone only after `down --volumes`.
func TestDataSurvivesDown(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), "dependencies:\n  mysql: {}\n")
	e.up()
	db := e.mysqlOf(e.ps()["mysql"])
	mustExec(t, db, "CREATE TABLE notes (body VARCHAR(50))")
	mustExec(t, db, "INSERT INTO notes VALUES ('written before down')")

	if r := e.Devenv(e.stackEnv(), "down"); r.ExitCode != 0 {
		t.Fatalf("down: %d %s", r.ExitCode, r.Stderr)
	}
	if ps := e.ps(); len(ps) != 0 {
		t.Fatalf("containers left after down: %+v", ps)
	}
	e.up()
	db = e.mysqlOf(e.ps()["mysql"])
	if got := queryStrings(t, db, "SELECT body FROM notes"); len(got) != 1 || got[0] != "written before down" {
		t.Fatalf("after down + up: %q", got)
	}

	if r := e.Devenv(e.stackEnv(), "down", "--volumes"); r.ExitCode != 0 {
		t.Fatalf("down --volumes: %d %s", r.ExitCode, r.Stderr)
	}
	left, err := e.Engine.ListLabelled(e.Context(time.Minute), e.Label())
	if err != nil {
		t.Fatal(err)
	}
	if !left.Empty() {
		t.Fatalf("left after down --volumes: %+v", left)
	}
	e.up()
	db = e.mysqlOf(e.ps()["mysql"])
	if _, err := db.Exec("SELECT body FROM notes"); err == nil {
		t.Fatal("table notes survived down --volumes")
	}
}

func (e *Env) mysqlOf(row psEntry) *sql.DB { return e.mysqlAs(row, "app", "app") }

// mysqlAs connects to the project's database as user; the connection closes with the test.
func (e *Env) mysqlAs(row psEntry, user, password string) *sql.DB {
	e.t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, password, "tcp", "127.0.0.1:"+row.hostPort(e.t, 3306), "app"
	cfg.Logger = silentLogger{}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	e.t.Cleanup(func() { _ = db.Close() })
	return db
}

// amqpChannel opens a channel to the project's RabbitMQ as its user; it closes with the test.
func (e *Env) amqpChannel(row psEntry) *amqp.Channel {
	e.t.Helper()
	conn, err := amqp.Dial("amqp://app:app@127.0.0.1:" + row.hostPort(e.t, 5672) + "/")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		e.t.Fatal(err)
	}
	return ch
}

func mustExec(t testing.TB, db *sql.DB, q string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// Intent: exec runs a command in a service's container and passes its exit code and output
// through; restart keeps the container (same ID) and brings it back running.
func TestExecAndRestart(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), "dependencies:\n  redis: {}\n")
	e.up()
	r := e.Devenv(e.stackEnv(), "exec", "redis", "redis-cli", "ping")
	if r.ExitCode != 0 || strings.TrimSpace(r.Stdout) != "PONG" {
		t.Fatalf("exec redis-cli ping: exit %d, out %q, err %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	r = e.Devenv(e.stackEnv(), "exec", "redis", "--", "sh", "-c", "echo to-stderr >&2; exit 7")
	if r.ExitCode != 7 || !strings.Contains(r.Stderr, "to-stderr") {
		t.Fatalf("exec exit code/stderr not passed through: exit %d, stderr %q", r.ExitCode, r.Stderr)
	}
	if r := e.Devenv(e.stackEnv(), "exec", "nosuch", "true"); r.ExitCode != 2 || !strings.Contains(r.Stderr, `"nosuch"`) {
		t.Fatalf("exec of an unknown service: exit %d, %q", r.ExitCode, r.Stderr)
	}
	before := e.ps()["redis"].ID
	e.devenvOK("restart", "redis")
	after := e.ps()["redis"]
	if after.ID != before || after.State != "running" {
		t.Fatalf("after restart: %+v (was %.12s)", after, before)
	}
}

// Intent: `up` without -d waits for readiness, then follows the services' logs with their
// prefixes; Ctrl-C ends the following, not the stack, and says how to stop it.
func TestUpForegroundFollowsLogs(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `services:
  talker:
    image: redis:7
    command: ["sh", "-c", "while true; do echo hello from talker; sleep 0.2; done"]
`)
	cmd := exec.Command(shared.binary, "up")
	cmd.Dir = e.Dir
	cmd.Env = append(os.Environ(), e.stackEnv()...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := make(chan struct{})
	go func() { // ends when devenv closes its stdout
		sc := bufio.NewScanner(stdout)
		once := false
		for sc.Scan() {
			if !once && strings.HasPrefix(sc.Text(), "talker | hello from talker") {
				once = true
				close(seen)
			}
		}
	}()
	select {
	case <-seen:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("no prefixed log line from talker; stderr:\n%s", stderr.String())
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("Ctrl-C after up: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "still running") {
		t.Errorf("no word on how to stop the stack:\n%s", stderr.String())
	}
	if ps := e.ps(); ps["talker"].State != "running" {
		t.Errorf("Ctrl-C stopped the stack: %+v", ps["talker"])
	}
}
