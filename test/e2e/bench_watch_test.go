//go:build e2e

package e2e

// Hot reload benchmarks: save-to-new-response latency, median and p95 of 20 edits, for a
// synced file, for sync+restart and for the backend template's restart, each next to the
// floor: a bare restart of the same container through the Engine API, timed to the same new
// response. Each run of a benchmark function measures 20 edits (b.N only repeats the setup
// check go test makes), so the metrics are per edit.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
)

const benchEdits = 20

func percentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return float64(s[i].Microseconds()) / 1000
}

// servedAfter polls url every millisecond until its body contains want; how long it took since
// start. Each request gets 100 ms: one sent while the container stops can hang on the port
// proxy, and a browser's user would press reload too. Both sides of every comparison poll
// alike, from the moment of the change.
func servedAfter(b *testing.B, start time.Time, url, want string, within time.Duration) time.Duration {
	b.Helper()
	deadline := start.Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, body := httpGetCtx(ctx, url)
		cancel()
		if strings.Contains(body, want) {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			b.Fatalf("GET %s never said %q (last: %q)", url, want, body)
		}
		time.Sleep(time.Millisecond)
	}
}

func reportLatencies(b *testing.B, name string, ds []time.Duration) (p50 float64) {
	b.ReportMetric(percentile(ds, 0.5), name+"-p50-ms")
	b.ReportMetric(percentile(ds, 0.95), name+"-p95-ms")
	return percentile(ds, 0.5)
}

// composeInstalled reports whether docker compose is here to compare with (make bench
// installs it: scripts/compose.sh).
func composeInstalled(b *testing.B) bool {
	if out, err := exec.Command("docker", "compose", "version").CombinedOutput(); err != nil {
		b.Logf("docker compose is not installed here (%v: %s): no side-by-side numbers with `docker compose watch`; "+
			"scripts/compose.sh installs it", err, bytes.TrimSpace(out))
		return false
	}
	return true
}

// composeWatch runs `docker compose watch` on the fileServer stack in dir as a project of its
// own, labelled for the test's cleanup, and returns the base URL it serves on. Compose
// publishes on a fixed port: one the engine picks moves on every restart.
func composeWatch(b *testing.B, e *Env) (base string, stop func()) {
	project := e.Project + "-compose"
	e.cleanupProject(project)
	port := freeLowPort(b)
	file := filepath.Join(e.Dir, "compose.compose.yaml")
	spec := strings.Replace(fileServer, `ports: ["8000"]`, fmt.Sprintf(`ports: ["127.0.0.1:%d:8000"]
    labels: {%s: %s}`, port, engine.LabelProject, project), 1)
	spec = strings.Replace(spec, "image: node:20", "image: "+e.MirrorImage("node:20"), 1)
	spec += fmt.Sprintf("networks:\n  default:\n    labels: {%s: %s}\n", engine.LabelProject, project)
	writeFile(b, file, spec)
	compose := func(args ...string) *exec.Cmd {
		cmd := exec.Command("docker", append([]string{"compose", "-p", project, "-f", file}, args...)...)
		cmd.Dir = e.Dir
		return cmd
	}
	if out, err := compose("up", "-d", "--wait").CombinedOutput(); err != nil {
		b.Fatalf("docker compose up: %v\n%s", err, out)
	}
	var logs syncBuffer
	watch := compose("watch", "--no-up")
	watch.Stdout, watch.Stderr = &logs, &logs
	if err := watch.Start(); err != nil {
		b.Fatal(err)
	}
	stop = func() {
		_ = watch.Process.Signal(os.Interrupt)
		_ = watch.Wait()
		if out, err := compose("down", "--timeout", "1").CombinedOutput(); err != nil {
			b.Errorf("docker compose down: %v\n%s", err, out)
		}
	}
	base = fmt.Sprintf("http://127.0.0.1:%d", port)
	// Watching once a synced file arrives: compose says so only in its own words. Each try
	// waits out its debounce (500 ms) and copy; one written before it watched is never synced.
	for try := 0; ; try++ {
		want := fmt.Sprintf("compose watches %d", try)
		writeFile(b, filepath.Join(e.Dir, "public", "ready.txt"), want)
		var body string
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && body != want; time.Sleep(20 * time.Millisecond) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, body = httpGetCtx(ctx, base+"/ready.txt")
			cancel()
		}
		if body == want {
			break
		}
		if try == 20 {
			stop()
			b.Fatalf("docker compose watch never synced public/ready.txt (GET %s/ready.txt: %q):\n%s", base, body, logs.String())
		}
	}
	return base, stop
}

// freeLowPort is a port below Linux's ephemeral range that nothing listens on now.
func freeLowPort(b *testing.B) int {
	for port := 20000 + os.Getpid()%5000; port < 32768; port += 7 {
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			ln.Close()
			return port
		}
	}
	b.Fatal("no free port below 32768")
	return 0
}

// editAndServe makes n edits of file, each served at url once in effect, with a pause after
// each so the next edit is not absorbed by the reload of this one.
func editAndServe(b *testing.B, n int, file, url, label string, within, pause time.Duration) []time.Duration {
	var ds []time.Duration
	for i := range n {
		want := fmt.Sprintf("%s %d", label, i)
		start := time.Now()
		writeFile(b, file, want)
		ds = append(ds, servedAfter(b, start, url, want, within))
		time.Sleep(pause)
	}
	return ds
}

