package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devenv/devenv/internal/catalog"
	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/dependency"
	"github.com/devenv/devenv/internal/tui"
	"github.com/devenv/devenv/templates"
	"github.com/spf13/cobra"
)

// InitOptions holds what `devenv init` needs.
type InitOptions struct {
	Services []string // NAME=TEMPLATE
	With     []string // dependencies
	Force    bool
}

// NewCmdInit builds `devenv init`.
func NewCmdInit(f *factory, runF func(context.Context, *InitOptions) error) *cobra.Command {
	opts := &InitOptions{}
	cmd := &cobra.Command{
		Use:   "init [--service NAME=TEMPLATE]... [--with " + strings.Join(dependency.Names(), ",") + "] [--force]",
		Short: "Write a devenv.yaml here and scaffold the services' folders from templates",
		Long: "init writes devenv.yaml in the working directory and scaffolds each service's folder (./NAME) from its\n" +
			"template. It never overwrites an existing file without --force, and says what it created; run again, it\n" +
			"changes nothing.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runInit(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringArrayVarP(&opts.Services, "service", "s", nil, "a service as NAME=TEMPLATE (repeatable), e.g. api=backend")
	cmd.Flags().StringSliceVarP(&opts.With, "with", "w", nil, "dependencies to run: "+dependency.List()+" (comma-separated)")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite devenv.yaml and scaffolded files")
	return cmd
}

type initService struct{ name, template string }

func runInit(ctx context.Context, f *factory, opts *InitOptions) error {
	cat, err := catalog.Load(templates.FS(), "")
	if err != nil {
		return err
	}
	if len(opts.Services) == 0 && len(opts.With) == 0 {
		if !f.interactive() {
			return &usageError{errors.New("init needs at least one --service NAME=TEMPLATE or --with DEPENDENCY " +
				"(e.g. devenv init --service api=backend --with mysql); devenv templates lists the templates")}
		}
		if err := askInit(ctx, f, cat, opts); err != nil {
			return err
		}
		if len(opts.Services) == 0 && len(opts.With) == 0 {
			fmt.Fprintln(f.streams.ErrOut, "nothing chosen: nothing written")
			return nil
		}
	}
	wd, err := f.getwd()
	if err != nil {
		return err
	}
	var services []initService
	for _, s := range opts.Services {
		name, tmpl, ok := strings.Cut(s, "=")
		if !ok || name == "" || tmpl == "" {
			return &usageError{fmt.Errorf("--service %q: write NAME=TEMPLATE, e.g. --service api=backend", s)}
		}
		if _, known := cat[tmpl]; !known {
			return &usageError{fmt.Errorf("--service %s: unknown template %q (known: %s)", name, tmpl, strings.Join(cat.Names(), ", "))}
		}
		if slices.ContainsFunc(services, func(o initService) bool { return o.name == name }) {
			return &usageError{fmt.Errorf("--service %s is given twice", name)}
		}
		services = append(services, initService{name, tmpl})
	}
	for _, d := range opts.With {
		if _, ok := dependency.Lookup(d); !ok {
			return &usageError{fmt.Errorf("--with %s: devenv runs %s", d, dependency.List())}
		}
	}
	out := f.streams.ErrOut
	changed := false
	file := filepath.Join(wd, "devenv.yaml")
	content := initYAML(filepath.Base(wd), services, opts.With)
	switch existing, err := os.ReadFile(file); {
	case errors.Is(err, fs.ErrNotExist) || (err == nil && opts.Force && string(existing) != content):
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "created  devenv.yaml\n")
		changed = true
	case err != nil:
		return err
	case string(existing) != content:
		fmt.Fprintf(out, "kept     devenv.yaml (exists and differs; --force overwrites it)\n")
	}
	for _, s := range services {
		created, skipped, err := cat[s.template].Scaffold(filepath.Join(wd, s.name), opts.Force)
		if err != nil {
			return err
		}
		for _, c := range created {
			fmt.Fprintf(out, "created  %s\n", relTo(wd, c))
			changed = true
		}
		if len(skipped) > 0 && len(created) > 0 {
			for _, k := range skipped {
				fmt.Fprintf(out, "kept     %s (exists; --force overwrites)\n", relTo(wd, k))
			}
		}
	}
	// What init wrote must load: report a problem now rather than at the first up.
	if _, err := config.Load(file, false, f.environ(), cat.Names()); err != nil {
		return fmt.Errorf("devenv.yaml: %w", err)
	}
	if !changed {
		fmt.Fprintln(out, "nothing to do: devenv.yaml and the services' folders are already there (--force regenerates them)")
		return nil
	}
	fmt.Fprintln(out, "next: devenv up")
	return nil
}

// initYAML is the devenv.yaml init writes: the chosen services and dependencies, with pointers
// to what else can be set.
func initYAML(dirName string, services []initService, deps []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# devenv.yaml: the development stack of %s. docs/config.md in the devenv repository\n", dirName)
	b.WriteString("# documents every key; `devenv config` shows the compose project this becomes.\n")
	if len(deps) > 0 {
		b.WriteString("\ndependencies:\n")
		for _, d := range dependency.Names() {
			if slices.Contains(deps, d) {
				fmt.Fprintf(&b, "  %s: {}\n", d)
			}
		}
	}
	if len(services) > 0 {
		b.WriteString("\nservices:\n")
		for _, s := range services {
			fmt.Fprintf(&b, "  %s:\n    template: %s\n    path: ./%s\n", s.name, s.template, s.name)
		}
	}
	return b.String()
}

// defaultServices are what the form offers: one service per built-in template, named as in the
// bundled example.
var defaultServices = []struct{ name, template string }{{"web", "frontend"}, {"api", "backend"}, {"jobs", "worker"}}

// askInit fills opts from the interactive form.
func askInit(ctx context.Context, f *factory, cat catalog.Catalog, opts *InitOptions) error {
	var choices []tui.ServiceChoice
	for _, d := range defaultServices {
		if t, ok := cat[d.template]; ok {
			choices = append(choices, tui.ServiceChoice{Name: d.name, Template: d.template, Description: t.Description})
		}
	}
	var deps []tui.DependencyChoice
	for _, k := range dependency.Kinds() {
		deps = append(deps, tui.DependencyChoice{Name: k.Name, Title: k.Title, Summary: k.Summary})
	}
	services, with, err := f.askInit(ctx, f.streams.In, f.streams.ErrOut, choices, deps)
	if err != nil {
		return err
	}
	for _, s := range services {
		opts.Services = append(opts.Services, s.Name+"="+s.Template)
	}
	opts.With = with
	return nil
}
