//go:build !linux

package supervise

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"
)

// Options are a supervisor's command and how to stop it.
type Options struct {
	Argv       []string
	Socket     string
	StopSignal syscall.Signal
	Log        io.Writer
}

var errLinuxOnly = errors.New("devenv supervise runs inside Linux containers only")

// Run refuses: the supervisor is PID 1 of a Linux container, never a process of this system.
func Run(_ context.Context, opts Options) int {
	fmt.Fprintln(opts.Log, errLinuxOnly)
	return 127
}

// Restart refuses, as Run does.
func Restart(string, time.Duration) (int, error) { return 0, errLinuxOnly }

// ParseSignal refuses, as Run does.
func ParseSignal(string) (syscall.Signal, error) { return 0, errLinuxOnly }