// BenchmarkWatchSync measures the fileServer stack (no bind mount): a synced file (save → served
// from the container's file system), and sync+restart (save → the restarted server answers with
// the new content) against a bare restart of the same container.
func BenchmarkWatchSync(b *testing.B) {
	e := NewEnv(b)
	e.composeStack(fileServer, "public", "conf", "hooks")
	e.up()
	row := e.ps()["files"]
	base := "http://127.0.0.1:" + row.hostPort(b, 8000)
	w := e.startDevenv("watch", "--json")
	w.wait(30*time.Second, 0, "watching", func(ev jsonEvent) bool { return ev.Event == "watching" })

	synced := editAndServe(b, benchEdits, filepath.Join(e.Dir, "public", "bench.txt"), base+"/bench.txt", "edit of the synced file", 10*time.Second, 0)
	// The next edit only after the reload is reported: its restart must not absorb this one.
	syncRestart := editAndServe(b, benchEdits, filepath.Join(e.Dir, "conf", "greeting"), base+"/greeting", "greeting", 30*time.Second, 200*time.Millisecond)
	w.stop()
	// The floor: the new greeting put in place beforehand, then a bare restart of the
	// container, polled from the moment it is asked for, and polled only once it returned.
	ctx := context.Background()
	src := filepath.Join(e.Dir, "bare-greeting")
	var bare, bareThenPoll []time.Duration
	for i := range 2 * benchEdits {
		want := fmt.Sprintf("bare greeting %d", i)
		writeFile(b, src, want)
		if err := e.Engine.CopyToContainer(ctx, row.ID, []engine.CopyFile{{Host: src, Container: "/srv/conf/greeting"}}); err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			bare = append(bare, bareRestart(b, e, row.ID, base+"/greeting", want))
		} else {
			bareThenPoll = append(bareThenPoll, bareRestartThenPoll(b, e, row.ID, base+"/greeting", want))
		}
	}
	reportLatencies(b, "sync", synced)
	sr := reportLatencies(b, "sync+restart", syncRestart)
	reportLatencies(b, "bare-restart", bare)
	floor := reportLatencies(b, "bare-restart-then-poll", bareThenPoll)
	b.ReportMetric(sr-floor, "sync+restart-over-bare-ms")
	if !composeInstalled(b) {
		return
	}
	// The same stack, the same edits, under `docker compose watch`.
	cbase, stop := composeWatch(b, e)
	defer stop()
	csynced := editAndServe(b, benchEdits, filepath.Join(e.Dir, "public", "bench.txt"), cbase+"/bench.txt", "compose edit of the synced file", 10*time.Second, 0)
	cSyncRestart := editAndServe(b, benchEdits, filepath.Join(e.Dir, "conf", "greeting"), cbase+"/greeting", "compose greeting", 30*time.Second, 200*time.Millisecond)
	cs := reportLatencies(b, "compose-sync", csynced)
	csr := reportLatencies(b, "compose-sync+restart", cSyncRestart)
	b.ReportMetric(percentile(synced, 0.5)/cs, "sync-vs-compose-x")
	b.ReportMetric(sr/csr, "sync+restart-vs-compose-x")
}

// BenchmarkWatchBackend measures the backend template's hot reload: a main.go edit → the new
// response (restart: the container compiles the bind-mounted source at start), against a bare
// restart of the same container after the same edit.
func BenchmarkWatchBackend(b *testing.B) {
	e := NewEnv(b)
	e.devenvOK("init", "--service", "api=backend")
	e.up()
	row := e.ps()["api"]
	url := "http://127.0.0.1:" + row.hostPort(b, 8080) + "/"
	mainGo := filepath.Join(e.Dir, "api", "main.go")
	src, err := os.ReadFile(mainGo)
	if err != nil {
		b.Fatal(err)
	}
	edit := func(i int, who string) string {
		want := fmt.Sprintf("hello from %s edit %d", who, i)
		writeFile(b, mainGo, strings.Replace(string(src), "hello from the devenv backend template", want, 1))
		return want
	}
	w := e.startDevenv("watch", "--json")
	w.wait(30*time.Second, 0, "watching", func(ev jsonEvent) bool { return ev.Event == "watching" })
	var restart, bare []time.Duration
	for i := range benchEdits {
		start := time.Now()
		want := edit(i, "watch")
		restart = append(restart, servedAfter(b, start, url, want, 2*time.Minute))
		time.Sleep(200 * time.Millisecond)
	}
	w.stop()
	for i := range benchEdits {
		bare = append(bare, bareRestart(b, e, row.ID, url, edit(i, "bare")))
	}
	r := reportLatencies(b, "restart", restart)
	floor := reportLatencies(b, "bare-restart", bare)
	b.ReportMetric(r-floor, "restart-over-bare-ms")
	// No compose numbers here: compose would build the template's image its own way, and the
	// restart it does is the container's, which bare-restart measures.
}

// bareRestartThenPoll is `docker restart` followed by a reload in the browser: the first
// request only once the restart returned, so none meets the container on its way down.
func bareRestartThenPoll(b *testing.B, e *Env, id, url, want string) time.Duration {
	b.Helper()
	start := time.Now()
	if err := e.Engine.RestartContainer(context.Background(), id, grace(10*time.Second)); err != nil {
		b.Fatal(err)
	}
	return servedAfter(b, start, url, want, 2*time.Minute)
}

// bareRestart is the floor: a restart through the Engine API, polled from the moment it is
// asked for, as a save is.
func bareRestart(b *testing.B, e *Env, id, url, want string) time.Duration {
	b.Helper()
	start := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- e.Engine.RestartContainer(context.Background(), id, grace(10*time.Second)) }()
	took := servedAfter(b, start, url, want, 2*time.Minute)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	return took
}
