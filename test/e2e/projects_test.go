//go:build e2e

package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Intent: a directory with only a compose.yaml works: healthchecks, depends_on conditions,
// profiles, named volumes and env files are honoured, and images go through the mirror.
func TestComposeOnlyProject(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "app.env"), "GREETING=from-env-file\n")
	writeFile(t, filepath.Join(e.Dir, "compose.yaml"), `services:
  cache:
    image: redis:7
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 10s
    volumes: ["cache-data:/data"]
  seed:
    image: redis:7
    command: ["sh", "-c", "redis-cli -h cache set greeting \"$$GREETING\""]
    env_file: [app.env]
    depends_on:
      cache: {condition: service_healthy}
  debug:
    image: redis:7
    profiles: [debug]
volumes:
  cache-data: {}
`)
	r := e.Devenv(e.stackEnv(), "up", "-d", "--wait", "--timeout", "2m", "cache", "seed")
	if r.ExitCode != 0 {
		t.Fatalf("up: %d\n%s", r.ExitCode, r.Stderr)
	}
	ps := e.ps()
	if ps["cache"].State != "running" || ps["cache"].Health == "unhealthy" {
		t.Fatalf("cache: %+v", ps["cache"])
	}
	if _, ok := ps["debug"]; ok {
		t.Error("a service of an inactive profile was started")
	}
	res, err := e.Engine.Exec(e.Context(time.Minute), ps["cache"].ID, []string{"redis-cli", "get", "greeting"})
	if err != nil || strings.TrimSpace(res.Output) != "from-env-file" {
		t.Fatalf("the seed service did not run after cache was healthy with its env file: %q %v", res.Output, err)
	}
}

// Intent: two projects with the same dependencies run side by side: the second one's default
// host ports are taken, so it falls back to free ones, says so, and keeps them on the next up.
func TestTwoProjectsSideBySide(t *testing.T) {
	a, b := NewEnv(t), NewEnv(t)
	for _, e := range []*Env{a, b} {
		writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), "dependencies:\n  redis: {}\n  mysql: {}\n")
	}
	a.up()
	r := b.up()
	pa, pb := a.ps(), b.ps()
	for _, svc := range []string{"redis", "mysql"} {
		if pa[svc].State != "running" || pb[svc].State != "running" {
			t.Fatalf("%s not running in both projects: %+v / %+v", svc, pa[svc], pb[svc])
		}
	}
	portA, portB := pa["mysql"].hostPort(t, 3306), pb["mysql"].hostPort(t, 3306)
	if portA == portB {
		t.Fatalf("both projects publish mysql on %s", portA)
	}
	if portB != "3306" && !strings.Contains(r.Stderr, "published on 127.0.0.1:"+portB) {
		t.Errorf("the fallback port %s was not announced:\n%s", portB, r.Stderr)
	}
	// Data of one project is not visible in the other.
	mustExec(t, a.mysqlOf(pa["mysql"]), "CREATE TABLE only_in_a (id INT)")
	if _, err := b.mysqlOf(pb["mysql"]).Exec("SELECT * FROM only_in_a"); err == nil {
		t.Error("project b sees project a's table")
	}
	// After down + up, b gets the same fallback port back (connection settings stay valid).
	if r := b.Devenv(b.stackEnv(), "down"); r.ExitCode != 0 {
		t.Fatal(r.Stderr)
	}
	b.up()
	if again := b.ps()["mysql"].hostPort(t, 3306); again != portB {
		t.Errorf("mysql port after down + up = %s, want the remembered %s", again, portB)
	}
}

// Intent: a port the user pinned that is taken fails before anything starts, naming the port
// and the project that holds it.
func TestPinnedPortClash(t *testing.T) {
	a, b := NewEnv(t), NewEnv(t)
	writeFile(t, filepath.Join(a.Dir, "devenv.yaml"), "dependencies:\n  redis: {port: 16379}\n")
	writeFile(t, filepath.Join(b.Dir, "devenv.yaml"), "services:\n  cache:\n    image: redis:7\n    ports: [\"16379:6379\"]\n")
	a.up()
	r := b.Devenv(b.stackEnv(), "up", "-d", "--wait", "--timeout", "1m")
	if r.ExitCode == 0 {
		t.Fatal("up succeeded although port 16379 is taken")
	}
	if !contains(r.Stderr, "service cache", "127.0.0.1:16379", "already in use", a.Project) {
		t.Fatalf("the error does not name the service, port and holder:\n%s", r.Stderr)
	}
}

