package cli

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/spf13/cobra"
)

// RestartOptions holds what `devenv restart` needs.
type RestartOptions struct {
	Services []string
	Timeout  time.Duration
}

// NewCmdRestart builds `devenv restart`.
func NewCmdRestart(f *factory, runF func(context.Context, *RestartOptions) error) *cobra.Command {
	opts := &RestartOptions{}
	cmd := &cobra.Command{
		Use:   "restart [SERVICE...]",
		Short: "Restart the containers of the named services (all by default) without recreating them",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRestart(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().DurationVarP(&opts.Timeout, "timeout", "t", 10*time.Second, "how long each container gets to stop before it is killed")
	return cmd
}

func runRestart(ctx context.Context, f *factory, opts *RestartOptions) error {
	cfg, e, cs, err := f.ProjectContainers(ctx)
	if err != nil {
		return err
	}
	for _, s := range opts.Services {
		if !slices.ContainsFunc(cs, func(c engine.Container) bool { return c.Service == s }) {
			return &usageError{fmt.Errorf("project %s has no container for service %q (devenv ps lists them)", cfg.Name, s)}
		}
	}
	sink := f.progressSink(false)
	for _, c := range cs {
		if len(opts.Services) > 0 && !slices.Contains(opts.Services, c.Service) {
			continue
		}
		start := time.Now()
		if err := e.RestartContainer(ctx, c.ID, int(opts.Timeout/time.Second)); err != nil {
			return fmt.Errorf("restart %s: %w", c.Service, err)
		}
		sink.Emit(events.Event{Time: time.Now(), Service: c.Service, Kind: events.Started, Message: "restarted", Duration: time.Since(start)})
	}
	return nil
}
