//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
)

// ciStack writes a small stack for `devenv test`: Redis, and an app service from the redis
// image published on a FIXED host port, which two parallel jobs could only share because
// devenv test lets the engine pick every host port.
func ciStack(t *testing.T, e *Env) {
	t.Helper()
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `dependencies:
  redis: {}
services:
  app:
    image: redis:7
    ports: ["16399:6379"]
    depends_on: [redis]
`)
}

// leftovers is what still carries project's label: containers (the reaper included),
// networks, volumes.
func (e *Env) leftovers(project string) engine.Labelled {
	e.t.Helper()
	l, err := e.Engine.ListLabelled(e.Context(time.Minute), engine.LabelProject+"="+project)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// cleanupProject removes a project the test did not name itself (devenv test picked it),
// should the test fail before devenv removed it.
func (e *Env) cleanupProject(project string) {
	e.t.Cleanup(func() {
		ctx := e.Context(time.Minute)
		_, _ = e.Engine.RemoveLabelled(ctx, engine.LabelProject+"="+project)
		_, _ = e.Engine.RemoveImagesLabelled(ctx, engine.LabelProject+"="+project)
	})
}

var projectLine = regexp.MustCompile(`info project (\S+); artifacts in (\S+)`)

// jobProject reads the project name and artifacts dir devenv test announced.
func jobProject(t *testing.T, stderr string) (string, string) {
	t.Helper()
	m := projectLine.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("devenv test did not announce its project:\n%s", stderr)
	}
	return m[1], m[2]
}

// checkArtifacts asserts that dir holds every service's log and a ps.json listing them.
func checkArtifacts(t *testing.T, dir string, services ...string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "ps.json"))
	if err != nil {
		t.Fatalf("no ps.json in the artifacts: %v", err)
	}
	var rows []struct{ Service, State string }
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatalf("ps.json: %v\n%s", err, data)
	}
	listed := map[string]bool{}
	for _, r := range rows {
		listed[r.Service] = true
	}
	for _, svc := range services {
		if !listed[svc] {
			t.Errorf("ps.json does not list %s:\n%s", svc, data)
		}
		// A service that has not printed yet has an empty log, but it has one.
		if _, err := os.Stat(filepath.Join(dir, svc+".log")); err != nil {
			t.Errorf("no log of %s in the artifacts: %v", svc, err)
		}
	}
	ev, err := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	if err != nil || !bytes.Contains(ev, []byte(`"event":"started"`)) {
		t.Errorf("events.jsonl: %v\n%s", err, ev)
	}
}

// junitShape checks a JUnit report against the shape CI servers read (the common JUnit XSD:
// testsuites > testsuite > testcase, a testcase passed or with one failure/error/skipped, the
// counts on each suite matching its cases) and returns each case's outcome by "classname name".
func junitShape(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no JUnit report: %v", err)
	}
	type result struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
	}
	type testcase struct {
		Name      *string  `xml:"name,attr"`
		Classname *string  `xml:"classname,attr"`
		Time      *string  `xml:"time,attr"`
		Failure   []result `xml:"failure"`
		Error     []result `xml:"error"`
		Skipped   []result `xml:"skipped"`
	}
	type testsuite struct {
		Name     *string    `xml:"name,attr"`
		Tests    *int       `xml:"tests,attr"`
		Failures *int       `xml:"failures,attr"`
		Errors   *int       `xml:"errors,attr"`
		Skipped  *int       `xml:"skipped,attr"`
		Time     *string    `xml:"time,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	var doc struct {
		XMLName xml.Name
		Tests   *int        `xml:"tests,attr"`
		Suites  []testsuite `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the JUnit report is not XML: %v\n%s", err, data)
	}
	if doc.XMLName.Local != "testsuites" || doc.Tests == nil || len(doc.Suites) == 0 {
		t.Fatalf("root is <%s> with %d suites, want <testsuites tests=...> of <testsuite>s:\n%s", doc.XMLName.Local, len(doc.Suites), data)
	}
	timeRE := regexp.MustCompile(`^\d+(\.\d+)?$`)
	out := map[string]string{}
	total := 0
	for _, s := range doc.Suites {
		if s.Name == nil || s.Tests == nil || s.Failures == nil || s.Errors == nil || s.Time == nil {
			t.Fatalf("a testsuite lacks name/tests/failures/errors/time:\n%s", data)
		}
		fails, skips := 0, 0
		for _, c := range s.Cases {
			if c.Name == nil || c.Classname == nil || c.Time == nil || !timeRE.MatchString(*c.Time) {
				t.Fatalf("a testcase lacks name/classname/time (in seconds):\n%s", data)
			}
			if len(c.Failure)+len(c.Error)+len(c.Skipped) > 1 {
				t.Fatalf("testcase %s has more than one outcome", *c.Name)
			}
			v := "pass"
			switch {
			case len(c.Failure) == 1:
				fails++
				v = "fail"
				if c.Failure[0].Message == "" {
					t.Errorf("failure of %s has no message", *c.Name)
				}
			case len(c.Skipped) == 1:
				skips++
				v = "skip"
			}
			out[*c.Classname+" "+*c.Name] = v
		}
		if *s.Tests != len(s.Cases) || *s.Failures != fails || s.Skipped != nil && *s.Skipped != skips {
			t.Errorf("suite %s says tests=%d failures=%d but has %d cases, %d failed", *s.Name, *s.Tests, *s.Failures, len(s.Cases), fails)
		}
		total += len(s.Cases)
	}
	if *doc.Tests != total {
		t.Errorf("testsuites tests=%d, cases %d", *doc.Tests, total)
	}
	return out
}

