// Package terminal gives an exec session the user's terminal: raw mode, a TTY in the
// container, and the window size now and on every resize. `devenv exec`, `devenv shell` and the
// dashboard's shell key share it.
package terminal

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/devenv/devenv/internal/engine"
	"golang.org/x/term"
)

// ShellCommand opens bash where the image has it, else sh.
func ShellCommand() []string {
	return []string{"/bin/sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi"}
}

// Attach gives s the terminal in is, if it is one; restore undoes it (without a terminal it
// does nothing).
func Attach(ctx context.Context, in io.Reader, s *engine.ExecSession) (restore func(), err error) {
	file, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return func() {}, nil
	}
	fd := int(file.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return nil, fmt.Errorf("put the terminal in raw mode: %w", err)
	}
	s.TTY = true
	resize := make(chan [2]uint, 1)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	sendSize := func() {
		if w, h, err := term.GetSize(fd); err == nil {
			select {
			case resize <- [2]uint{uint(h), uint(w)}:
			default:
			}
		}
	}
	sendSize()
	stop := make(chan struct{})
	go func() { // ends with ctx or restore
		for {
			select {
			case <-ctx.Done():
				return
			case <-stop:
				return
			case <-winch:
				sendSize()
			}
		}
	}()
	s.Resize = resize
	return func() {
		signal.Stop(winch)
		close(stop)
		_ = term.Restore(fd, state)
	}, nil
}
