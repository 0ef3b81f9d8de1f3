package cli

import (
	"context"
	"time"

	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/spf13/cobra"
)

// RestartOptions holds what `devenv restart` needs.
type RestartOptions struct {
	Services []string
	Grace    *time.Duration // nil: each service's stop_grace_period, else 10 s
}

// NewCmdRestart builds `devenv restart`.
func NewCmdRestart(f *factory, runF func(context.Context, *RestartOptions) error) *cobra.Command {
	opts := &RestartOptions{}
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "restart [SERVICE...]",
		Short: "Restart the services (all by default) without recreating them",
		Long: "restart restarts the named services, what they depend on first. A service whose hot reload runs\n" +
			"under devenv's supervisor has its process restarted, keeping its container, network and ports; any\n" +
			"other has its container restarted, with its stop signal and stop_grace_period. A stopped container\n" +
			"is started.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			opts.Grace = durationFlag(cmd, "timeout", timeout)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRestart(cmd.Context(), f, opts)
		},
	}
	addGraceFlag(cmd, &timeout)
	return cmd
}

func runRestart(ctx context.Context, f *factory, opts *RestartOptions) error {
	p, o, err := f.ProjectOrchestrator(ctx, false)
	if err != nil {
		return err
	}
	return usageIfUnknown(o.Restart(ctx, p, orchestrator.RestartOptions{Services: opts.Services, Grace: opts.Grace}))
}
