//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// watching is a devenv process running in the background (up in the foreground, or watch),
// with its JSON events collected as they arrive.
type watching struct {
	t      testing.TB
	cmd    *exec.Cmd
	mu     sync.Mutex
	events []jsonEvent
	other  []string // stdout lines that are not events: the services' logs
	stderr bytes.Buffer
	done   chan struct{}
}

func (e *Env) startDevenv(args ...string) *watching {
	e.t.Helper()
	w := &watching{t: e.t, done: make(chan struct{})}
	w.cmd = exec.Command(shared.binary, args...)
	w.cmd.Dir = e.Dir
	w.cmd.Env = append(os.Environ(), e.stackEnv()...)
	w.cmd.Stderr = &lockedWriter{mu: &w.mu, w: &w.stderr}
	stdout, err := w.cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { // ends when devenv closes its stdout
		defer close(w.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev jsonEvent
			w.mu.Lock()
			if line := sc.Text(); strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &ev) == nil {
				w.events = append(w.events, ev)
			} else {
				w.other = append(w.other, line)
			}
			w.mu.Unlock()
		}
	}()
	e.t.Cleanup(w.stop)
	return w
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// stop interrupts devenv as Ctrl-C would and waits for it.
func (w *watching) stop() {
	if w.cmd.ProcessState != nil {
		return
	}
	_ = w.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
		_ = w.cmd.Process.Kill()
	}
	_ = w.cmd.Wait()
}

func (w *watching) snapshot() ([]jsonEvent, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]jsonEvent(nil), w.events...), w.stderr.String()
}

// wait returns the first event at or after index from that matches, failing after within.
func (w *watching) wait(within time.Duration, from int, what string, match func(jsonEvent) bool) (jsonEvent, int) {
	w.t.Helper()
	deadline := time.Now().Add(within)
	for {
		evs, stderr := w.snapshot()
		for i := from; i < len(evs); i++ {
			if evs[i].Event == "failed" && evs[i].Service != "" {
				w.t.Fatalf("waiting for %s: %s failed: %s", what, evs[i].Service, evs[i].Error)
			}
			if match(evs[i]) {
				return evs[i], i + 1
			}
		}
		select {
		case <-w.done:
			w.t.Fatalf("devenv ended while waiting for %s\nstderr:\n%s", what, stderr)
		default:
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no %s within %s; events:\n%s\nstderr:\n%s", what, within, dumpEvents(evs), stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// reloadsIn lists what the reloads of service that began in events [from, to) were for, in
// order. It is how a test proves a negative without waiting a guessed time: a change that must
// not reload (or must reload only once) is followed by a sentinel, a change that must reload,
// and once the sentinel's reload is reported, a reload the first change caused has been reported
// too. devenv's watcher, debouncer and reloader keep the order of changes, and apply changes that
// arrive during a service's reload together right after it, so such a reload came before the
// sentinel's or is named in it.
func (w *watching) reloadsIn(service string, from, to int) []string {
	evs, _ := w.snapshot()
	var out []string
	for _, ev := range evs[from:min(to, len(evs))] {
		if reloadOf(service)(ev) {
			out = append(out, ev.Message)
		}
	}
	return out
}

func dumpEvents(evs []jsonEvent) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "  %s %s %s %s\n", ev.Service, ev.Event, ev.Message, ev.Error)
	}
	return b.String()
}

func reloaded(service, action string) func(jsonEvent) bool {
	return func(ev jsonEvent) bool {
		return ev.Event == "reloaded" && ev.Service == service && strings.HasPrefix(ev.Message, action+" for ")
	}
}

func reloadedAny(service string) func(jsonEvent) bool {
	return func(ev jsonEvent) bool { return ev.Event == "reloaded" && ev.Service == service }
}

func reloadOf(service string) func(jsonEvent) bool {
	return func(ev jsonEvent) bool { return ev.Event == "reloading" && ev.Service == service }
}

// onlyReplaced checks that a rebuild replaced svc's container (its ID in before) and no other,
// and kept the host port of its container port; it returns the new container's ID.
func (e *Env) onlyReplaced(started map[string]psEntry, svc string, port int, before map[string]string) string {
	e.t.Helper()
	after := e.ps()
	for name, id := range before {
		if replaced := after[name].ID != id; replaced != (name == svc) {
			e.t.Errorf("rebuild of %s: %s %.12s → %.12s; want only %s replaced", svc, name, id, after[name].ID, svc)
		}
	}
	if was, now := started[svc].hostPort(e.t, port), after[svc].hostPort(e.t, port); was != now {
		e.t.Errorf("the rebuilt %s moved from port %s to %s", svc, was, now)
	}
	return after[svc].ID
}

