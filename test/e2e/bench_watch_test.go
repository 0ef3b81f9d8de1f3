//go:build e2e

package e2e

// Hot reload benchmarks: save-to-new-response latency, median and p95 of 20 edits, for a
// synced file, for sync+restart and for the backend template's restart, each next to the
// floor: a bare restart of the same container through the Engine API, timed to the same new
// response. Each run of a benchmark function measures 20 edits (b.N only repeats the setup
// check go test makes), so the metrics are per edit.

import (
	"context"
	"fmt"
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

// composeWatch reports whether docker compose is here to compare with.
func composeWatch(b *testing.B) bool {
	if err := exec.Command("docker", "compose", "version").Run(); err != nil {
		b.Logf("docker compose is not installed here: no side-by-side numbers with `docker compose watch`; "+
			"the floor (a bare restart through the Engine API) is measured instead (%v)", err)
		return false
	}
	return true
}

// BenchmarkWatchSync measures the fileServer stack (no bind mount): a synced file (save → served
// from the container's file system), and sync+restart (save → the restarted server answers with
// the new content) against a bare restart of the same container.
func BenchmarkWatchSync(b *testing.B) {
	e := NewEnv(b)
	writeFile(b, filepath.Join(e.Dir, "compose.yaml"), fileServer)
	for _, d := range []string{"public", "conf", "hooks"} {
		if err := os.MkdirAll(filepath.Join(e.Dir, d), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	e.up()
	row := e.ps()["files"]
	base := "http://127.0.0.1:" + row.hostPort(b, 8000)
	w := e.startDevenv("watch", "--json")
	w.wait(30*time.Second, 0, "watching", func(ev jsonEvent) bool { return ev.Event == "watching" })

	var synced, syncRestart, bare []time.Duration
	for i := range benchEdits {
		want := fmt.Sprintf("edit %d of the synced file", i)
		start := time.Now()
		writeFile(b, filepath.Join(e.Dir, "public", "bench.txt"), want)
		synced = append(synced, servedAfter(b, start, base+"/bench.txt", want, 10*time.Second))
	}
	for i := range benchEdits {
		want := fmt.Sprintf("greeting %d", i)
		start := time.Now()
		writeFile(b, filepath.Join(e.Dir, "conf", "greeting"), want)
		syncRestart = append(syncRestart, servedAfter(b, start, base+"/greeting", want, 30*time.Second))
		// The next edit only after the reload is reported: its restart must not absorb this one.
		time.Sleep(200 * time.Millisecond)
	}
	w.stop()
	// The floor: the new greeting put in place beforehand, then a bare restart.
	ctx := context.Background()
	src := filepath.Join(e.Dir, "bare-greeting")
	for i := range benchEdits {
		want := fmt.Sprintf("bare greeting %d", i)
		writeFile(b, src, want)
		if err := e.Engine.CopyToContainer(ctx, row.ID, []engine.CopyFile{{Host: src, Container: "/srv/conf/greeting"}}); err != nil {
			b.Fatal(err)
		}
		bare = append(bare, bareRestart(b, e, row.ID, base+"/greeting", want))
	}
	reportLatencies(b, "sync", synced)
	sr := reportLatencies(b, "sync+restart", syncRestart)
	floor := reportLatencies(b, "bare-restart", bare)
	b.ReportMetric(sr-floor, "sync+restart-over-bare-ms")
	composeWatch(b)
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
	composeWatch(b)
}

// bareRestart is the floor: a restart through the Engine API, polled from the moment it is
// asked for, as a save is.
func bareRestart(b *testing.B, e *Env, id, url, want string) time.Duration {
	b.Helper()
	start := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- e.Engine.RestartContainer(context.Background(), id, 10) }()
	took := servedAfter(b, start, url, want, 2*time.Minute)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	return took
}
