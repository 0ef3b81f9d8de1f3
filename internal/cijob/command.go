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
	vars, err := j.Stack.HostEnv(ctx, j.Project)
	if err != nil {
		return -1, err
	}
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