// Intent: against the bundled example stack (frontend, backend, worker, MySQL, Redis,
// RabbitMQ), `devenv test` runs the example's own integration tests on the host with the
// services' URLs exported and exits 0; a failing command makes it exit with that command's code.
// Both runs write every service's logs and ps.json to the artifacts dir, the failing one a
// JUnit report of the right shape, and neither leaves a container, network or volume behind.
func TestCITestAgainstTheExampleStack(t *testing.T) {
	e := NewEnv(t)
	exampleStack(t, e, "")
	copyDir(t, filepath.Join(repoRoot(), "example", "integration"), filepath.Join(e.Dir, "integration"))
	services := []string{"web", "api", "jobs", "mysql", "redis", "rabbitmq"}

	start := time.Now()
	r := e.Devenv(e.stackEnv(), "-p", e.Project, "test", "--artifacts", "pass-artifacts", "--timeout", "4m",
		"--", "go", "test", "-C", "integration", "-count=1", "-v", "./...")
	t.Logf("passing devenv test of the example stack: %s", time.Since(start).Round(100*time.Millisecond))
	if r.ExitCode != 0 {
		t.Fatalf("passing run exited %d\nstdout:\n%s\nstderr:\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if !contains(r.Stdout, "--- PASS: TestAPISeesEveryDependency", "--- PASS: TestWebServesThePage") {
		t.Errorf("the integration tests did not run and pass:\n%s", r.Stdout)
	}
	if !contains(r.Stderr, "exported", "API_URL", "DATABASE_URL", "REDIS_URL", "AMQP_URL", "WEB_URL") {
		t.Errorf("devenv test did not say what it exported:\n%s", r.Stderr)
	}
	checkArtifacts(t, filepath.Join(e.Dir, "pass-artifacts"), services...)
	if log, err := os.ReadFile(filepath.Join(e.Dir, "pass-artifacts", "api.log")); err != nil || !strings.Contains(string(log), "listening on") {
		t.Errorf("api.log in the artifacts is not the backend's full log: %v\n%s", err, log)
	}
	if l := e.leftovers(e.Project); !l.Empty() {
		t.Errorf("the passing run left %+v behind", l)
	}

	start = time.Now()
	r = e.Devenv(e.stackEnv(), "test", "--artifacts", "fail-artifacts", "--junit", "reports/junit.xml", "--timeout", "4m",
		"--", "sh", "-c", "echo failing on purpose; exit 7")
	t.Logf("failing devenv test of the example stack: %s", time.Since(start).Round(100*time.Millisecond))
	project, _ := jobProject(t, r.Stderr)
	e.cleanupProject(project)
	if r.ExitCode != 7 {
		t.Fatalf("failing run exited %d, want the command's 7\nstderr:\n%s", r.ExitCode, r.Stderr)
	}
	if !strings.HasPrefix(project, e.Project+"-") || project == e.Project {
		t.Errorf("the job's project %q is not the configured name with a suffix of its own", project)
	}
	if !strings.Contains(r.Stdout, "failing on purpose") {
		t.Errorf("the command's output is not devenv's:\n%s", r.Stdout)
	}
	checkArtifacts(t, filepath.Join(e.Dir, "fail-artifacts"), services...)
	cases := junitShape(t, filepath.Join(e.Dir, "reports", "junit.xml"))
	for _, svc := range services {
		if cases["devenv.stack."+svc+" ready"] != "pass" {
			t.Errorf("JUnit case for %s's readiness: %q (all: %v)", svc, cases["devenv.stack."+svc+" ready"], cases)
		}
	}
	// The example's dependencies are seeded from fixtures/: each has a seeding case.
	for _, dep := range []string{"mysql", "redis", "rabbitmq"} {
		if cases["devenv.stack."+dep+" seeded"] != "pass" {
			t.Errorf("JUnit case for %s's fixtures: %q (all: %v)", dep, cases["devenv.stack."+dep+" seeded"], cases)
		}
	}
	if cases["devenv.command sh -c 'echo failing on purpose; exit 7'"] != "fail" {
		t.Errorf("JUnit case for the command: %v", cases)
	}
	if l := e.leftovers(project); !l.Empty() {
		t.Errorf("the failing run left %+v behind", l)
	}
}

// Intent: when the stack does not come up, devenv test fails, shows the failed service's last
// log lines, still writes the artifacts and a JUnit report naming the failed service, and
// removes everything.
func TestCITestReportsAStackThatFails(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `dependencies:
  redis: {}
services:
  migrate:
    image: redis:7
    command: ["sh", "-c", "echo migration-marker: table users is missing; exit 4"]
    job: true
    depends_on: [redis]
`)
	r := e.Devenv(e.stackEnv(), "-p", e.Project, "test", "--artifacts", "art", "--junit", "junit.xml", "--", "true")
	if r.ExitCode == 0 || r.ExitCode == 2 {
		t.Fatalf("exit %d with a failing job\nstderr:\n%s", r.ExitCode, r.Stderr)
	}
	if !strings.Contains(r.Stderr, "migration-marker: table users is missing") {
		t.Errorf("the failed service's log lines are not shown:\n%s", r.Stderr)
	}
	checkArtifacts(t, filepath.Join(e.Dir, "art"), "redis", "migrate")
	if ev, _ := os.ReadFile(filepath.Join(e.Dir, "art", "events.jsonl")); !bytes.Contains(ev, []byte(`"service":"migrate","event":"failed","message":"job"`)) {
		t.Errorf("events.jsonl does not name the failed service and step:\n%s", ev)
	}
	cases := junitShape(t, filepath.Join(e.Dir, "junit.xml"))
	if cases["devenv.stack.migrate ready"] != "fail" || cases["devenv.stack.redis ready"] != "pass" || cases["devenv.command true"] != "skip" {
		t.Errorf("JUnit cases: %v", cases)
	}
	if l := e.leftovers(e.Project); !l.Empty() {
		t.Errorf("left behind: %+v", l)
	}
}

