package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devenv/devenv/internal/supervise"
	"github.com/spf13/cobra"
)

// newCmdSupervise builds the hidden `devenv supervise`: the process supervisor a hot-reloaded
// service's container runs as its entrypoint, and the request that restarts its process (see
// internal/supervise). People never run it; it is in this binary because devenv copies itself
// into the container, which needs nothing else from the image.
func newCmdSupervise(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:    "supervise",
		Short:  "Supervise a service's process inside its container (devenv runs this, not people)",
		Hidden: true,
		Args:   noArgs,
	}
	var socket, stopSignal string
	run := &cobra.Command{
		Use:   "run [--socket NAME] [--stop-signal SIG] -- COMMAND [ARG...]",
		Short: "Run COMMAND as the container's supervised process",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sig, err := supervise.ParseSignal(stopSignal)
			if err != nil {
				return &usageError{err}
			}
			// Not cmd's context: main cancels that on SIGTERM, and here SIGTERM is the
			// service's to receive, forwarded, not the supervisor's to act on.
			code := supervise.Run(context.Background(), supervise.Options{Argv: args, Socket: socket, StopSignal: sig, Log: f.streams.ErrOut})
			if code != 0 {
				return &exitCodeError{code: code}
			}
			return nil
		},
	}
	run.Flags().StringVar(&socket, "socket", "", "abstract unix socket to take restart requests on")
	run.Flags().StringVar(&stopSignal, "stop-signal", "SIGTERM", "signal that asks COMMAND to stop on a restart")
	var grace time.Duration
	restart := &cobra.Command{
		Use:   "restart --socket NAME [--grace D]",
		Short: "Restart the supervised process and return once the new one runs",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if socket == "" {
				return &usageError{errors.New("supervise restart needs --socket")}
			}
			pid, err := supervise.Restart(socket, grace)
			if err != nil {
				return err
			}
			fmt.Fprintln(f.streams.Out, pid)
			return nil
		},
	}
	restart.Flags().StringVar(&socket, "socket", "", "the supervisor's socket")
	restart.Flags().DurationVar(&grace, "grace", 3*time.Second, "how long the process gets to stop before it is killed")
	cmd.AddCommand(run, restart)
	return cmd
}
