//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
)

// suite is what TestMain sets up once for every test in the package.
type suite struct {
	binary   string // the devenv binary under test
	registry string // the local pull-through mirror the offline images live in
	engine   *engine.Client
}

var shared suite // written once in TestMain, read-only afterwards

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	eng, err := engine.Connect(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\ne2e: these tests need a real engine: run `make engine` (or `make test`, which starts one)\n", err)
		return 1
	}
	defer eng.Close()
	dir, err := os.MkdirTemp("", "devenv-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "devenv")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/devenv")
	build.Dir = repoRoot()
	// Static, as make build makes it: devenv test's reaper runs this binary in a FROM scratch image.
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building devenv failed: %v\n%s", err, out)
		return 1
	}
	registry := os.Getenv("DEVENV_TEST_REGISTRY")
	if registry == "" {
		registry = "127.0.0.1:5000"
	}
	shared = suite{binary: bin, registry: registry, engine: eng}
	return m.Run()
}

// grace is a stop's grace period as the engine client takes it.
func grace(d time.Duration) *time.Duration { return &d }

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Env is one test's private world: a project name, a temp dir, and cleanup by label.
type Env struct {
	t       testing.TB
	Project string
	Dir     string
	Engine  *engine.Client
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// NewEnv gives t a unique project and removes everything labelled with it when t ends, whether
// the test passed, failed or panicked.
func NewEnv(t testing.TB) *Env {
	t.Helper()
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	name := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 30 {
		name = name[:30]
	}
	e := &Env{t: t, Project: "e2e-" + name + "-" + hex.EncodeToString(suffix), Dir: t.TempDir(), Engine: shared.engine}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := e.Engine.RemoveLabelled(ctx, e.Label()); err != nil {
			t.Errorf("cleanup of %s: %v", e.Project, err)
		}
		if _, err := e.Engine.RemoveImagesLabelled(ctx, e.Label()); err != nil {
			t.Errorf("cleanup of %s's images: %v", e.Project, err)
		}
	})
	return e
}

// Label is the label every resource of this test carries.
func (e *Env) Label() string { return engine.LabelProject + "=" + e.Project }

// Labels returns the label set for a resource of service svc.
func (e *Env) Labels(svc string) map[string]string {
	return map[string]string{engine.LabelProject: e.Project, engine.LabelService: svc}
}

// Context is a context bounded by the test's deadline (go test -timeout) and d.
func (e *Env) Context(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	if d, ok := e.t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			var cancel2 context.CancelFunc
			ctx, cancel2 = context.WithDeadline(ctx, dl.Add(-5*time.Second))
			e.t.Cleanup(cancel2)
		}
	}
	e.t.Cleanup(cancel)
	return ctx
}

// MirrorImage is ref as the local pull-through mirror serves it (mysql:8.4 →
// 127.0.0.1:5000/library/mysql:8.4). The test pulls it, which proves the registry serves it.
func (e *Env) MirrorImage(ref string) string {
	e.t.Helper()
	full := shared.registry + "/library/" + ref
	if err := e.Engine.PullImage(e.Context(5*time.Minute), full, nil); err != nil {
		e.t.Fatalf("image %s is not in the local registry: %v\n(run `make images`, which builds and pushes it)", full, err)
	}
	return full
}

// Network creates a labelled network for the test and returns its name.
func (e *Env) Network(name string) string {
	e.t.Helper()
	full := e.Project + "_" + name
	if _, err := e.Engine.CreateNetwork(e.Context(time.Minute), full, e.Labels("")); err != nil {
		e.t.Fatal(err)
	}
	return full
}

// Run starts a container for service svc, labelled for cleanup, and returns its ID.
func (e *Env) Run(svc string, spec engine.ContainerSpec) string {
	e.t.Helper()
	if spec.Name == "" {
		spec.Name = e.Project + "-" + svc
	}
	labels := e.Labels(svc)
	for k, v := range spec.Labels {
		labels[k] = v
	}
	spec.Labels = labels
	id, err := e.Engine.RunContainer(e.Context(time.Minute), spec)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// HostPort is the loopback port the engine published containerPort of container id on.
func (e *Env) HostPort(id string, containerPort uint16) uint16 {
	e.t.Helper()
	st, err := e.Engine.InspectContainer(e.Context(time.Minute), id)
	if err != nil {
		e.t.Fatal(err)
	}
	p, ok := st.Ports[containerPort]
	if !ok {
		e.t.Fatalf("container %.12s publishes no port for %d (ports: %v)", id, containerPort, st.Ports)
	}
	return p
}

// Eventually calls try every interval until it succeeds or within passes, and returns how long
// it took; on timeout the test fails with the last error and the container's log tail.
func (e *Env) Eventually(id string, within, interval time.Duration, try func(ctx context.Context) error) time.Duration {
	e.t.Helper()
	start := time.Now()
	deadline := start.Add(within)
	var last error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		last = try(ctx)
		cancel()
		if last == nil {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			logs, _ := e.Engine.Logs(e.Context(time.Minute), id, 40)
			e.t.Fatalf("not ready after %s: %v\nlast log lines of %.12s:\n%s", within, last, id, logs)
		}
		time.Sleep(interval)
	}
}

// Result is what a devenv run printed and returned.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// Devenv runs the binary under test in the test's dir with extra environment variables.
func (e *Env) Devenv(env []string, args ...string) Result {
	e.t.Helper()
	cmd := exec.CommandContext(e.Context(10*time.Minute), shared.binary, args...)
	cmd.Dir = e.Dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			e.t.Fatalf("devenv %s: %v", strings.Join(args, " "), err)
		}
		r.ExitCode = exitErr.ExitCode()
	}
	return r
}
