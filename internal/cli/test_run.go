package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/project"
	"github.com/devenv/devenv/internal/render"
	"golang.org/x/sync/errgroup"
)

// runCommand runs the test command where the options say and reports how it ended; its output
// goes to devenv's own stdout and stderr, and its tail into the JUnit report.
func (t *testRun) runCommand(ctx context.Context) *render.CommandResult {
	start := time.Now()
	tail := &tailBuffer{max: 64 << 10}
	stdout := io.MultiWriter(t.f.streams.Out, tail)
	stderr := io.MultiWriter(t.f.streams.ErrOut, tail)
	var code int
	var err error
	switch {
	case t.opts.Service == "":
		code, err = t.onHost(ctx, stdout, stderr)
	case t.opts.OneOff:
		code, err = t.oneOff(ctx, stdout, stderr)
	default:
		code, err = t.inService(ctx, stdout, stderr)
	}
	return &render.CommandResult{ExitCode: code, Err: err, Duration: time.Since(start), Output: tail.String()}
}

func (t *testRun) onHost(ctx context.Context, stdout, stderr io.Writer) (int, error) {
	env, names, err := t.hostEnv(ctx)
	if err != nil {
		return -1, err
	}
	t.info("", "exported "+strings.Join(names, ", "))
	dir, err := t.f.getwd()
	if err != nil {
		return -1, err
	}
	c := hostCommand(ctx, t.opts.Cmd, t.f.environ(), env, dir)
	c.Stdin, c.Stdout, c.Stderr = t.f.streams.In, stdout, stderr
	err = c.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil // the shell's convention
		}
		return exit.ExitCode(), nil
	}
	return -1, fmt.Errorf("run %s: %w", t.opts.Cmd[0], err)
}

// hostEnv is what a command on the host needs to reach the stack, and the variables' names.
func (t *testRun) hostEnv(ctx context.Context) ([]string, []string, error) {
	cs, err := t.e.ProjectContainers(ctx, t.p.Name)
	if err != nil {
		return nil, nil, err
	}
	vars := hostVars(t.p.Name, cs, project.Dependencies(t.cfg))
	names := slices.Sorted(maps.Keys(vars))
	env := make([]string, 0, len(names))
	for _, k := range names {
		env = append(env, k+"="+vars[k])
	}
	return env, names, nil
}

// hostVars are, for each dependency, the connection settings its app containers get
// (DATABASE_URL, REDIS_URL, AMQP_URL, MYSQL_HOST...) pointed at the published loopback port;
// for every service <SERVICE>_URL (a dependency's connection URL, else http:// and its first
// published port) and <SERVICE>_PORT_<container port>; and DEVENV_PROJECT.
func hostVars(projectName string, cs []engine.Container, dependencies []project.Dependency) map[string]string {
	deps := map[string]project.Dependency{}
	for _, d := range dependencies {
		deps[d.Kind] = d
	}
	vars := map[string]string{"DEVENV_PROJECT": projectName}
	for _, c := range cs {
		if c.Labels[engine.LabelReaper] != "" || c.Labels[engine.LabelComposeOneoff] == "True" || c.State != "running" {
			continue
		}
		prefix := envName(c.Service)
		d, isDep := deps[c.Service]
		first := true
		for _, p := range c.Ports {
			if p.Protocol != "" && p.Protocol != "tcp" {
				continue
			}
			vars[fmt.Sprintf("%s_PORT_%d", prefix, p.ContainerPort)] = fmt.Sprint(p.HostPort)
			switch {
			case isDep && p.ContainerPort == d.ContainerPort:
				for k, v := range d.ConnectionEnv("127.0.0.1", p.HostPort) {
					vars[k] = v
				}
				vars[prefix+"_URL"] = d.HostURL("127.0.0.1", p.HostPort)
			case !isDep && first:
				vars[prefix+"_URL"] = fmt.Sprintf("http://127.0.0.1:%d", p.HostPort)
			}
			first = false
		}
	}
	return vars
}

// envName turns a service name into a variable prefix: web-app → WEB_APP.
func envName(service string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, service)
}

func (t *testRun) inService(ctx context.Context, stdout, stderr io.Writer) (int, error) {
	cs, err := t.e.ProjectContainers(ctx, t.p.Name)
	if err != nil {
		return -1, err
	}
	for _, c := range cs {
		if c.Service != t.opts.Service || c.Labels[engine.LabelComposeOneoff] == "True" {
			continue
		}
		if c.State != "running" {
			return -1, fmt.Errorf("service %s is %s, not running: the command cannot run in it (--one-off runs it in a new container)", c.Service, c.State)
		}
		return t.e.ExecAttached(ctx, c.ID, engine.ExecSession{Cmd: t.opts.Cmd, Stdout: stdout, Stderr: stderr})
	}
	return -1, fmt.Errorf("service %s has no container: the command cannot run in it", t.opts.Service)
}

