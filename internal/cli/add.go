package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	yaml "go.yaml.in/yaml/v3"
)

// AddServiceOptions holds what `devenv add service` needs.
type AddServiceOptions struct {
	Name     string
	Template string
	Path     string
	Force    bool
}

// NewCmdAdd builds `devenv add` and its `service` subcommand.
func NewCmdAdd(f *factory, runF func(context.Context, *AddServiceOptions) error) *cobra.Command {
	add := &cobra.Command{Use: "add", Short: "Add to the project", Args: noArgs}
	opts := &AddServiceOptions{}
	svc := &cobra.Command{
		Use:   "service NAME --template TEMPLATE",
		Short: "Scaffold a service from a template and add it to devenv.yaml",
		Long: "add service writes the template's files (Dockerfile, dependency manifests, starter source) into the\n" +
			"service's folder (./NAME unless --path) and adds the service to devenv.yaml. Existing files are kept\n" +
			"unless --force; it says what it created. For a service devenv.yaml already has from the same template,\n" +
			"it only writes the files that are missing.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{fmt.Errorf("add service needs exactly one service name, e.g. devenv add service api --template backend")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAddService(f, opts)
		},
	}
	svc.Flags().StringVarP(&opts.Template, "template", "t", "", "template to scaffold from (devenv templates lists them)")
	svc.Flags().StringVar(&opts.Path, "path", "", "the service's folder, relative to devenv.yaml (default ./NAME)")
	svc.Flags().BoolVar(&opts.Force, "force", false, "overwrite existing files and replace the service's entry")
	_ = svc.MarkFlagRequired("template")
	add.AddCommand(svc)
	return add
}

func runAddService(f *factory, opts *AddServiceOptions) error {
	path, composeOnly, err := f.findConfig()
	if err != nil {
		return err
	}
	if composeOnly {
		return &usageError{fmt.Errorf("%s is a compose file: add service edits devenv.yaml", path)}
	}
	cfg, cat, err := f.loadWithTemplates(path, false)
	if err != nil {
		return err
	}
	t, ok := cat[opts.Template]
	if !ok {
		return &usageError{fmt.Errorf("unknown template %q (known: %s)", opts.Template, strings.Join(cat.Names(), ", "))}
	}
	rel := opts.Path
	if rel == "" {
		rel = "./" + opts.Name
	}
	// The same service from the same template is already there: only scaffold what is missing
	// (a fresh clone whose service folders are generated, say) and leave devenv.yaml alone.
	keepEntry := false
	if existing, exists := cfg.Services[opts.Name]; exists && !opts.Force {
		if existing.Template != opts.Template {
			return &usageError{fmt.Errorf("%s already has a service %q (template %q); use --force to replace its entry", path, opts.Name, existing.Template)}
		}
		if existing.Path != "" {
			rel = existing.Path
		}
		keepEntry = true
	}
	dir := rel
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cfg.Dir, dir)
	}
	created, skipped, err := t.Scaffold(dir, opts.Force)
	if err != nil {
		return err
	}
	out := f.streams.ErrOut
	if !keepEntry {
		if err := addServiceEntry(path, opts.Name, map[string]string{"template": opts.Template, "path": rel}); err != nil {
			return err
		}
		// The edited file must still load: a broken edit is reported now, not at the next up.
		if _, _, err := f.loadWithTemplates(path, false); err != nil {
			return fmt.Errorf("devenv.yaml after adding %s: %w", opts.Name, err)
		}
	}
	for _, c := range created {
		fmt.Fprintf(out, "created  %s\n", relTo(cfg.Dir, c))
	}
	for _, s := range skipped {
		fmt.Fprintf(out, "kept     %s (exists; --force overwrites)\n", relTo(cfg.Dir, s))
	}
	if keepEntry {
		fmt.Fprintf(out, "kept     service %s in %s (already from template %s)\n", opts.Name, relTo(cfg.Dir, path), opts.Template)
		return nil
	}
	fmt.Fprintf(out, "added    service %s (template %s) to %s\n", opts.Name, opts.Template, relTo(cfg.Dir, path))
	return nil
}

func relTo(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		return r
	}
	return p
}

// addServiceEntry sets services.NAME in a devenv.yaml, keeping the rest of the file, comments
// included.
func addServiceEntry(path, name string, fields map[string]string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: the top level is not a mapping", path)
	}
	services := mappingValue(root, "services")
	if services == nil || services.Kind != yaml.MappingNode {
		services = &yaml.Node{Kind: yaml.MappingNode}
		setMappingValue(root, "services", services)
	}
	entry := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range []string{"template", "path"} {
		entry.Content = append(entry.Content, scalar(k), scalar(fields[k]))
	}
	setMappingValue(services, name, entry)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	tmp := path + ".devenv-tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setMappingValue(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, scalar(key), v)
}
