// Package cli is devenv's command-line surface: the cobra command tree, and the one place where
// errors become text and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/devenv/devenv/internal/orchestrator"
)

// Streams are the process's standard streams, passed in so commands are testable.
type Streams struct {
	In          io.Reader
	Out, ErrOut io.Writer
}

// BuildInfo identifies the binary; main fills it from link-time flags.
type BuildInfo struct {
	Version string // e.g. v0.3.1 or 0.3.1-4-gabc1234
	Commit  string
	Date    string
}

// Exit codes scripts and CI can branch on. Cancellation and timeouts follow the shell's
// conventions (130 for Ctrl-C, 124 for timeout(1)).
const (
	ExitOK       = 0
	ExitError    = 1
	ExitUsage    = 2
	ExitTimeout  = 124
	ExitCanceled = 130
)

// Main runs devenv with args (without the program name) and returns the process exit code.
func Main(ctx context.Context, args []string, streams Streams, build BuildInfo) int {
	f := newFactory(streams, build)
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	err := root.ExecuteContext(ctx)
	f.close()
	return report(streams.ErrOut, err)
}

// hinter is an error that knows how the user can fix it.
type hinter interface{ Hint() string }

// usageError marks mistakes in how devenv was called (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageIfUnknown makes a service name the project does not have a usage error (exit 2).
func usageIfUnknown(err error) error {
	var unknown *orchestrator.UnknownServiceError
	if errors.As(err, &unknown) {
		return &usageError{err}
	}
	return err
}

// report prints err the way every devenv command does and picks the exit code.
func report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	var exit *exitCodeError
	if errors.As(err, &exit) {
		return exit.code
	}
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "devenv: interrupted")
		return ExitCanceled
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(w, "devenv: timed out: %v\n", err)
		return ExitTimeout
	}
	fmt.Fprintf(w, "devenv: %v\n", err)
	var h hinter
	if errors.As(err, &h) && h.Hint() != "" {
		fmt.Fprintf(w, "  fix: %s\n", h.Hint())
	}
	var u *usageError
	if errors.As(err, &u) {
		fmt.Fprintln(w, "  run 'devenv --help' for usage")
		return ExitUsage
	}
	return ExitError
}