// composeStack writes spec as the project's compose.yaml and makes the folders its watch rules
// name.
func (e *Env) composeStack(spec string, dirs ...string) {
	e.t.Helper()
	writeFile(e.t, filepath.Join(e.Dir, "compose.yaml"), spec)
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(e.Dir, d), 0o755); err != nil {
			e.t.Fatal(err)
		}
	}
}

// serves polls url until its body contains want.
func (e *Env) serves(id, url, want string, within time.Duration) time.Duration {
	e.t.Helper()
	return e.Eventually(id, within, 10*time.Millisecond, func(ctx context.Context) error {
		code, body := httpGetCtx(ctx, url)
		if !strings.Contains(body, want) {
			return fmt.Errorf("GET %s = %d %q, want %q", url, code, body, want)
		}
		return nil
	})
}

func httpGetCtx(ctx context.Context, url string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// fileServer is a compose service with no bind mount: a Node.js server of /srv/public, a
// greeting read from /srv/conf once at start, and develop.watch rules of the three sync kinds.
const fileServer = `services:
  files:
    image: node:20
    command:
      - node
      - -e
      - |
        const fs = require('fs');
        const greeting = fs.existsSync('/srv/conf/greeting') ? fs.readFileSync('/srv/conf/greeting', 'utf8') : 'none';
        process.on('SIGTERM', () => process.exit(0));
        require('http').createServer((q, s) => {
          if (q.url === '/greeting') return s.end(greeting);
          fs.readFile('/srv/public' + q.url, (err, data) => { if (err) { s.writeHead(404); s.end('missing') } else s.end(data) });
        }).listen(8000);
    ports: ["8000"]
    develop:
      watch:
        - path: ./public
          action: sync
          target: /srv/public
        - path: ./conf
          action: sync+restart
          target: /srv/conf
        - path: ./hooks
          action: sync+exec
          target: /srv/hooks
          exec:
            command: ["sh", "-c", "cat /srv/hooks/* > /srv/public/hooked"]
`

// Intent: `devenv watch` attached to a running compose stack applies develop.watch rules read
// from the compose file to a container with no bind mount: a created, a changed and a deleted
// file reach it through the Engine API; an editor's rename save is delivered; a 1,000-file burst
// is one action; paths ignored by .gitignore and by default are never synced; sync+restart
// restarts the container on the same host port; sync+exec runs its command. Ctrl-C ends it.
func TestWatchSyncsIntoContainerWithoutBindMount(t *testing.T) {
	e := NewEnv(t)
	e.composeStack(fileServer, "public", "conf")
	writeFile(t, filepath.Join(e.Dir, ".gitignore"), "*.log\n")
	e.up()
	row := e.ps()["files"]
	base := "http://127.0.0.1:" + row.hostPort(t, 8000)
	e.serves(row.ID, base+"/greeting", "none", 30*time.Second) // nothing synced yet

	w := e.startDevenv("watch", "--json")
	_, next := w.wait(30*time.Second, 0, "watching", func(ev jsonEvent) bool { return ev.Event == "watching" })

	public := func(name string) string { return filepath.Join(e.Dir, "public", name) }
	writeFile(t, public("a.txt"), "one")
	e.serves(row.ID, base+"/a.txt", "one", 10*time.Second)
	writeFile(t, public("a.txt"), "two")
	e.serves(row.ID, base+"/a.txt", "two", 10*time.Second)
	if err := os.Remove(public("a.txt")); err != nil {
		t.Fatal(err)
	}
	e.serves(row.ID, base+"/a.txt", "missing", 10*time.Second)

	// An editor's atomic save: the new content goes to a temp file renamed over the original.
	writeFile(t, public("page.html"), "<p>old</p>")
	e.serves(row.ID, base+"/page.html", "old", 10*time.Second)
	writeFile(t, public(".page.html.tmp1234"), "<p>saved</p>")
	if err := os.Rename(public(".page.html.tmp1234"), public("page.html")); err != nil {
		t.Fatal(err)
	}
	e.serves(row.ID, base+"/page.html", "saved", 10*time.Second)

	// Ignored paths are not synced: a file .gitignore ignores, one under node_modules. The file
	// written after them is, so by the time it is served they would have been too.
	writeFile(t, public("debug.log"), "log")
	writeFile(t, public(filepath.Join("node_modules", "dep", "index.js")), "dep")
	writeFile(t, public("after.txt"), "after")
	e.serves(row.ID, base+"/after.txt", "after", 10*time.Second)
	for _, p := range []string{"/debug.log", "/node_modules/dep/index.js"} {
		if code, body := httpGet(t, base+p); code != 404 {
			t.Errorf("%s is ignored but was synced: %d %s", p, code, body)
		}
	}
	evs, _ := w.snapshot()
	for _, ev := range evs {
		if strings.Contains(ev.Message, "debug.log") || strings.Contains(ev.Message, "node_modules") {
			t.Errorf("a reload mentions an ignored path: %+v", ev)
		}
	}

	// A burst of 1,000 files, as a git checkout writes them, is one sync.
	_, next = w.wait(10*time.Second, next, "the sync of after.txt", func(ev jsonEvent) bool {
		return ev.Event == "reloaded" && strings.Contains(ev.Message, "after.txt")
	})
	burst := next
	for i := range 1000 {
		writeFile(t, public(fmt.Sprintf("burst/f%04d.txt", i)), fmt.Sprint(i))
	}
	e.serves(row.ID, base+"/burst/f0999.txt", "999", 20*time.Second)
	_, next = w.wait(20*time.Second, next, "the burst's sync", reloaded("files", "sync"))

	// sync+restart: the greeting is read at start, so it is served only after the restart,
	// on the port the service had. The supervisor restarted the process, not the container.
	// This reload is also the burst's sentinel (see reloadsIn): a second reload the burst caused
	// was reported before it, or is named in it.
	started := startedAt(t, e, row.ID)
	writeFile(t, filepath.Join(e.Dir, "conf", "greeting"), "hello")
	_, next = w.wait(60*time.Second, next, "sync+restart", reloaded("files", "sync+restart"))
	if got := w.reloadsIn("files", burst, next); len(got) != 2 || !strings.HasPrefix(got[0], "sync for public/burst") || got[1] != "sync+restart for conf/greeting" {
		t.Errorf("the 1,000-file burst, then the greeting, gave reloads %q; want one sync, then one sync+restart of conf/greeting", got)
	}
	e.serves(row.ID, base+"/greeting", "hello", 10*time.Second)
	if again := startedAt(t, e, row.ID); !again.Equal(started) {
		t.Errorf("sync+restart restarted the container (started %s, then %s), not its process", started, again)
	}
	if again := e.ps()["files"]; again.hostPort(t, 8000) != row.hostPort(t, 8000) {
		t.Errorf("the restart moved the service from port %s to %s", row.hostPort(t, 8000), again.hostPort(t, 8000))
	}

	// sync+exec: the command runs in the container after the sync.
	writeFile(t, filepath.Join(e.Dir, "hooks", "x"), "hooked")
	w.wait(30*time.Second, next, "sync+exec", reloaded("files", "sync+exec"))
	e.serves(row.ID, base+"/hooked", "hooked", 10*time.Second)

	w.stop()
	if code := w.cmd.ProcessState.ExitCode(); code != 0 {
		_, stderr := w.snapshot()
		t.Errorf("devenv watch exited %d after Ctrl-C:\n%s", code, stderr)
	}
}

// Intent: compose's initial_sync: files edited while nothing watched (between up and watch)
// reach the container when watching starts, with the restart of a sync+restart rule, and the
// report says it was the initial sync; attaching again to an up-to-date container copies and
// restarts nothing.
func TestWatchInitialSync(t *testing.T) {
	e := NewEnv(t)
	compose := strings.Replace(fileServer, "target: /srv/public\n", "target: /srv/public\n          initial_sync: true\n", 1)
	compose = strings.Replace(compose, "target: /srv/conf\n", "target: /srv/conf\n          initial_sync: true\n", 1)
	if strings.Count(compose, "initial_sync") != 2 {
		t.Fatal("fileServer's rules changed: update this test")
	}
	writeFile(t, filepath.Join(e.Dir, "compose.yaml"), compose)
	writeFile(t, filepath.Join(e.Dir, "public", "index.html"), "built in")
	if err := os.MkdirAll(filepath.Join(e.Dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	e.up()
	row := e.ps()["files"]
	base := "http://127.0.0.1:" + row.hostPort(t, 8000)
	e.serves(row.ID, base+"/greeting", "none", 30*time.Second)

	// Edits while nothing watches.
	writeFile(t, filepath.Join(e.Dir, "public", "offline.txt"), "edited offline")
	writeFile(t, filepath.Join(e.Dir, "public", "node_modules", "dep", "index.js"), "ignored")
	writeFile(t, filepath.Join(e.Dir, "conf", "greeting"), "hello from before watch")

	w := e.startDevenv("watch", "--json")
	ev, next := w.wait(60*time.Second, 0, "the initial sync", reloaded("files", "initial sync+restart"))
	if want := "initial sync+restart for conf/greeting, public/index.html, public/offline.txt"; ev.Message != want {
		t.Errorf("the initial sync reports %q, want %q", ev.Message, want)
	}
	e.serves(row.ID, base+"/offline.txt", "edited offline", 10*time.Second)
	e.serves(row.ID, base+"/greeting", "hello from before watch", 10*time.Second)
	if code, _ := httpGet(t, base+"/node_modules/dep/index.js"); code != 404 {
		t.Errorf("node_modules is ignored, but the initial sync copied it (%d)", code)
	}
	// Saves go on as usual afterwards.
	writeFile(t, filepath.Join(e.Dir, "public", "offline.txt"), "edited while watching")
	e.serves(row.ID, base+"/offline.txt", "edited while watching", 10*time.Second)
	w.wait(10*time.Second, next, "the save's sync", reloaded("files", "sync"))
	w.stop()

	// Attaching again: everything is up to date but one file, edited while nothing watched.
	// The initial sync reports every file it found different in one action, so that one file
	// alone, copied without a restart, is the proof that the rest was left alone.
	started := e.ps()["files"]
	writeFile(t, filepath.Join(e.Dir, "public", "offline.txt"), "edited between two watches")
	w = e.startDevenv("watch", "--json")
	_, next = w.wait(60*time.Second, 0, "the second initial sync", reloadedAny("files"))
	if got := w.reloadsIn("files", 0, next); len(got) != 1 || got[0] != "initial sync for public/offline.txt" {
		t.Errorf("attaching to a container one file behind reloaded %q; want only an initial sync of public/offline.txt", got)
	}
	e.serves(row.ID, base+"/offline.txt", "edited between two watches", 10*time.Second)
	if again := e.ps()["files"]; again.ID != started.ID {
		t.Errorf("the container was replaced: %.12s → %.12s", started.ID, again.ID)
	}
	w.stop()
}

// Intent: `devenv watch` on a stack that is not running says so instead of watching nothing,
// and a project without any develop.watch rules is told how to get some.
func TestWatchNeedsARunningStackWithRules(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "compose.yaml"), fileServer)
	if r := e.Devenv(e.stackEnv(), "watch"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "is not running") {
		t.Errorf("watch without a stack: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	writeFile(t, filepath.Join(e.Dir, "compose.yaml"), "services:\n  cache:\n    image: redis:7\n")
	e.up()
	if r := e.Devenv(e.stackEnv(), "watch"); r.ExitCode != 1 || !contains(r.Stderr, "no service has develop.watch rules", "fix:") {
		t.Errorf("watch without rules: exit %d\n%s", r.ExitCode, r.Stderr)
	}
}

// Intent: `devenv up` in the foreground watches the templates' source by default. Editing the
// backend's source serves the new response (restart, on the same port), so does an editor's
// rename save (reported without its temp file); a path the rules or the defaults ignore causes
// no reload; 1,000 files written at once are one restart; go.mod rebuilds the backend's image
// and replaces only its container; a frontend source edit is served by Vite without any reload; changing
// package.json rebuilds the frontend's image and replaces only its container.
func TestHotReloadTemplates(t *testing.T) {
	e := NewEnv(t)
	e.devenvOK("init", "--service", "api=backend", "--service", "web=frontend")
	start := time.Now()
	w := e.startDevenv("up", "--json", "--timeout", "6m")
	_, next := w.wait(8*time.Minute, 0, "watching", func(ev jsonEvent) bool { return ev.Event == "watching" })
	t.Logf("up with two template builds: %s", time.Since(start).Round(100*time.Millisecond))
	ps := e.ps()
	apiID, webID := ps["api"].ID, ps["web"].ID
	api := "http://127.0.0.1:" + ps["api"].hostPort(t, 8080)
	web := "http://127.0.0.1:" + ps["web"].hostPort(t, 5173)
	e.serves(apiID, api+"/", "hello from the devenv backend template", time.Minute)
	apiStarted := startedAt(t, e, apiID)

	mainGo := filepath.Join(e.Dir, "api", "main.go")
	src, err := os.ReadFile(mainGo)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(greeting string) []byte {
		out := bytes.Replace(src, []byte("hello from the devenv backend template"), []byte(greeting), 1)
		if bytes.Equal(out, src) {
			t.Fatal("the backend template no longer says hello from the devenv backend template: update this test")
		}
		return out
	}
	if err := os.WriteFile(mainGo, edit("hello from an edited backend"), 0o644); err != nil {
		t.Fatal(err)
	}
	took := e.serves(apiID, api+"/", "hello from an edited backend", 2*time.Minute)
	ev, next := w.wait(30*time.Second, next, "api's restart", reloaded("api", "restart"))
	t.Logf("backend edit served after %s (reported: %s, %d ms)", took.Round(10*time.Millisecond), ev.Message, ev.DurationMS)
	if ev.Message != "restart for api/main.go" {
		t.Errorf("the reload reports %q, want the action and the file", ev.Message)
	}
	if again := startedAt(t, e, apiID); !again.Equal(apiStarted) {
		t.Errorf("the backend's container was restarted (started %s, then %s): the supervisor should restart its process", apiStarted, again)
	}

	// An atomic save the way sed -i makes one: a temp file next to the original, renamed over
	// it. The temp file is gone by the time the batch is applied: the report names main.go only.
	tmp := filepath.Join(e.Dir, "api", "sedfZGo1G")
	if err := os.WriteFile(tmp, edit("hello after a rename save"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, mainGo); err != nil {
		t.Fatal(err)
	}
	e.serves(apiID, api+"/", "hello after a rename save", 2*time.Minute)
	ev, next = w.wait(30*time.Second, next, "api's restart after the rename", reloaded("api", "restart"))
	if ev.Message != "restart for api/main.go" {
		t.Errorf("the reload after a rename save reports %q, want only the saved file", ev.Message)
	}

	// Ignored paths: the rule's *_test.go, the defaults' build outputs and node_modules. (Not
	// .git: a fake one would break go build's VCS stamping.) The file written after them is
	// their sentinel (see reloadsIn): its restart must be the only one, for it alone.
	ignored := next
	writeFile(t, filepath.Join(e.Dir, "api", "main_test.go"), "package main\n")
	writeFile(t, filepath.Join(e.Dir, "api", "dist", "app.tar"), "x\n")
	writeFile(t, filepath.Join(e.Dir, "api", "node_modules", "x", "index.js"), "x\n")
	writeFile(t, filepath.Join(e.Dir, "api", "after-ignored.txt"), "x\n")
	_, next = w.wait(2*time.Minute, next, "api's next reload", reloadedAny("api"))
	if got := w.reloadsIn("api", ignored, next); len(got) != 1 || got[0] != "restart for api/after-ignored.txt" {
		t.Errorf("ignored paths, then api/after-ignored.txt, gave reloads %q; want one restart for api/after-ignored.txt", got)
	}

	// A burst of 1,000 files is one restart.
	burst := next
	for i := range 1000 {
		writeFile(t, filepath.Join(e.Dir, "api", "assets", fmt.Sprintf("f%04d.txt", i)), "x")
	}
	ev, next = w.wait(2*time.Minute, next, "api's restart after the burst", reloaded("api", "restart"))
	if !strings.Contains(ev.Message, "more") {
		t.Errorf("the burst's restart reports %q, want the first files and how many more", ev.Message)
	}
	if again := e.ps()["api"]; again.hostPort(t, 8080) != ps["api"].hostPort(t, 8080) || again.ID != apiID {
		t.Errorf("restarts moved or replaced the backend: %+v, was %+v", again, ps["api"])
	}

	// go.mod rebuilds the backend's image (its dependencies are compiled into a layer of it)
	// and replaces only its container, on the same port. The rebuild is also the burst's
	// sentinel: a second reload the burst caused was reported before it, or is named in it.
	goMod := filepath.Join(e.Dir, "api", "go.mod")
	mod, err := os.ReadFile(goMod)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, goMod, string(mod)+"\n// edited by the watch test\n")
	// As long a bound as the first up's: a rebuild with a cold build cache on a loaded machine
	// took more than 5 minutes.
	ev, next = w.wait(8*time.Minute, next, "api's rebuild", reloaded("api", "rebuild"))
	t.Logf("backend rebuild after a go.mod edit: %d ms (%s)", ev.DurationMS, ev.Message)
	if got := w.reloadsIn("api", burst, next); len(got) != 2 || got[1] != "rebuild for api/go.mod" {
		t.Errorf("the 1,000-file burst, then go.mod, gave reloads %q; want one restart, then one rebuild for api/go.mod", got)
	}
	apiID = e.onlyReplaced(ps, "api", 8080, map[string]string{"api": apiID, "web": webID})
	e.serves(apiID, api+"/", "hello after a rename save", time.Minute)

	// The frontend's source is served by Vite's dev server from the bind mount: no reload.
	// (The vite.config.js edit below is its sentinel.)
	source := next
	mainJS := filepath.Join(e.Dir, "web", "src", "main.js")
	js, err := os.ReadFile(mainJS)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, mainJS, string(js)+"\nconsole.log('edited by the watch test')\n")
	e.serves(webID, web+"/src/main.js", "edited by the watch test", 30*time.Second)

	// vite.config.js is read at start from the image's copy: it is synced in and the dev
	// server restarted, which then sends the header the edit adds.
	viteConfig := filepath.Join(e.Dir, "web", "vite.config.js")
	conf, err := os.ReadFile(viteConfig)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(conf), "strictPort: true,", "strictPort: true,\n    headers: { 'X-Devenv-Test': 'edited' },", 1)
	if edited == string(conf) {
		t.Fatal("the frontend template's vite.config.js no longer sets strictPort: update this test")
	}
	writeFile(t, viteConfig, edited)
	ev, next = w.wait(2*time.Minute, next, "web's sync+restart", reloaded("web", "sync+restart"))
	t.Logf("frontend config edit: %d ms (%s)", ev.DurationMS, ev.Message)
	if got := w.reloadsIn("web", source, next); len(got) != 1 || got[0] != "sync+restart for web/vite.config.js" {
		t.Errorf("a source edit, then vite.config.js, gave reloads of web %q; want only the sync+restart for web/vite.config.js (Vite serves the source)", got)
	}
	e.Eventually(webID, 30*time.Second, 10*time.Millisecond, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, web+"/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if h := resp.Header.Get("X-Devenv-Test"); h != "edited" {
			return fmt.Errorf("GET %s/: X-Devenv-Test is %q, want the edited config's", web, h)
		}
		return nil
	})

	// package.json rebuilds the image; only web's container is replaced, on the same port.
	pkg := filepath.Join(e.Dir, "web", "package.json")
	data, err := os.ReadFile(pkg)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, pkg, strings.Replace(string(data), `"private": true,`, `"private": true,`+"\n  \"description\": \"edited by the watch test\",", 1))
	ev, _ = w.wait(8*time.Minute, next, "web's rebuild", reloaded("web", "rebuild"))
	t.Logf("frontend rebuild: %d ms", ev.DurationMS)
	webID = e.onlyReplaced(ps, "web", 5173, map[string]string{"api": apiID, "web": webID})
	e.serves(webID, web+"/src/main.js", "edited by the watch test", time.Minute)
	e.serves(apiID, api+"/", "hello after a rename save", 10*time.Second)
}