// Intent: two `devenv test` runs started at once from the same directory get projects, host
// ports, data and artifacts of their own: each writes a value to its Redis, waits, and reads
// its own value back, in the Redis container (--service) — and the app service's fixed host
// port does not make the second fail.
func TestCIParallelRunsDoNotInterfere(t *testing.T) {
	e := NewEnv(t)
	ciStack(t, e)
	var wg sync.WaitGroup
	results := make([]Result, 2)
	for i, mark := range []string{"first", "second"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.Devenv(e.stackEnv(), "test", "--service", "redis", "--",
				"sh", "-c", "redis-cli set mark "+mark+" >/dev/null && sleep 3 && test \"$(redis-cli get mark)\" = "+mark+" && echo kept "+mark)
		}()
	}
	wg.Wait()
	projects := map[string]bool{}
	for i, r := range results {
		project, artifacts := jobProject(t, r.Stderr)
		e.cleanupProject(project)
		projects[project] = true
		if r.ExitCode != 0 {
			t.Errorf("run %d exited %d\nstdout:\n%s\nstderr:\n%s", i, r.ExitCode, r.Stdout, r.Stderr)
			continue
		}
		if !strings.Contains(r.Stdout, "kept ") {
			t.Errorf("run %d: %s", i, r.Stdout)
		}
		if !strings.HasPrefix(artifacts, filepath.Join(e.Dir, "devenv-artifacts", project)) {
			t.Errorf("run %d wrote its artifacts to %s, not a directory of its own", i, artifacts)
		}
		checkArtifacts(t, artifacts, "redis", "app")
		if l := e.leftovers(project); !l.Empty() {
			t.Errorf("run %d left %+v behind", i, l)
		}
	}
	if len(projects) != 2 {
		t.Errorf("the two runs shared a project: %v", projects)
	}
}

