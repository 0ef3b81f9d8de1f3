package cijob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/project"
	"github.com/devenv/devenv/internal/render"
)

// runCommand runs the test command where the options say and reports how it ended; its output
// goes to the job's stdout and stderr, and its tail into the JUnit report.
func (j *Job) runCommand(ctx context.Context) *render.CommandResult {
	start := time.Now()
	tail := &tailBuffer{max: 64 << 10}
	stdout := io.MultiWriter(j.Stdout, tail)
	stderr := io.MultiWriter(j.Stderr, tail)
	var code int
	var err error
	switch {
	case j.Opts.Service == "":
		code, err = j.onHost(ctx, stdout, stderr)
	case j.Opts.OneOff:
		code, err = j.Stack.Run(ctx, j.Project, orchestrator.RunOptions{Service: j.Opts.Service, Command: j.Opts.Cmd, Stdout: stdout, Stderr: stderr})
	default:
		code, err = j.Stack.Exec(ctx, j.Project, j.Opts.Service, engine.ExecSession{Cmd: j.Opts.Cmd, Stdout: stdout, Stderr: stderr})
	}
	return &render.CommandResult{ExitCode: code, Err: err, Duration: time.Since(start), Output: tail.String()}
}

func (j *Job) onHost(ctx context.Context, stdout, stderr io.Writer) (int, error) {
	cs, err := j.Engine.ProjectContainers(ctx, j.Project.Name)
	if err != nil {
		return -1, err
	}
	vars := HostVars(j.Project.Name, cs, j.Dependencies)
	names := slices.Sorted(maps.Keys(vars))
	env := make([]string, 0, len(names))
	for _, k := range names {
		env = append(env, k+"="+vars[k])
	}
	j.info("exported " + strings.Join(names, ", "))
	c := hostCommand(ctx, j.Opts.Cmd, j.Environ, env, j.Dir)
	c.Stdin, c.Stdout, c.Stderr = j.Stdin, stdout, stderr
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
	return -1, fmt.Errorf("run %s: %w", j.Opts.Cmd[0], err)
}

// hostCommand builds the command to run on the host; its environment is devenv's plus env.
func hostCommand(ctx context.Context, argv []string, environ, env []string, dir string) *exec.Cmd {
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env = append(slices.Clone(environ), env...)
	c.Dir = dir
	// Cancelled (Ctrl-C, SIGTERM), the command gets SIGTERM and a moment to stop, as a CI
	// runner would give it, before it is killed.
	c.Cancel = func() error { return c.Process.Signal(syscall.SIGTERM) }
	c.WaitDelay = 10 * time.Second
	dieWithDevenv(c)
	return c
}

// HostVars are, for each dependency, the connection settings its app containers get
// (DATABASE_URL, REDIS_URL, AMQP_URL, MYSQL_HOST...) pointed at the published loopback port;
// for every service <SERVICE>_URL (a dependency's connection URL, else http:// and its first
// published port) and <SERVICE>_PORT_<container port>; and DEVENV_PROJECT.
func HostVars(projectName string, cs []engine.Container, dependencies []project.Dependency) map[string]string {
	deps := map[string]project.Dependency{}
	for _, d := range dependencies {
		deps[d.Kind] = d
	}
	vars := map[string]string{"DEVENV_PROJECT": projectName}
	for _, c := range cs {
		if !c.IsService() || c.State != engine.StateRunning {
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
				maps.Copy(vars, d.ConnectionEnv("127.0.0.1", p.HostPort))
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
