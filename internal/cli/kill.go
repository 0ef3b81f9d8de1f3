package cli

import (
	"context"

	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/spf13/cobra"
)

// KillOptions holds what `devenv kill` needs.
type KillOptions struct {
	Services []string
	Signal   string
}

// NewCmdKill builds `devenv kill`.
func NewCmdKill(f *factory, runF func(context.Context, *KillOptions) error) *cobra.Command {
	opts := &KillOptions{}
	cmd := &cobra.Command{
		Use:   "kill [SERVICE...]",
		Short: "Send a signal (SIGKILL by default) to the services' running containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runKill(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Signal, "signal", "s", "SIGKILL", "the signal to send, e.g. SIGHUP or 1")
	return cmd
}

func runKill(ctx context.Context, f *factory, opts *KillOptions) error {
	p, o, err := f.ProjectOrchestrator(ctx, false)
	if err != nil {
		return err
	}
	return usageIfUnknown(o.Kill(ctx, p, orchestrator.KillOptions{Services: opts.Services, Signal: opts.Signal}))
}
