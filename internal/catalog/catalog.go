// Package catalog reads service templates — the built-in ones embedded in the binary and an
// organisation's own from templates_dir — and scaffolds a template's files into a service's
// directory. A broken template is reported with its file and the reason.
package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Template is one service template.
type Template struct {
	Name        string
	Origin      string   // "built-in", or the template's folder
	Description string   `yaml:"description"`
	Base        string   `yaml:"base"`        // default for the Dockerfile's ARG BASE, e.g. golang:1.26
	Target      string   `yaml:"target"`      // build target devenv runs, e.g. dev
	Port        int      `yaml:"port"`        // port the service listens on; 0 for none
	Healthcheck []string `yaml:"healthcheck"` // compose healthcheck test, e.g. ["CMD", "app", "-healthcheck"]
	// Ready is an HTTP path on Port that answers 2xx once the service is ready: devenv checks it
	// from the host, far cheaper than running the healthcheck in the container.
	Ready     string   `yaml:"ready"`
	Mounts    []Mount  `yaml:"mounts"`     // bind mounts of the service's source
	Watch     []Watch  `yaml:"watch"`      // hot-reload rules, compose develop.watch
	DependsOn []string `yaml:"depends_on"` // dependencies it waits for, when the project has them
	files     fs.FS
}

// Mount bind-mounts Source (relative to the service's path) at Target in the container.
type Mount struct {
	Source string `yaml:"source"`
	Target string `yaml:"target"`
}

// Watch is one compose develop.watch rule; Path is relative to the service's path.
type Watch struct {
	Path   string   `yaml:"path"`
	Action string   `yaml:"action"`
	Target string   `yaml:"target"`
	Ignore []string `yaml:"ignore"`
}

// Catalog is every template available to a project, by name.
type Catalog map[string]*Template

// Names lists the templates, sorted.
func (c Catalog) Names() []string {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Error is a broken template.
type Error struct {
	File string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("template %s: %v", e.File, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Hint says what a template needs.
func (e *Error) Hint() string {
	return "a template is a folder with template.yaml and files/ (with a Dockerfile); docs/templates.md describes both"
}

// Load reads the built-in templates and, when dir is set, the templates in dir, which replace
// built-ins of the same name.
func Load(builtin fs.FS, dir string) (Catalog, error) {
	c := Catalog{}
	if err := c.add(builtin, "built-in", "."); err != nil {
		return nil, err
	}
	if dir == "" {
		return c, nil
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, &Error{File: dir, Err: fmt.Errorf("templates_dir is not a readable directory: %v", err)}
	}
	if err := c.add(os.DirFS(dir), dir, "."); err != nil {
		return nil, err
	}
	return c, nil
}

func (c Catalog) add(fsys fs.FS, origin, root string) error {
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return &Error{File: origin, Err: err}
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		t, err := read(fsys, e.Name(), origin)
		if err != nil {
			return err
		}
		c[t.Name] = t
	}
	return nil
}

var watchActions = []string{"sync", "rebuild", "restart", "sync+restart", "sync+exec"}

func read(fsys fs.FS, name, origin string) (*Template, error) {
	where := name
	if origin != "built-in" {
		where = filepath.Join(origin, name)
	}
	fail := func(file string, err error) error { return &Error{File: filepath.Join(where, file), Err: err} }
	data, err := fs.ReadFile(fsys, path.Join(name, "template.yaml"))
	if err != nil {
		return nil, fail("template.yaml", errors.New("missing: every template needs one"))
	}
	t := &Template{Name: name, Origin: origin}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(t); err != nil {
		return nil, fail("template.yaml", err)
	}
	t.Name, t.Origin = name, origin
	switch {
	case strings.TrimSpace(t.Description) == "":
		return nil, fail("template.yaml", errors.New("description: missing (devenv templates shows it)"))
	case t.Port < 0 || t.Port > 65535:
		return nil, fail("template.yaml", fmt.Errorf("port: %d is not a port", t.Port))
	case t.Ready != "" && (t.Port == 0 || !strings.HasPrefix(t.Ready, "/")):
		return nil, fail("template.yaml", fmt.Errorf("ready: %q must be a path starting with / on the template's port", t.Ready))
	}
	for i, w := range t.Watch {
		if !slices.Contains(watchActions, w.Action) {
			return nil, fail("template.yaml", fmt.Errorf("watch[%d].action: %q is not one of %s", i, w.Action, strings.Join(watchActions, ", ")))
		}
	}
	for i, m := range t.Mounts {
		if filepath.IsAbs(m.Source) || strings.HasPrefix(filepath.Clean(m.Source), "..") || !strings.HasPrefix(m.Target, "/") {
			return nil, fail("template.yaml", fmt.Errorf("mounts[%d]: source must be inside the service's folder and target an absolute path", i))
		}
	}
	t.files, err = fs.Sub(fsys, path.Join(name, "files"))
	if err != nil {
		return nil, fail("files", err)
	}
	if _, err := fs.Stat(t.files, "Dockerfile"); err != nil {
		return nil, fail("files/Dockerfile", errors.New("missing: the service is built from it"))
	}
	return t, nil
}

// Scaffold writes the template's files into dst (created if needed). Existing files are kept
// and reported as skipped unless force. Files named *.tmpl lose the suffix: a go.mod inside the
// devenv source tree would make its folder a separate Go module that cannot be embedded.
func (t *Template) Scaffold(dst string, force bool) (created, skipped []string, err error) {
	err = fs.WalkDir(t.files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dst, filepath.FromSlash(strings.TrimSuffix(p, ".tmpl")))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if _, statErr := os.Stat(target); statErr == nil && !force {
			skipped = append(skipped, target)
			return nil
		}
		data, err := fs.ReadFile(t.files, p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
		created = append(created, target)
		return nil
	})
	if err != nil {
		return created, skipped, fmt.Errorf("scaffold template %s into %s: %w", t.Name, dst, err)
	}
	return created, skipped, nil
}
