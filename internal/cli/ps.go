package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/devenv/devenv/internal/engine"
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

// psRow is one container in `devenv ps --json`; its field names are a stable interface.
type psRow struct {
	Service  string   `json:"service"`
	Name     string   `json:"name"`
	ID       string   `json:"id"`
	Image    string   `json:"image"`
	State    string   `json:"state"`
	Health   string   `json:"health,omitempty"`
	ExitCode *int     `json:"exit_code,omitempty"`
	Status   string   `json:"status"`
	Ports    []string `json:"ports"`
}

func runPs(ctx context.Context, f *factory, opts *PsOptions) error {
	cfg, _, cs, err := f.ProjectContainers(ctx)
	if err != nil {
		return err
	}
	rows := psRows(cs)
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

// psRows are cs as `devenv ps --json` lists them.
func psRows(cs []engine.Container) []psRow {
	rows := make([]psRow, 0, len(cs))
	for _, c := range cs {
		r := psRow{Service: c.Service, Name: c.Name, ID: c.ID, Image: c.Image, State: c.State, Health: c.Health, Status: c.Status, Ports: portStrings(c.Ports)}
		if c.State == "exited" {
			code := c.ExitCode
			r.ExitCode = &code
		}
		rows = append(rows, r)
	}
	return rows
}

func portStrings(ps []engine.PublishedPort) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s:%d->%d/%s", p.HostIP, p.HostPort, p.ContainerPort, p.Protocol))
	}
	return out
}