// Intent: --service S --one-off runs the command in a new container of S on the project
// network (it reaches redis by its service name), passes the command's exit code through, and
// the one-off container goes with the rest.
func TestCIOneOffContainer(t *testing.T) {
	e := NewEnv(t)
	ciStack(t, e)
	r := e.Devenv(e.stackEnv(), "-p", e.Project, "test", "--service", "app", "--one-off", "--",
		"sh", "-c", "redis-cli -h redis set from-one-off yes && hostname")
	if r.ExitCode != 0 || !strings.Contains(r.Stdout, "OK") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	if l := e.leftovers(e.Project); !l.Empty() {
		t.Errorf("left behind: %+v", l)
	}
	r = e.Devenv(e.stackEnv(), "-p", e.Project, "test", "--service", "app", "--one-off", "--", "sh", "-c", "exit 5")
	if r.ExitCode != 5 {
		t.Fatalf("exit %d, want 5\n%s", r.ExitCode, r.Stderr)
	}
}

// startTest starts `devenv test` in the background and returns once the test command runs,
// with the job's project name, devenv's output, and a channel closed when devenv has exited.
func (e *Env) startTest(args ...string) (*exec.Cmd, string, *syncBuffer, <-chan struct{}) {
	e.t.Helper()
	cmd := exec.Command(shared.binary, append([]string{"test"}, args...)...)
	cmd.Dir = e.Dir
	cmd.Env = append(os.Environ(), e.stackEnv()...)
	out := &syncBuffer{}
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(out, pw)
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = pw.Close(); close(done) }()
	e.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	ready := make(chan string, 1)
	go func() { // ends when devenv's stderr closes: it exited, or the cleanup above killed it
		sc := bufio.NewScanner(pr)
		project := ""
		for sc.Scan() {
			if m := projectLine.FindStringSubmatch(sc.Text()); m != nil {
				project = m[1]
			}
			if strings.Contains(sc.Text(), "ready; running") {
				ready <- project
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case project := <-ready:
		e.cleanupProject(project)
		return cmd, project, out, done
	case <-done:
		e.t.Fatalf("devenv test exited before running its command:\n%s", out)
	case <-time.After(3 * time.Minute):
		e.t.Fatalf("devenv test never ran its command:\n%s", out)
	}
	return nil, "", nil, nil
}

// Intent: SIGTERM from the CI runner while the test command runs stops the command, and devenv
// still writes the artifacts, removes everything the job created and exits 130.
func TestCISigtermCleansUp(t *testing.T) {
	e := NewEnv(t)
	ciStack(t, e)
	cmd, project, out, exited := e.startTest("--artifacts", "art", "--", "sleep", "300")
	if l := e.leftovers(project); len(l.Containers) != 3 || len(l.Volumes) != 1 {
		t.Fatalf("while running, the job has %+v (want redis, app and the reaper, and redis's volume)", l)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(time.Minute):
		t.Fatalf("devenv test did not exit within a minute of SIGTERM:\n%s", out)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d after SIGTERM, want 130\n%s", code, out)
	}
	checkArtifacts(t, filepath.Join(e.Dir, "art"), "redis", "app")
	if l := e.leftovers(project); !l.Empty() {
		t.Errorf("SIGTERM left %+v behind\n%s", l, out)
	}
}

// Intent: Ctrl-C twice means "stop now": the first one starts the graceful end (the command
// is stopped, the teardown begins), the second ends devenv at once with 130, and the job's reaper
// still removes everything the job created.
func TestCISecondInterruptExitsAndTheReaperCleansUp(t *testing.T) {
	e := NewEnv(t)
	ciStack(t, e)
	cmd, project, out, exited := e.startTest("--", "sleep", "300")
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// The first interrupt has been taken once the command's end is reported.
	for deadline := time.Now().Add(time.Minute); !strings.Contains(out.String(), "command "); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the first interrupt did not end the command:\n%s", out)
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("devenv test did not exit at once on the second interrupt:\n%s", out)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d after Ctrl-C twice, want 130\n%s", code, out)
	}
	if !strings.Contains(out.String(), "interrupted again: exiting now") {
		t.Errorf("the second interrupt was not reported:\n%s", out)
	}
	deadline := time.Now().Add(45 * time.Second)
	for l := e.leftovers(project); !l.Empty(); l = e.leftovers(project) {
		if time.Now().After(deadline) {
			t.Fatalf("45 s after the second interrupt the job still has %+v\n%s", l, out)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// The reaper's timing as docs/ci.md states it: a killed job is left alone for a grace period
// of 5 seconds and is gone a few seconds later.
const (
	reaperGrace = 5 * time.Second
	// reaperRemoval bounds the removal after the grace: a second of it is the reaper's check
	// that nothing came back; the rest is room for a loaded engine.
	reaperRemoval = 10 * time.Second
	// reaperLastLook is how close to the grace's end the test must have seen the whole job.
	reaperLastLook = time.Second
)

// Intent: when devenv itself is killed (SIGKILL: no cleanup code runs), its reaper leaves the
// job's containers, networks and volumes alone for the grace period docs/ci.md states (5 s),
// then removes them, and then itself; the test command on the host dies with devenv.
func TestCISigkillIsReaped(t *testing.T) {
	e := NewEnv(t)
	ciStack(t, e)
	// A sleep of a length no other process has, to find it afterwards.
	sleep := fmt.Sprintf("sleep %d", 3000+time.Now().UnixNano()%1000)
	cmd, project, out, _ := e.startTest(append([]string{"--"}, strings.Fields(sleep)...)...)
	if l := e.leftovers(project); len(l.Containers) != 3 || len(l.Networks) != 1 || len(l.Volumes) != 1 {
		t.Fatalf("while running, the job has %+v", l)
	}
	// The reaper's grace period starts when it sees devenv's connection drop, which cannot
	// happen before the kill: until reaperGrace after the moment just before the signal,
	// everything must still be there. A listing the engine answered before that moment shows
	// a state from before it; a later answer proves nothing, so the last conclusive look has to
	// come back within reaperLastLook of the grace's end.
	killed := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	graceEnds := killed.Add(reaperGrace)
	var lastLook time.Time
	for {
		l := e.leftovers(project)
		answered := time.Now()
		if !answered.Before(graceEnds) {
			break
		}
		if len(l.Containers) != 3 || len(l.Networks) != 1 || len(l.Volumes) != 1 {
			t.Fatalf("%s after SIGKILL, before the %s grace period ended, the job had only %+v\n%s",
				answered.Sub(killed).Round(10*time.Millisecond), reaperGrace, l, out)
		}
		lastLook = answered
		time.Sleep(min(100*time.Millisecond, time.Until(graceEnds)))
	}
	if late := graceEnds.Sub(lastLook); late > reaperLastLook {
		t.Fatalf("the last look at the job before its grace period ended came back %s before the end, not within %s: the engine answered too slowly to tell", late.Round(time.Millisecond), reaperLastLook)
	}
	// Then it goes quickly: removing kills (no stop grace), and the reaper checks a second
	// later that nothing came back before it removes itself.
	deadline := graceEnds.Add(reaperRemoval)
	for {
		l := e.leftovers(project)
		if l.Empty() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s after SIGKILL (the grace period and %s) the job still has %+v\n%s", time.Since(killed).Round(100*time.Millisecond), reaperRemoval, l, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the reaper removed the killed job %s after SIGKILL (grace %s); the job was all there %s before the grace ended",
		time.Since(killed).Round(100*time.Millisecond), reaperGrace, graceEnds.Sub(lastLook).Round(time.Millisecond))
	if pgrep, _ := exec.Command("pgrep", "-fx", sleep).Output(); len(bytes.TrimSpace(pgrep)) > 0 {
		t.Errorf("the test command outlived devenv: pid %s", pgrep)
	}
}

// syncBuffer is a bytes.Buffer safe for the writer goroutines of exec.Cmd and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// copyDir copies the files of from (one level deep is all the example's integration tests are).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.IsDir() {
			t.Fatalf("copyDir: %s has a subdirectory %s", from, en.Name())
		}
		data, err := os.ReadFile(filepath.Join(from, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(to, en.Name()), string(data))
	}
}

// jsonEvent is one line of devenv's --json progress (up, watch, seed), with its stable field names.
type jsonEvent struct {
	Time       time.Time `json:"time"`
	Service    string    `json:"service"`
	Event      string    `json:"event"`
	Message    string    `json:"message"`
	DurationMS int64     `json:"duration_ms"`
	Error      string    `json:"error"`
}

func parseJSONLines(t *testing.T, out string) []jsonEvent {
	t.Helper()
	var evs []jsonEvent
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		var ev jsonEvent
		if err := dec.Decode(&ev); err != nil || ev.Time.IsZero() || ev.Event == "" {
			t.Fatalf("not an event line (%v): %q\nall of stdout:\n%s", err, line, out)
		}
		evs = append(evs, ev)
	}
	return evs
}

