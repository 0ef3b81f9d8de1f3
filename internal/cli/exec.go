package cli

import (
	"context"
	"fmt"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/terminal"
	"github.com/spf13/cobra"
)

// ExecOptions holds what `devenv exec` and `devenv shell` need.
type ExecOptions struct {
	Service string
	Cmd     []string
	User    string
	Workdir string
	Env     []string
	NoTTY   bool
}

// exitCodeError passes a command's own exit code through devenv's exit code, silently: the
// command already said what went wrong.
type exitCodeError struct{ code int }

func (e *exitCodeError) Error() string { return fmt.Sprintf("command exited with code %d", e.code) }

// NewCmdExec builds `devenv exec`.
func NewCmdExec(f *factory, runF func(context.Context, *ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{}
	cmd := &cobra.Command{
		Use:   "exec SERVICE -- COMMAND [ARG...]",
		Short: "Run a command in a service's running container; its exit code is devenv's",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return &usageError{fmt.Errorf("exec needs a service and a command, e.g. devenv exec api -- ls -la")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Service, opts.Cmd = args[0], args[1:]
			// With flags not interspersed, a `--` after SERVICE reaches us as an argument.
			if len(opts.Cmd) > 0 && opts.Cmd[0] == "--" {
				opts.Cmd = opts.Cmd[1:]
			}
			if len(opts.Cmd) == 0 {
				return &usageError{fmt.Errorf("exec needs a command after the service, e.g. devenv exec %s -- ls -la", opts.Service)}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runExec(cmd.Context(), f, opts)
		},
	}
	addExecFlags(cmd, opts)
	cmd.Flags().BoolVarP(&opts.NoTTY, "no-tty", "T", false, "do not allocate a terminal even when devenv runs in one")
	// Flags after SERVICE belong to the command: `devenv exec api ls -la` must not parse -la.
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// NewCmdShell builds `devenv shell`.
func NewCmdShell(f *factory, runF func(context.Context, *ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{}
	cmd := &cobra.Command{
		Use:   "shell SERVICE",
		Short: "Open an interactive shell (bash if the image has it, else sh) in a service's container",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("shell needs exactly one service, e.g. devenv shell api")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Service = args[0]
			opts.Cmd = terminal.ShellCommand()
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runExec(cmd.Context(), f, opts)
		},
	}
	addExecFlags(cmd, opts)
	return cmd
}

func addExecFlags(cmd *cobra.Command, opts *ExecOptions) {
	cmd.Flags().StringVarP(&opts.User, "user", "u", "", "run as this user (name or uid[:gid])")
	cmd.Flags().StringVarP(&opts.Workdir, "workdir", "w", "", "run in this directory inside the container")
	cmd.Flags().StringArrayVarP(&opts.Env, "env", "e", nil, "set an environment variable (KEY=VALUE, repeatable)")
}

func runExec(ctx context.Context, f *factory, opts *ExecOptions) error {
	p, o, err := f.ProjectOrchestrator(ctx, false)
	if err != nil {
		return err
	}
	s := engine.ExecSession{Cmd: opts.Cmd, Env: opts.Env, WorkingDir: opts.Workdir, User: opts.User,
		Stdin: f.streams.In, Stdout: f.streams.Out, Stderr: f.streams.ErrOut}
	if !opts.NoTTY && isTerminal(f.streams.Out) {
		restore, err := terminal.Attach(ctx, f.streams.In, &s)
		if err != nil {
			return err
		}
		defer restore()
	}
	code, err := o.Exec(ctx, p, opts.Service, s)
	if err != nil {
		return usageIfUnknown(err)
	}
	if code != 0 {
		return &exitCodeError{code: code}
	}
	return nil
}
