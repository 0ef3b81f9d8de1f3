package cli

import (
	"context"

	"github.com/spf13/cobra"
)

// PauseOptions holds what `devenv pause` and `devenv unpause` need.
type PauseOptions struct {
	Services []string
	Unpause  bool
}

// NewCmdPause builds `devenv pause`.
func NewCmdPause(f *factory, runF func(context.Context, *PauseOptions) error) *cobra.Command {
	return newCmdPause(f, runF, false, "pause [SERVICE...]", "Freeze the services' processes (all by default); devenv unpause thaws them")
}

// NewCmdUnpause builds `devenv unpause`.
func NewCmdUnpause(f *factory, runF func(context.Context, *PauseOptions) error) *cobra.Command {
	return newCmdPause(f, runF, true, "unpause [SERVICE...]", "Thaw the services' paused processes (all by default)")
}

func newCmdPause(f *factory, runF func(context.Context, *PauseOptions) error, unpause bool, use, short string) *cobra.Command {
	opts := &PauseOptions{Unpause: unpause}
	return &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPause(cmd.Context(), f, opts)
		},
	}
}

func runPause(ctx context.Context, f *factory, opts *PauseOptions) error {
	p, o, err := f.ProjectOrchestrator(ctx, false)
	if err != nil {
		return err
	}
	if opts.Unpause {
		return usageIfUnknown(o.Unpause(ctx, p, opts.Services))
	}
	return usageIfUnknown(o.Pause(ctx, p, opts.Services))
}