// Intent: `devenv up --json` gives a pipeline one JSON object per line on stdout, nothing
// else: network, volume, built, started, healthy, completed events with the time each step took,
// per service; and a failed job gives a failed event that names the service and the step.
func TestCIUpJSONEvents(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "tool", "Dockerfile"), "ARG BASE=redis:7\nFROM ${BASE}\nLABEL purpose=json-test\n")
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `dependencies:
  redis: {}
services:
  tool:
    build: {context: ./tool, args: {BASE: redis:7}}
    command: ["sh", "-c", "redis-cli -h redis ping"]
    job: true
    depends_on: [redis]
`)
	r := e.Devenv(e.stackEnv(), "up", "-d", "--wait", "--json")
	if r.ExitCode != 0 {
		t.Fatalf("up --json: %d\n%s", r.ExitCode, r.Stderr)
	}
	got := map[string]jsonEvent{}
	for _, ev := range parseJSONLines(t, r.Stdout) {
		got[ev.Service+" "+ev.Event] = ev
	}
	for _, want := range []string{" network", " volume", "tool built", "redis started", "redis healthy", "tool completed"} {
		if _, ok := got[want]; !ok {
			t.Errorf("no %q event in:\n%s", want, r.Stdout)
		}
	}
	for _, timed := range []string{"tool built", "redis healthy", "tool completed"} {
		if got[timed].DurationMS <= 0 {
			t.Errorf("%s has no duration_ms: %+v", timed, got[timed])
		}
	}

	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `dependencies:
  redis: {}
services:
  tool:
    build: {context: ./tool, args: {BASE: redis:7}}
    command: ["sh", "-c", "exit 9"]
    job: true
    depends_on: [redis]
`)
	r = e.Devenv(e.stackEnv(), "up", "-d", "--wait", "--json")
	if r.ExitCode == 0 {
		t.Fatalf("a failing job: up --json exited 0\n%s", r.Stdout)
	}
	evs := parseJSONLines(t, r.Stdout)
	last := evs[len(evs)-1]
	if last.Event != "failed" || last.Service != "tool" || last.Message != "job" || !strings.Contains(last.Error, "exited with code 9") {
		t.Errorf("last event %+v, want tool's job failure", last)
	}
}