// oneOff runs the command in a new container of the service, as `docker compose run` does:
// the service's image, environment, mounts and networks, the command in place of its own, no
// published ports (the service's own container holds them) and no restarts.
func (t *testRun) oneOff(ctx context.Context, stdout, stderr io.Writer) (int, error) {
	s := t.p.Services[t.opts.Service]
	s.Command = types.ShellCommand(t.opts.Cmd)
	s.Ports, s.Restart, s.ContainerName = nil, types.RestartPolicyNo, ""
	s.HealthCheck = &types.HealthCheckConfig{Disable: true}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	id, err := t.e.CreateServiceContainer(ctx, engine.ServiceContainer{
		Project: t.p, Service: s, Name: t.p.Name + "-" + s.Name + "-run-" + hex.EncodeToString(suffix),
		Labels: map[string]string{
			engine.LabelProject: t.p.Name, engine.LabelComposeProject: t.p.Name,
			engine.LabelService: s.Name, engine.LabelComposeService: s.Name, engine.LabelComposeOneoff: "True",
		},
	})
	if err != nil {
		return -1, err
	}
	defer func() { _ = t.e.RemoveContainer(context.WithoutCancel(ctx), id) }()
	if err := t.e.StartContainer(ctx, id); err != nil {
		return -1, fmt.Errorf("start the one-off container of %s: %w", s.Name, err)
	}
	var g errgroup.Group
	g.Go(func() error {
		return t.e.StreamLogs(ctx, id, engine.LogOptions{Follow: true}, stdout, stderr)
	})
	code, err := t.e.WaitContainer(ctx, id)
	logErr := g.Wait() // the stream ends when the container stops
	if err != nil {
		return -1, err
	}
	if logErr != nil {
		return int(code), logErr
	}
	return int(code), nil
}

// printFailedServices shows the last log lines of every service that failed, exited with an
// error or is unhealthy: the first thing to read when a CI job goes red.
func (t *testRun) printFailedServices(ctx context.Context, upErr error) {
	w := t.f.streams.ErrOut
	cs, err := t.e.ProjectContainers(ctx, t.p.Name)
	if err != nil {
		fmt.Fprintf(w, "devenv: list the project's containers: %v\n", err)
		return
	}
	var se *orchestrator.ServiceError
	errors.As(upErr, &se)
	shown := 0
	for _, c := range cs {
		if c.Labels[engine.LabelReaper] != "" {
			continue
		}
		named := se != nil && se.Service == c.Service
		bad := named || c.Health == "unhealthy" || c.State == "dead" || c.State == "restarting" ||
			c.State == "exited" && c.ExitCode != 0 || c.State == "created"
		if !bad || named && se.Logs != "" { // up's error shows its own log lines
			continue
		}
		state := c.State
		if c.Health != "" {
			state += ", " + c.Health
		}
		if c.State == "exited" {
			state = fmt.Sprintf("exited with code %d", c.ExitCode)
		}
		logs, err := t.e.Logs(ctx, c.ID, 40)
		if err != nil {
			logs = err.Error()
		}
		fmt.Fprintf(w, "==> %s (%s): last 40 log lines <==\n%s", c.Service, state, logs)
		if !strings.HasSuffix(logs, "\n") {
			fmt.Fprintln(w)
		}
		shown++
	}
	if shown == 0 && se == nil {
		fmt.Fprintf(w, "devenv test: no service failed or is unhealthy; every service's full log is in %s\n", t.artifacts)
	}
}

// writeArtifacts writes every container's full log (<service>.log, timestamped) and the
// `devenv ps --json` view of the project into the artifacts directory.
func (t *testRun) writeArtifacts(ctx context.Context) error {
	cs, err := t.e.ProjectContainers(ctx, t.p.Name)
	if err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	cs = slices.DeleteFunc(cs, func(c engine.Container) bool { return c.Labels[engine.LabelReaper] != "" })
	var errs []error
	for _, c := range cs {
		name := c.Service
		if c.Labels[engine.LabelComposeOneoff] == "True" || name == "" {
			name = c.Name
		}
		f, err := os.Create(filepath.Join(t.artifacts, name+".log"))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := t.e.StreamLogs(ctx, c.ID, engine.LogOptions{Timestamps: true}, f, f); err != nil {
			errs = append(errs, err)
		}
		if err := f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	data, err := json.MarshalIndent(psRows(cs), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(t.artifacts, "ps.json"), append(data, '\n'), 0o644); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	return nil
}

func (t *testRun) writeJUnit(upErr error, res *render.CommandResult) error {
	services := make([]string, 0, len(t.p.Services))
	for name := range t.p.Services {
		services = append(services, name)
	}
	sort.Strings(services)
	r := render.JUnitReport{Project: t.p.Name, Started: t.started, Services: services, Events: t.recorder.Events(),
		Command: res, CommandLine: commandLine(t.opts.Cmd)}
	var se *orchestrator.ServiceError
	switch {
	case errors.As(upErr, &se):
		r.UpFailure = &render.StepFailure{Service: se.Service, Step: se.Step, Message: se.Err.Error(), Logs: se.Logs}
	case upErr != nil:
		r.UpFailure = &render.StepFailure{Message: upErr.Error()}
	}
	if dir := filepath.Dir(t.opts.JUnit); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("junit report: %w", err)
		}
	}
	f, err := os.Create(t.opts.JUnit)
	if err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	if err := render.WriteJUnit(f, r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// tailBuffer keeps the last max bytes written to it; stdout and stderr write concurrently.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
