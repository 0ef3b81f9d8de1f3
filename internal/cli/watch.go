package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/spf13/cobra"
)

// WatchOptions holds what `devenv watch` needs.
type WatchOptions struct {
	Services []string
	Debounce time.Duration
	Timeout  time.Duration
	JSON     bool
}

// NewCmdWatch builds `devenv watch`; runF replaces the run step in tests.
func NewCmdWatch(f *factory, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{}
	cmd := &cobra.Command{
		Use:   "watch [SERVICE...]",
		Short: "Apply source edits to the running stack (hot reload) until Ctrl-C",
		Long: "watch attaches to a running stack and applies each service's develop.watch rules as files change:\n" +
			"sync copies them into the container, restart restarts it, rebuild builds the image and replaces that\n" +
			"one container, exec runs a command in it. Each reload is reported with its files, action and duration.\n" +
			"devenv up in the foreground watches already; this is for a stack started with up -d.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runWatch(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&opts.Debounce, "debounce", 0, "how long files must be quiet before a reload (default: devenv.yaml's watch.debounce, else 20ms)")
	fl.DurationVar(&opts.Timeout, "timeout", 2*time.Minute, "give up waiting for a reloaded service to be ready after this long")
	fl.BoolVar(&opts.JSON, "json", false, "report reloads as one JSON object per line on stdout")
	return cmd
}

func runWatch(ctx context.Context, f *factory, opts *WatchOptions) error {
	cfg, p, err := f.Project(ctx)
	if err != nil {
		return err
	}
	if err := knownServices(p, opts.Services); err != nil {
		return err
	}
	o, err := f.Orchestrator(ctx, f.progressSink(opts.JSON))
	if err != nil {
		return err
	}
	return o.Watch(ctx, p, watchOptions(cfg, opts.Services, opts.Debounce, opts.Timeout))
}

func knownServices(p *types.Project, names []string) error {
	for _, n := range names {
		if _, ok := p.Services[n]; !ok {
			return &usageError{fmt.Errorf("project %s has no service %q (devenv config lists them)", p.Name, n)}
		}
	}
	return nil
}

// watchOptions combines devenv.yaml's watch settings with the command line's.
func watchOptions(cfg *config.Config, services []string, debounce, timeout time.Duration) orchestrator.WatchOptions {
	quiet := debounce
	if quiet <= 0 {
		quiet = cfg.Watch.Quiet()
	}
	return orchestrator.WatchOptions{Services: slices.Clone(services), Quiet: quiet, Ignore: cfg.Watch.Ignore, Timeout: timeout}
}

// watchAlongside runs hot reload for `up` in the foreground, until ctx ends. A project with
// nothing to watch just has no hot reload; a watcher that stops (a kernel limit) is handed to
// stopped, which says why and how to fix it where the user looks (the log stream or the
// dashboard), and the rest goes on.
func watchAlongside(ctx context.Context, o *orchestrator.Orchestrator, cfg *config.Config, p *types.Project, opts *UpOptions, stopped func(error)) {
	err := o.Watch(ctx, p, watchOptions(cfg, opts.Services, opts.Debounce, opts.Timeout))
	var nothing *orchestrator.NothingToWatchError
	if err == nil || errors.As(err, &nothing) || ctx.Err() != nil {
		return
	}
	stopped(fmt.Errorf("hot reload stopped: %w", err))
}