// Intent: bad configuration fails before anything runs, naming file, line and key.
func TestBadConfigFailsWithFileLineKey(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), "dependencies:\n  redis: {}\nservices:\n  api:\n    image: acme/api:1\n    prots: [\"8080\"]\n")
	r := e.Devenv(e.stackEnv(), "up", "-d")
	if r.ExitCode == 0 || !contains(r.Stderr, "devenv.yaml:6", "prots", "ports") {
		t.Fatalf("exit %d, stderr:\n%s", r.ExitCode, r.Stderr)
	}
	if left, _ := e.Engine.ListLabelled(e.Context(time.Minute), e.Label()); !left.Empty() {
		t.Fatalf("a bad config created %+v", left)
	}
}

// Intent: Ctrl-C in the middle of `up` stops it; the next `up` finishes the job with no orphan
// and the data volume intact.
func TestInterruptedUpRecovers(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), "dependencies:\n  mysql: {}\n  rabbitmq: {}\n  redis: {}\n")
	// RabbitMQ takes seconds to accept logins: interrupt once up says it waits for it.
	w := e.startDevenv("up", "-d", "--wait", "--json")
	w.wait(3*time.Minute, 0, "up waiting for rabbitmq", func(ev jsonEvent) bool {
		return ev.Service == "rabbitmq" && ev.Event == "waiting"
	})
	w.stop() // Ctrl-C
	evs, stderr := w.snapshot()
	if code := w.cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("interrupted up exited %d, want 130\nevents:\n%s\nstderr:\n%s", code, dumpEvents(evs), stderr)
	}
	for _, ev := range evs {
		if ev.Service == "rabbitmq" && ev.Event == "healthy" {
			t.Fatalf("rabbitmq was ready before the interrupt: this run did not interrupt a wait\n%s", dumpEvents(evs))
		}
	}
	e.up()
	ps := e.ps()
	if len(ps) != 3 {
		t.Fatalf("after the second up: %+v", ps)
	}
	mustExec(t, e.mysqlOf(ps["mysql"]), "CREATE TABLE survived (id INT)")
	left, err := e.Engine.ListLabelled(e.Context(time.Minute), e.Label())
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Containers) != 3 || len(left.Volumes) != 3 || len(left.Networks) != 1 {
		t.Fatalf("labelled objects = %+v, want 3 containers, 3 volumes, 1 network", left)
	}
}

// Intent: a one-shot job runs to completion before the services that depend on it start;
// `up --wait` counts its success as done; a failing job fails `up` with its output.
func TestJobsGateDependents(t *testing.T) {
	e := NewEnv(t)
	stack := func(jobScript string) {
		writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `dependencies:
  redis: {}
services:
  migrate:
    image: redis:7
    job: true
    command: ["sh", "-c", "`+jobScript+`"]
    depends_on: [redis]
  app:
    image: redis:7
    command: ["sh", "-c", "redis-cli -h redis get schema > /tmp/seen && exec sleep infinity"]
    depends_on: [migrate]
`)
	}
	stack("sleep 1; redis-cli -h redis set schema v1")
	e.up()
	ps := e.ps()
	if ps["app"].State != "running" {
		t.Fatalf("app: %+v", ps["app"])
	}
	res, err := e.Engine.Exec(e.Context(time.Minute), ps["app"].ID, []string{"cat", "/tmp/seen"})
	if err != nil || strings.TrimSpace(res.Output) != "v1" {
		t.Fatalf("app started before the job finished: it saw %q (%v)", res.Output, err)
	}

	stack("echo migration 42 failed >&2; exit 3")
	r := e.Devenv(e.stackEnv(), "up", "-d", "--wait", "--timeout", "2m")
	if r.ExitCode == 0 || !contains(r.Stderr, "service migrate", "exited with code 3", "migration 42 failed") {
		t.Fatalf("a failing job must fail up with its output: exit %d\n%s", r.ExitCode, r.Stderr)
	}
}

