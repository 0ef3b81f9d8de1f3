package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/devenv/devenv/internal/catalog"
	"github.com/devenv/devenv/templates"
	"github.com/spf13/cobra"
)

// NewCmdTemplates builds `devenv templates`.
func NewCmdTemplates(f *factory, runF func(context.Context) error) *cobra.Command {
	return &cobra.Command{
		Use:   "templates",
		Short: "List the service templates (built-in, and the project's templates_dir)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context())
			}
			return runTemplates(f)
		},
	}
}

func runTemplates(f *factory) error {
	cat, err := f.catalog()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(f.streams.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TEMPLATE\tFROM\tDESCRIPTION")
	for _, name := range cat.Names() {
		t := cat[name]
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, t.Origin, t.Description)
	}
	return tw.Flush()
}

// catalog is the template catalog of the project in reach, or the built-ins when there is none.
func (f *factory) catalog() (catalog.Catalog, error) {
	path, composeOnly, err := f.findConfig()
	if err != nil {
		return catalog.Load(templates.FS(), "")
	}
	_, cat, err := f.loadWithTemplates(path, composeOnly)
	return cat, err
}