// BenchmarkCITest measures a whole `devenv test -- true` job of a Redis stack (up to ready, the
// command, artifacts, teardown with volumes), with and without the reaper: what the crash
// safety costs a job, and the time at which the reaper removes a job whose devenv was killed.
func BenchmarkCITest(b *testing.B) {
	e := NewEnv(b)
	writeFile(b, filepath.Join(e.Dir, "devenv.yaml"), "dependencies:\n  redis: {}\n")
	// Once first, so the reaper image of this binary exists, as it does for every job but the
	// first on a host.
	e.devenvOK("-p", e.Project, "test", "--", "true")
	var with, without []time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		e.devenvOK("-p", e.Project, "test", "--", "true")
		with = append(with, time.Since(start))
		start = time.Now()
		e.devenvOK("-p", e.Project, "test", "--no-reaper", "--", "true")
		without = append(without, time.Since(start))
	}
	b.ReportMetric(median(with), "job-s")
	b.ReportMetric(median(without), "job-no-reaper-s")
	b.ReportMetric(median(with)-median(without), "reaper-cost-s")
}

// Intent: devenv test removes its project, volumes included, so it refuses to run in one that
// already exists (a developer's stack named with -p) and touches nothing of it.
func TestCIRefusesAnExistingProject(t *testing.T) {
	e := NewEnv(t)
	ciStack(t, e)
	network := e.Network("theirs")
	r := e.Devenv(e.stackEnv(), "-p", e.Project, "test", "--", "true")
	if r.ExitCode != 1 || !contains(r.Stderr, "already exists", "down --volumes") {
		t.Fatalf("exit %d\n%s", r.ExitCode, r.Stderr)
	}
	if l := e.leftovers(e.Project); len(l.Networks) != 1 || l.Networks[0] != network || len(l.Containers) != 0 {
		t.Errorf("the existing project was touched: %+v", l)
	}
}