// Intent: extra_hosts resolve inside image builds too (a private npm or Go proxy named only in
// /etc/hosts must work during RUN steps), and the build's base image comes through the mirror.
func TestBuildSeesExtraHosts(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "svc", "Dockerfile"), "ARG BASE=redis:7\nFROM ${BASE}\nRUN getent hosts devenv-build.internal | grep 10.20.30.40\n")
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `extra_hosts: ["devenv-build.internal:10.20.30.40"]
services:
  svc:
    path: ./svc
    build:
      args: {BASE: redis:7}
`)
	e.up()
	if ps := e.ps(); ps["svc"].State != "running" {
		t.Fatalf("svc: %+v", ps["svc"])
	}
}

// Intent: `devenv logs` merges the services' output in time order with a prefix per service,
// and --tail / a service name narrow it.
func TestLogsInterleavedInTimeOrder(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `services:
  ping:
    image: redis:7
    command: ["sh", "-c", "for i in 1 2 3; do echo ping-$$i; sleep 0.3; done; exec sleep infinity"]
  pong:
    image: redis:7
    command: ["sh", "-c", "sleep 0.15; for i in 1 2 3; do echo pong-$$i; sleep 0.3; done; exec sleep infinity"]
`)
	e.up()
	var r Result
	deadline := time.Now().Add(20 * time.Second)
	for {
		r = e.devenvOK("logs", "-t")
		if strings.Count(r.Stdout, "\n") >= 6 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The two services' lines are merged by the time each was written (which order that makes
	// depends on when the engine started each container), each service's own lines in order.
	var got []string
	var last time.Time
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		svc, rest, ok := strings.Cut(line, " | ")
		if !ok {
			t.Fatalf("line without a service prefix: %q", line)
		}
		ts, text, _ := strings.Cut(rest, " ")
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			t.Fatalf("line %q: no timestamp: %v", line, err)
		}
		if at.Before(last) {
			t.Errorf("line %q is older than the line before it: not in time order\n%s", line, r.Stdout)
		}
		last = at
		if strings.TrimSpace(svc) != strings.SplitN(text, "-", 2)[0] {
			t.Errorf("line %q has the wrong prefix", line)
		}
		got = append(got, text)
	}
	var pings, pongs []string
	for _, g := range got {
		if strings.HasPrefix(g, "ping") {
			pings = append(pings, g)
		} else {
			pongs = append(pongs, g)
		}
	}
	if strings.Join(pings, " ") != "ping-1 ping-2 ping-3" || strings.Join(pongs, " ") != "pong-1 pong-2 pong-3" {
		t.Fatalf("logs = %q, want each service's three lines in order", got)
	}
	if r := e.devenvOK("logs", "--tail", "1", "pong"); strings.TrimSpace(r.Stdout) != "pong | pong-3" {
		t.Fatalf("logs --tail 1 pong = %q", r.Stdout)
	}
}

// Intent: a service that dies while its dependents wait for it to be healthy fails `up` at
// once (the engine's die event, not a timeout), naming it, with its exit code and last output.
func TestDyingDependencyFailsFast(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "compose.yaml"), `services:
  flaky:
    image: redis:7
    command: ["sh", "-c", "sleep 1; echo cannot open the data file; exit 3"]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 30s
  app:
    image: redis:7
    depends_on:
      flaky: {condition: service_healthy}
`)
	r := e.Devenv(e.stackEnv(), "up", "-d", "--wait", "--timeout", "2m")
	if r.ExitCode != 1 || !contains(r.Stderr, "service flaky", "exited with code 3", "cannot open the data file") {
		t.Fatalf("want exit 1 naming the death (124 would mean it waited for the timeout); got %d:\n%s", r.ExitCode, r.Stderr)
	}
	if ps := e.ps(); ps["app"].State == "running" {
		t.Error("app started although what it depends on died")
	}
}

