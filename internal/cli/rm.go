package cli

import (
	"context"
	"time"

	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/spf13/cobra"
)

// RmOptions holds what `devenv rm` needs.
type RmOptions struct {
	Services []string
	Stop     bool
	Grace    *time.Duration
}

// NewCmdRm builds `devenv rm`.
func NewCmdRm(f *factory, runF func(context.Context, *RmOptions) error) *cobra.Command {
	opts := &RmOptions{}
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "rm [SERVICE...]",
		Short: "Remove the services' stopped containers (all by default); named volumes, which hold data, stay",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			opts.Grace = durationFlag(cmd, "timeout", timeout)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRm(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Stop, "stop", "s", false, "stop running containers first (otherwise they are left alone)")
	addGraceFlag(cmd, &timeout)
	return cmd
}

func runRm(ctx context.Context, f *factory, opts *RmOptions) error {
	p, o, err := f.ProjectOrchestrator(ctx, false)
	if err != nil {
		return err
	}
	return usageIfUnknown(o.Remove(ctx, p, orchestrator.RemoveOptions{Services: opts.Services, Stop: opts.Stop, Grace: opts.Grace}))
}
