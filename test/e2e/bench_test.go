//go:build e2e

package e2e

// Benchmarks of whole-stack operations, run by `make bench` (go test -bench, -benchtime Nx).
// Each iteration is a real `devenv` run against the engine; the reported metrics are medians over
// the iterations, in seconds, next to the floor: the same containers started (or stopped) in
// parallel with no orchestration at all, readiness polled by real clients every 20 ms.

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/health"
)

func median(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2].Seconds()
}

// BenchmarkDependencies measures cold up (no containers, no volumes; images present) and down
// of MySQL, Redis and RabbitMQ against the floor: the same containers with no orchestration.
// The dependencies are where the floor is: RabbitMQ accepting AMQP is the slowest thing an up
// waits for.
func BenchmarkDependencies(b *testing.B) {
	e := NewEnv(b)
	writeFile(b, filepath.Join(e.Dir, "devenv.yaml"), "dependencies:\n  mysql: {}\n  redis: {}\n  rabbitmq: {}\n")
	var cold, down []time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		e.up()
		cold = append(cold, time.Since(start))
		start = time.Now()
		e.devenvOK("down", "--volumes")
		down = append(down, time.Since(start))
	}
	floorUp, floorDown := dependencyFloor(b, e, b.N)
	b.ReportMetric(median(cold), "cold-up-s")
	b.ReportMetric(median(down), "down-s")
	b.ReportMetric(median(floorUp), "floor-up-s")
	b.ReportMetric(median(floorDown), "floor-down-s")
	b.ReportMetric(median(cold)/median(floorUp), "cold/floor")
	b.ReportMetric(median(down)/median(floorDown), "down/floor")
	if err := exec.Command("docker", "compose", "version").Run(); err != nil {
		b.Logf("docker compose is not installed here: no side-by-side ratio")
	}
}

// BenchmarkExampleStack measures the bundled example (frontend, backend, worker and the three
// dependencies; images built once beforehand): cold up to every service healthy, warm up with
// nothing changed, and down.
func BenchmarkExampleStack(b *testing.B) {
	e := NewEnv(b)
	exampleStack(b, e, "")
	e.up() // builds the three images: the benchmark is about orchestration, not compilers
	e.devenvOK("down", "--volumes")
	var cold, warm, down []time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		e.up()
		cold = append(cold, time.Since(start))
		start = time.Now()
		e.up()
		warm = append(warm, time.Since(start))
		start = time.Now()
		e.devenvOK("down", "--volumes")
		down = append(down, time.Since(start))
	}
	b.ReportMetric(median(cold), "cold-up-s")
	b.ReportMetric(median(warm), "warm-up-s")
	b.ReportMetric(median(down), "down-s")
}

// BenchmarkPs measures `devenv ps` on a running stack.
func BenchmarkPs(b *testing.B) {
	e := NewEnv(b)
	writeFile(b, filepath.Join(e.Dir, "devenv.yaml"), "dependencies:\n  redis: {}\n  mysql: {}\n")
	e.up()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.devenvOK("ps")
	}
}

// dependencyFloor starts the three dependencies with no orchestration: network, then all
// containers at once, then each polled with a real client every 20 ms until all are ready; then
// stops them all at once.
func dependencyFloor(b *testing.B, e *Env, n int) (ups, downs []time.Duration) {
	ctx := context.Background()
	mirror := shared.registry + "/library/"
	for i := 0; i < n; i++ {
		start := time.Now()
		net := e.Network(fmt.Sprintf("floor%d", i))
		specs := []engine.ContainerSpec{
			{Name: fmt.Sprintf("%s-floor%d-mysql", e.Project, i), Image: mirror + "mysql:8.4", Hostname: "mysql", Network: net, Aliases: []string{"mysql"},
				Env:   []string{"MYSQL_ROOT_PASSWORD=root", "MYSQL_DATABASE=app", "MYSQL_USER=app", "MYSQL_PASSWORD=app"},
				Ports: []engine.PortSpec{{ContainerPort: 3306}}, Labels: e.Labels("floor")},
			{Name: fmt.Sprintf("%s-floor%d-redis", e.Project, i), Image: mirror + "redis:7", Network: net, Aliases: []string{"redis"},
				Ports: []engine.PortSpec{{ContainerPort: 6379}}, Labels: e.Labels("floor")},
			{Name: fmt.Sprintf("%s-floor%d-rabbitmq", e.Project, i), Image: mirror + "rabbitmq:3-management", Hostname: "rabbitmq", Network: net, Aliases: []string{"rabbitmq"},
				Env: []string{"RABBITMQ_DEFAULT_USER=app", "RABBITMQ_DEFAULT_PASS=app"}, Ports: []engine.PortSpec{{ContainerPort: 5672}}, Labels: e.Labels("floor")},
		}
		ids := make([]string, len(specs))
		var wg sync.WaitGroup
		for j, s := range specs {
			wg.Go(func() {
				id, err := e.Engine.RunContainer(ctx, s)
				if err != nil {
					b.Error(err)
				}
				ids[j] = id
			})
		}
		wg.Wait()
		port := func(id string, p uint16) string {
			st, err := e.Engine.InspectContainer(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			return fmt.Sprintf("127.0.0.1:%d", st.Ports[p])
		}
		probes := []health.Probe{
			health.MySQL(port(ids[0], 3306), "app", "app", "app"),
			health.Redis(port(ids[1], 6379)),
			health.AMQP("amqp://app:app@" + port(ids[2], 5672) + "/"),
		}
		for _, p := range probes {
			wg.Go(func() {
				pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
				defer cancel()
				if _, err := health.Wait(pctx, health.RealClock{}, p, 20*time.Millisecond, 2*time.Second, nil); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		ups = append(ups, time.Since(start))
		start = time.Now()
		for _, id := range ids {
			wg.Go(func() {
				_ = e.Engine.StopContainer(ctx, id, grace(10*time.Second))
				_ = e.Engine.RemoveContainer(ctx, id)
			})
		}
		wg.Wait()
		downs = append(downs, time.Since(start))
	}
	return ups, downs
}

// devenvOK runs devenv with the test's environment and fails on a non-zero exit.
func (e *Env) devenvOK(args ...string) Result {
	e.t.Helper()
	r := e.Devenv(e.stackEnv(), args...)
	if r.ExitCode != 0 {
		e.t.Fatalf("devenv %s exited %d\n%s", strings.Join(args, " "), r.ExitCode, r.Stderr)
	}
	return r
}