// Intent: compose networks are honoured: a service on two networks (the second connected after
// creation, as engines before API 1.44 require) reaches a service on one of them, and a service
// on neither does not.
func TestComposeNetworks(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "compose.yaml"), `services:
  db:
    image: redis:7
    networks: [back]
  web:
    image: redis:7
    command: ["sh", "-c", "exec sleep infinity"]
    networks: [front, back]
  edge:
    image: redis:7
    command: ["sh", "-c", "exec sleep infinity"]
    networks: [front]
networks:
  front: {}
  back: {}
`)
	e.up()
	ps := e.ps()
	ctx := e.Context(time.Minute)
	res, err := e.Engine.Exec(ctx, ps["web"].ID, []string{"redis-cli", "-h", "db", "ping"})
	if err != nil || strings.TrimSpace(res.Output) != "PONG" {
		t.Fatalf("web (front+back) cannot reach db (back): %q %v", res.Output, err)
	}
	res, err = e.Engine.Exec(ctx, ps["edge"].ID, []string{"getent", "hosts", "db"})
	if err != nil || res.ExitCode == 0 {
		t.Fatalf("edge (front only) resolves db: %q %v", res.Output, err)
	}
	res, err = e.Engine.Exec(ctx, ps["edge"].ID, []string{"getent", "hosts", "web"})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("edge cannot resolve web on front: %q %v", res.Output, err)
	}
}

// Intent: built images are also tagged with the source's git describe, so a running container
// can be traced to its commit.
func TestBuiltImageTaggedWithGitDescribe(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "svc", "Dockerfile"), "ARG BASE=redis:7\nFROM ${BASE}\n")
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), "services:\n  svc:\n    path: ./svc\n    build:\n      args: {BASE: redis:7}\n")
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-c", "user.email=e2e@devenv.test", "-c", "user.name=e2e"}, args...)...)
		cmd.Dir = e.Dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "first")
	git("tag", "1.0.1")
	sha := git("rev-parse", "--short", "HEAD")
	e.up()
	tag := e.Project + "-svc:1.0.1-0-" + sha
	id, err := e.Engine.ImageID(e.Context(time.Minute), tag)
	if err != nil || id == "" {
		t.Fatalf("no image %s (%v)", tag, err)
	}
	if dev, _ := e.Engine.ImageID(e.Context(time.Minute), e.Project+"-svc:dev"); dev != id {
		t.Errorf(":dev and the git tag are different images: %s / %s", dev, id)
	}
}

// Intent: a built service whose build context changed is rebuilt and replaced by a plain `up`
// (compose would need --build); an unchanged one is left alone, and a file .dockerignore
// excludes does not count as a change.
func TestChangedBuildContextIsRebuilt(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "svc", "Dockerfile"), "ARG BASE=redis:7\nFROM ${BASE}\nCOPY greeting.txt /greeting.txt\n")
	writeFile(t, filepath.Join(e.Dir, "svc", ".dockerignore"), "*.log\n")
	writeFile(t, filepath.Join(e.Dir, "svc", "greeting.txt"), "hello\n")
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), "services:\n  svc:\n    path: ./svc\n    build:\n      args: {BASE: redis:7}\n")
	greeting := func() (string, string) {
		t.Helper()
		row := e.ps()["svc"]
		res, err := e.Engine.Exec(e.Context(time.Minute), row.ID, []string{"cat", "/greeting.txt"})
		if err != nil {
			t.Fatal(err)
		}
		return row.ID, strings.TrimSpace(res.Output)
	}
	e.up()
	id1, g := greeting()
	if g != "hello" {
		t.Fatalf("greeting = %q", g)
	}
	writeFile(t, filepath.Join(e.Dir, "svc", "build.log"), "ignored\n")
	e.up()
	if id2, _ := greeting(); id2 != id1 {
		t.Fatal("an ignored file caused a rebuild and a new container")
	}
	writeFile(t, filepath.Join(e.Dir, "svc", "greeting.txt"), "hello again\n")
	e.up()
	id3, g := greeting()
	if id3 == id1 || g != "hello again" {
		t.Fatalf("after a context change: container %.12s (was %.12s), greeting %q", id3, id1, g)
	}
}
