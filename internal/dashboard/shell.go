package dashboard

import (
	"context"
	"fmt"
	"io"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/terminal"
	"github.com/devenv/devenv/internal/tui"
	"github.com/muesli/cancelreader"
)

// Shell is `devenv shell SERVICE` with the dashboard suspended; it ends with ctx (the
// dashboard's) as well as with the shell.
func (d *Controller) Shell(ctx context.Context, service string) tui.ShellCommand {
	return &shellCommand{ctx: ctx, d: d, service: service}
}

// shellCommand runs a shell in a service's container on the user's terminal; the dashboard
// hands it the terminal (SetStdin/SetStdout) and takes it back when Run returns. It keeps the
// dashboard's context because tea.ExecCommand's Run takes none.
type shellCommand struct {
	ctx      context.Context
	d        *Controller
	service  string
	in       io.Reader
	out, err io.Writer
}

func (s *shellCommand) SetStdin(r io.Reader)  { s.in = r }
func (s *shellCommand) SetStdout(w io.Writer) { s.out = w }
func (s *shellCommand) SetStderr(w io.Writer) { s.err = w }

func (s *shellCommand) Run() error {
	ctx := s.ctx
	c, err := s.d.serviceContainer(ctx, s.service)
	if err != nil {
		return err
	}
	// An image without a shell (FROM scratch) would flash the runtime's error and return: say so
	// in the dashboard instead.
	if r, err := s.d.e.Exec(ctx, c.ID, []string{"/bin/sh", "-c", "exit 0"}); err != nil || r.ExitCode != 0 {
		return fmt.Errorf("%s's image has no shell (/bin/sh): nothing to open", s.service)
	}
	fmt.Fprintf(s.out, "devenv: shell in %s (%s); exit returns to the dashboard\r\n", s.service, c.Name)
	// The exec copies stdin until told to stop: a plain read would outlive the shell and
	// swallow the first key pressed back in the dashboard.
	stdin, err := cancelreader.NewReader(s.in)
	if err != nil {
		return fmt.Errorf("read the terminal: %w", err)
	}
	defer stdin.Cancel()
	sess := engine.ExecSession{Cmd: terminal.ShellCommand(), Stdin: stdin, Stdout: s.out, Stderr: s.err}
	restore, err := terminal.Attach(ctx, s.in, &sess)
	if err != nil {
		return err
	}
	defer restore()
	_, err = s.d.e.ExecAttached(ctx, c.ID, sess)
	return err
}
