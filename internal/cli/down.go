package cli

import (
	"context"
	"time"

	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/spf13/cobra"
)

// DownOptions holds what `devenv down` needs.
type DownOptions struct {
	Volumes bool
	Grace   *time.Duration // nil: each service's stop_grace_period, else 10 s
	JSON    bool
}

// NewCmdDown builds `devenv down`.
func NewCmdDown(f *factory, runF func(context.Context, *DownOptions) error) *cobra.Command {
	opts := &DownOptions{}
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop and remove the stack's containers and network; volumes (database data) are kept",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Grace = durationFlag(cmd, "timeout", timeout)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDown(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Volumes, "volumes", "v", false, "also remove the project's named volumes: ALL DATABASE DATA of the project")
	addGraceFlag(cmd, &timeout)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "report progress as one JSON object per line on stdout")
	return cmd
}

func runDown(ctx context.Context, f *factory, opts *DownOptions) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	o, err := f.Orchestrator(ctx, f.progressSink(opts.JSON))
	if err != nil {
		return err
	}
	return o.Down(ctx, cfg.Name, orchestrator.DownOptions{Volumes: opts.Volumes, Grace: opts.Grace})
}
