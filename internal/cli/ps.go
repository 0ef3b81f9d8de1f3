package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/devenv/devenv/internal/render"
	"github.com/spf13/cobra"
)

// PsOptions holds what `devenv ps` needs.
type PsOptions struct {
	JSON bool
}

// NewCmdPs builds `devenv ps`.
func NewCmdPs(f *factory, runF func(context.Context, *PsOptions) error) *cobra.Command {
	opts := &PsOptions{}
	cmd := &cobra.Command{
		Use:   "ps",
		Short: "List the stack's containers with their state, health and published ports",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPs(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

func runPs(ctx context.Context, f *factory, opts *PsOptions) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	o, err := f.Orchestrator(ctx, nil)
	if err != nil {
		return err
	}
	cs, err := o.Containers(ctx, cfg.Name)
	if err != nil {
		return err
	}
	rows := render.PsRows(cs)
	if opts.JSON {
		enc := json.NewEncoder(f.streams.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(rows) == 0 {
		fmt.Fprintf(f.streams.ErrOut, "project %s has no containers (devenv up starts it)\n", cfg.Name)
		return nil
	}
	tw := tabwriter.NewWriter(f.streams.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSTATE\tHEALTH\tPORTS\tCONTAINER")
	for _, r := range rows {
		state := r.State
		if r.ExitCode != nil {
			state = fmt.Sprintf("exited (%d)", *r.ExitCode)
		}
		health := r.Health
		if health == "" {
			health = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Service, state, health, strings.Join(r.Ports, ", "), r.Name)
	}
	return tw.Flush()
}
