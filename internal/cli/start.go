package cli

import (
	"context"

	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/spf13/cobra"
)

// StartOptions holds what `devenv start` needs.
type StartOptions struct {
	Services []string
}

// NewCmdStart builds `devenv start`.
func NewCmdStart(f *factory, runF func(context.Context, *StartOptions) error) *cobra.Command {
	opts := &StartOptions{}
	cmd := &cobra.Command{
		Use:   "start [SERVICE...]",
		Short: "Start the services' stopped containers (all by default); devenv up creates what is missing",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runStart(cmd.Context(), f, opts)
		},
	}
	return cmd
}

func runStart(ctx context.Context, f *factory, opts *StartOptions) error {
	p, o, err := f.ProjectOrchestrator(ctx, false)
	if err != nil {
		return err
	}
	return usageIfUnknown(o.Start(ctx, p, orchestrator.StartOptions{Services: opts.Services}))
}