// supervised is a stack whose restart rules put its services under devenv's supervisor: app
// stops cleanly on SIGTERM, stubborn ignores it and must be killed after its grace period.
// Each sets its trap before it logs "started", so a signal sent once the log says so finds it.
const supervised = `services:
  app:
    image: node:20
    command: ["sh", "-c", "trap 'echo stopping; exit 0' TERM; echo started; while :; do sleep 0.1; done"]
    develop:
      watch:
        - path: ./app
          action: restart
  stubborn:
    image: node:20
    command: ["sh", "-c", "trap '' TERM; echo started; while :; do sleep 0.1; done"]
    stop_grace_period: 1s
    develop:
      watch:
        - path: ./stubborn
          action: restart
`

// Intent: a service whose reload restarts it runs under devenv's supervisor and still behaves
// as its own command: its output is the container's log, a reload restarts the process inside
// the same container (a command that ignores the stop signal is killed after its grace period),
// a stop reaches the command (which exits 0, not killed after the engine's timeout), and a
// command that exits by itself ends the container with its exit code.
func TestSupervisedServiceBehavesAsItsCommand(t *testing.T) {
	e := NewEnv(t)
	e.composeStack(supervised, "app", "stubborn", "crash")
	e.up()
	ps := e.ps()
	logs := func(id string) string {
		out, err := e.Engine.Logs(e.Context(time.Minute), id, 0)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// logsSay waits until the container's log holds n lines of want.
	logsSay := func(svc, want string, n int) {
		t.Helper()
		e.Eventually(ps[svc].ID, 30*time.Second, 20*time.Millisecond, func(context.Context) error {
			if got := strings.Count(logs(ps[svc].ID), want+"\n"); got != n {
				return fmt.Errorf("%s logged %q %d times, want %d:\n%s", svc, want, got, n, logs(ps[svc].ID))
			}
			return nil
		})
	}
	logsSay("app", "started", 1)
	logsSay("stubborn", "started", 1)
	appStarted, stubbornStarted := startedAt(t, e, ps["app"].ID), startedAt(t, e, ps["stubborn"].ID)

	w := e.startDevenv("watch", "--json")
	_, next := w.wait(30*time.Second, 0, "watching", func(ev jsonEvent) bool { return ev.Event == "watching" })
	writeFile(t, filepath.Join(e.Dir, "app", "x"), "1")
	_, next = w.wait(30*time.Second, next, "app's restart", reloaded("app", "restart"))
	logsSay("app", "stopping", 1)
	logsSay("app", "started", 2)
	writeFile(t, filepath.Join(e.Dir, "stubborn", "x"), "1")
	ev, _ := w.wait(30*time.Second, next, "stubborn's restart", reloaded("stubborn", "restart"))
	t.Logf("restart of a command that ignores SIGTERM (1s grace): %d ms", ev.DurationMS)
	logsSay("stubborn", "started", 2)
	w.stop()
	if again := startedAt(t, e, ps["app"].ID); !again.Equal(appStarted) {
		t.Errorf("app's container was restarted (started %s, then %s), not its process", appStarted, again)
	}
	if again := startedAt(t, e, ps["stubborn"].ID); !again.Equal(stubbornStarted) {
		t.Errorf("stubborn's container was restarted (started %s, then %s), not its process", stubbornStarted, again)
	}
	for _, s := range []string{"app", "stubborn"} {
		if strings.Contains(logs(ps[s].ID), "devenv supervise") {
			t.Errorf("the supervisor complained in %s's log:\n%s", s, logs(ps[s].ID))
		}
	}

	// A stop: SIGTERM reaches the command through PID 1; a supervisor that kept it would have
	// the engine kill the container after the timeout instead, exit code 137.
	ctx := e.Context(time.Minute)
	if err := e.Engine.StopContainer(ctx, ps["app"].ID, grace(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	if rt, err := e.Engine.InspectContainer(ctx, ps["app"].ID); err != nil || rt.State != "exited" || rt.ExitCode != 0 {
		t.Errorf("stopped app: %+v, %v; want exited 0, as its TERM trap exits", rt, err)
	}
	logsSay("app", "stopping", 2)

	// A command that exits by itself ends its container with its code.
	writeFile(t, filepath.Join(e.Dir, "compose.yaml"), supervised+`  crash:
    image: node:20
    command: ["sh", "-c", "sleep 3; echo crashing; exit 7"]
    develop:
      watch:
        - path: ./crash
          action: restart
`)
	r := e.Devenv(e.stackEnv(), "up", "-d", "crash")
	id := e.ps()["crash"].ID
	e.Eventually(id, time.Minute, 50*time.Millisecond, func(ctx context.Context) error {
		rt, err := e.Engine.InspectContainer(ctx, id)
		if err != nil || rt.State != "exited" || rt.ExitCode != 7 {
			return fmt.Errorf("crash: %+v, %v; want exited 7 (up exited %d: %s)", rt, err, r.ExitCode, r.Stderr)
		}
		return nil
	})
}
