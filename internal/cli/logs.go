package cli

import (
	"bufio"
	"context"
	"errors"

	"github.com/devenv/devenv/internal/logs"
	"github.com/devenv/devenv/internal/render"
	"github.com/spf13/cobra"
)

// LogsOptions holds what `devenv logs` needs.
type LogsOptions struct {
	Services   []string
	Follow     bool
	Since      string
	Tail       int
	Timestamps bool
}

// NewCmdLogs builds `devenv logs`.
func NewCmdLogs(f *factory, runF func(context.Context, *LogsOptions) error) *cobra.Command {
	opts := &LogsOptions{}
	cmd := &cobra.Command{
		Use:   "logs [SERVICE...]",
		Short: "Show the services' logs, interleaved in time order with a prefix per service",
		Long: "logs prints the services' output merged in time order. With -f it then follows it until Ctrl-C,\n" +
			"through restarts and re-creations of the services (hot reload), from the last line shown.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLogs(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	// -f means --follow here, as in docker compose logs and tail; the global --file keeps its
	// long form. A local "file" flag stops cobra from merging the global one and its -f.
	fl.StringVar(&f.file, "file", "", "devenv.yaml (or compose file) to use; default: found in this directory or a parent")
	fl.BoolVarP(&opts.Follow, "follow", "f", false, "keep printing new lines until Ctrl-C, through restarts and re-creations")
	fl.StringVar(&opts.Since, "since", "", "only lines newer than this: a duration (10m) or a time (2026-11-24T10:00:00)")
	fl.IntVarP(&opts.Tail, "tail", "n", 0, "only the last N lines of each service (0: all)")
	fl.BoolVarP(&opts.Timestamps, "timestamps", "t", false, "show each line's time")
	return cmd
}

func runLogs(ctx context.Context, f *factory, opts *LogsOptions) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	e, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	sel := logs.Options{Services: opts.Services, Since: opts.Since, Tail: opts.Tail}
	out := bufio.NewWriter(f.streams.Out)
	defer out.Flush()
	color := f.colorOK(f.streams.Out)
	if !opts.Follow {
		lines, err := logs.Read(ctx, e, cfg.Name, sel)
		if err != nil {
			return usageIfNoContainer(err)
		}
		p := render.NewLogPrinter(out, servicesOf(lines, opts.Services), color, opts.Timestamps)
		for _, l := range lines {
			p.Print(l)
		}
		return nil
	}
	p := render.NewLogPrinter(f.streams.Out, opts.Services, color, opts.Timestamps)
	return usageIfNoContainer(logs.Follow(ctx, e, cfg.Name, sel, p.Print))
}

// usageIfNoContainer makes a service named without a container a usage error: the name is wrong
// or the service is not up.
func usageIfNoContainer(err error) error {
	var nc *logs.NoContainerError
	if errors.As(err, &nc) {
		return &usageError{err}
	}
	return err
}

// servicesOf names the services of lines, named ones first, for the printer's column and colours.
func servicesOf(lines []logs.Line, named []string) []string {
	seen := map[string]bool{}
	out := append([]string(nil), named...)
	for _, s := range named {
		seen[s] = true
	}
	for _, l := range lines {
		if !seen[l.Service] {
			seen[l.Service] = true
			out = append(out, l.Service)
		}
	}
	return out
}
