package cli

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/devenv/devenv/internal/reaper"
	"github.com/spf13/cobra"
)

// newCmdReaper builds the hidden `devenv reaper`: what the reaper container of a `devenv test`
// job runs (see internal/reaper). People never run it; it is in this binary so the reaper image
// is devenv itself and needs no registry.
func newCmdReaper(f *factory) *cobra.Command {
	var project, self, listen string
	var grace, first time.Duration
	cmd := &cobra.Command{
		Use:    "reaper --project NAME",
		Short:  "Remove a devenv test job's project once its devenv is gone (run inside the job's reaper container)",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if project == "" {
				return &usageError{errors.New("reaper needs --project")}
			}
			ctx := cmd.Context()
			e, err := f.Engine(ctx)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("reaper: %w", err)
			}
			s := &reaper.Server{Engine: e, Project: project, Grace: grace, FirstContact: first, Log: f.streams.ErrOut, Self: self}
			_, err = s.Serve(ctx, ln)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&project, "project", "", "the project to remove")
	fl.StringVar(&self, "self", "", "the reaper's own container, removed after the project")
	fl.StringVar(&listen, "listen", ":8080", "address to accept the job's connection on")
	fl.DurationVar(&grace, "grace", reaper.DefaultGrace, "how long to wait for a client to reconnect before reaping")
	fl.DurationVar(&first, "first-contact", reaper.DefaultFirstContact, "how long to wait for the first client")
	return cmd
}
