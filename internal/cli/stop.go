package cli

import (
	"context"
	"time"

	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/spf13/cobra"
)

// StopOptions holds what `devenv stop` needs.
type StopOptions struct {
	Services []string
	Grace    *time.Duration // nil: each service's stop_grace_period, else 10 s
}

// NewCmdStop builds `devenv stop`.
func NewCmdStop(f *factory, runF func(context.Context, *StopOptions) error) *cobra.Command {
	opts := &StopOptions{}
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "stop [SERVICE...]",
		Short: "Stop the services (all by default), keeping their containers; devenv start starts them again",
		Long: "stop stops the named services' containers, the services that depend on others first, each with its\n" +
			"stop signal (stop_signal) and its time to stop before it is killed (stop_grace_period, else 10 s).",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			opts.Grace = durationFlag(cmd, "timeout", timeout)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runStop(cmd.Context(), f, opts)
		},
	}
	addGraceFlag(cmd, &timeout)
	return cmd
}

func runStop(ctx context.Context, f *factory, opts *StopOptions) error {
	p, o, err := f.ProjectOrchestrator(ctx, false)
	if err != nil {
		return err
	}
	return usageIfUnknown(o.Stop(ctx, p, orchestrator.StopOptions{Services: opts.Services, Grace: opts.Grace}))
}

// addGraceFlag adds -t/--timeout, a stop's grace period; left out, each service's own applies.
func addGraceFlag(cmd *cobra.Command, d *time.Duration) {
	cmd.Flags().DurationVarP(d, "timeout", "t", 10*time.Second, "how long each container gets to stop before it is killed (default: the service's stop_grace_period, else 10s)")
}

// durationFlag is the flag's value when it was given, nil when it was not.
func durationFlag(cmd *cobra.Command, name string, d time.Duration) *time.Duration {
	if !cmd.Flags().Changed(name) {
		return nil
	}
	return &d
}
