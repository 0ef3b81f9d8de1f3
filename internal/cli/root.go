package cli

import (
	"github.com/spf13/cobra"
)

// NewCmdRoot builds the devenv command tree.
func NewCmdRoot(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "devenv",
		Short: "Bring a repository's whole development stack up with one command",
		Long: "devenv builds a project's app services from templates, starts their MySQL, Redis and RabbitMQ\n" +
			"dependencies, seeds fixtures, watches source for hot reload and shows it all in a dashboard.",
		SilenceUsage:  true, // a failing `up` should show the failure, not the flag list
		SilenceErrors: true, // report() prints errors once, with their fix
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.AddCommand(NewCmdVersion(f, nil))
	return root
}
