//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
)

// Intent: in an empty folder, `devenv init` with the three templates and the three dependencies
// gives a stack that runs as-is: the frontend serves its page, the backend's /health sees all
// three dependencies, and a message published to the worker's queue is processed, its effect
// visible in MySQL and Redis. init run again changes nothing; --force regenerates; add service
// refuses a service that exists.
func TestInitScaffoldsARunningStack(t *testing.T) {
	e := NewEnv(t)
	initArgs := []string{"init", "--service", "web=frontend", "--service", "api=backend", "--service", "jobs=worker", "--with", "mysql,redis,rabbitmq"}
	r := e.devenvOK(initArgs...)
	if !contains(r.Stderr, "created  devenv.yaml", "created  web/package-lock.json", "created  api/go.mod", "created  jobs/main.go") {
		t.Fatalf("init did not say what it created:\n%s", r.Stderr)
	}
	if r := e.devenvOK(initArgs...); !strings.Contains(r.Stderr, "nothing to do") || strings.Contains(r.Stderr, "created") {
		t.Fatalf("init run again:\n%s", r.Stderr)
	}
	writeFile(t, filepath.Join(e.Dir, "api", "main.go"), "package main // edited\n")
	if r := e.devenvOK(append(initArgs, "--force")...); !strings.Contains(r.Stderr, "created  api/main.go") {
		t.Fatalf("init --force did not regenerate api/main.go:\n%s", r.Stderr)
	}
	if r := e.Devenv(e.stackEnv(), "add", "service", "api", "--template", "worker"); r.ExitCode != 2 || !strings.Contains(r.Stderr, `already has a service "api"`) {
		t.Fatalf("adding api again from another template: exit %d %s", r.ExitCode, r.Stderr)
	}
	if err := os.Remove(filepath.Join(e.Dir, "api", "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	if r := e.devenvOK("add", "service", "api", "--template", "backend"); !contains(r.Stderr, "created  api/Dockerfile", "kept     api/main.go", "kept     service api") {
		t.Fatalf("adding api again from its own template must restore only the missing file:\n%s", r.Stderr)
	}
	start := time.Now()
	e.up()
	t.Logf("first up with three template builds: %s", time.Since(start).Round(100*time.Millisecond))

	ps := e.ps()
	for _, svc := range []string{"web", "api", "jobs"} {
		if ps[svc].State != "running" || ps[svc].Health != "healthy" && ps[svc].Health != "starting" {
			t.Errorf("%s: %+v", svc, ps[svc])
		}
	}
	webURL := "http://127.0.0.1:" + ps["web"].hostPort(t, 5173)
	if code, body := httpGet(t, webURL+"/"); code != http.StatusOK || !strings.Contains(body, "hello from the devenv frontend template") {
		t.Fatalf("frontend page = %d %s", code, body)
	}
	// The frontend's source is bind-mounted and served by Vite's dev server: an edit is served
	// at once, with no restart (Vite's hot module reload pushes it to open pages).
	webID := ps["web"].ID
	mainJS := filepath.Join(e.Dir, "web", "src", "main.js")
	js, err := os.ReadFile(mainJS)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, mainJS, string(js)+"\nconsole.log('edited by the test')\n")
	e.Eventually(webID, 20*time.Second, 100*time.Millisecond, func(context.Context) error {
		if _, body := httpGet(t, webURL+"/src/main.js"); !strings.Contains(body, "edited by the test") {
			return errString("the dev server still serves the old main.js")
		}
		return nil
	})
	if again := e.ps()["web"]; again.ID != webID || again.State != "running" {
		t.Errorf("the frontend was restarted or recreated for a source edit: %+v", again)
	}
	if ps["api"].Health != "healthy" && ps["api"].State != "running" {
		t.Fatalf("api: %+v", ps["api"])
	}
	code, body := httpGet(t, "http://127.0.0.1:"+ps["api"].hostPort(t, 8080)+"/health")
	if code != http.StatusOK || !contains(body, `"mysql":"up"`, `"redis":"up"`, `"rabbitmq":"up"`) {
		t.Fatalf("backend /health = %d %s", code, body)
	}

	ch := e.amqpChannel(ps["rabbitmq"])
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

	// Editing only source rebuilds without downloading or compiling dependencies again: the
	// dependency step of the new image comes from the cache, made before this rebuild. (Its
	// layer ID may be a sibling's: api and jobs build the same step in parallel.)
	depsStep := func() engine.ImageLayer {
		t.Helper()
		layers, err := e.Engine.ImageHistory(e.Context(time.Minute), e.Project+"-api:dev")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			if strings.Contains(l.CreatedBy, "go mod download") {
				return l
			}
		}
		t.Fatalf("no go mod download step in the api image")
		return engine.ImageLayer{}
	}
	mainGo := filepath.Join(e.Dir, "api", "main.go")
	src, err := os.ReadFile(mainGo)
	if err != nil {
		t.Fatal(err)
	}
	// The history's clock has whole seconds: let one pass, so "made before" is unambiguous.
	time.Sleep(1100 * time.Millisecond)
	writeFile(t, mainGo, string(src)+"\n// edited by the test\n")
	start = time.Now()
	e.up("--build", "api")
	t.Logf("rebuild and restart of api after a source edit: %s", time.Since(start).Round(10*time.Millisecond))
	if step := depsStep(); !step.Created.Before(start.Truncate(time.Second)) {
		t.Errorf("a source edit re-ran the dependency step (made %s, rebuild started %s)", step.Created, start)
	}
}

// Intent: on a terminal, `devenv init` with no flags asks with a short form whose defaults are
// the whole example stack; Enter twice writes devenv.yaml and the three services' folders. The
// terminal is a real one (tmux), as a person's would be.
func TestInitAsksOnATerminal(t *testing.T) {
	e := NewEnv(t)
	socket := "devenv-" + e.Project // a tmux server of this test's own
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-L", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", socket, "kill-server").Run() })
	// CI=true would (rightly) make devenv refuse to prompt: this run is a person at a terminal.
	tmux("new-session", "-d", "-s", "init", "-x", "120", "-y", "30",
		"cd "+e.Dir+" && env -u CI "+shared.binary+" init; sleep 30")
	screen := ""
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			screen = tmux("capture-pane", "-p", "-t", "init")
			if strings.Contains(screen, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %q:\n%s", want, screen)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor("Services")
	if !contains(screen, "web", "frontend", "api", "backend", "jobs", "worker") {
		t.Fatalf("the form does not offer the three templates:\n%s", screen)
	}
	tmux("send-keys", "-t", "init", "Enter")
	waitFor("Dependencies")
	// Each kind as the registry describes it: its name, title and what the services get.
	if !contains(screen, "mysql", "MySQL", "DATABASE_URL", "redis", "Redis", "rabbitmq", "RabbitMQ") {
		t.Fatalf("the form does not offer the dependency kinds with their titles:\n%s", screen)
	}
	tmux("send-keys", "-t", "init", "Enter")
	waitFor("next: devenv up")
	data, err := os.ReadFile(filepath.Join(e.Dir, "devenv.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !contains(string(data), "mysql: {}", "redis: {}", "rabbitmq: {}", "template: frontend", "template: backend", "template: worker") {
		t.Fatalf("devenv.yaml from the form's defaults:\n%s", data)
	}
	for _, f := range []string{"web/package.json", "api/main.go", "jobs/main.go"} {
		if _, err := os.Stat(filepath.Join(e.Dir, f)); err != nil {
			t.Errorf("%s was not scaffolded", f)
		}
	}
}
