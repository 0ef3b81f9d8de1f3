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
	root.PersistentFlags().StringVarP(&f.file, "file", "f", "", "devenv.yaml (or compose file) to use; default: found in this directory or a parent")
	root.PersistentFlags().StringSliceVar(&f.profiles, "profile", nil, "enable a compose profile (repeatable)")
	root.PersistentFlags().StringVarP(&f.projectName, "project-name", "p", "", "project name, in place of devenv.yaml's name (and DEVENV_NAME)")
	root.AddCommand(
		NewCmdInit(f, nil),
		NewCmdUp(f, nil),
		NewCmdDown(f, nil),
		NewCmdPs(f, nil),
		NewCmdLogs(f, nil),
		NewCmdRestart(f, nil),
		NewCmdStop(f, nil),
		NewCmdStart(f, nil),
		NewCmdKill(f, nil),
		NewCmdPause(f, nil),
		NewCmdUnpause(f, nil),
		NewCmdRm(f, nil),
		NewCmdSeed(f, nil),
		NewCmdWatch(f, nil),
		NewCmdExec(f, nil),
		NewCmdShell(f, nil),
		NewCmdTUI(f, nil),
		NewCmdConfig(f, nil),
		NewCmdTemplates(f, nil),
		NewCmdAdd(f, nil),
		NewCmdVersion(f, nil),
		NewCmdTest(f, nil),
		newCmdReaper(f),
		newCmdSupervise(f),
	)
	return root
}
