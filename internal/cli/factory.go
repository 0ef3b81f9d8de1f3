package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/catalog"
	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/project"
	"github.com/devenv/devenv/internal/tui"
	"github.com/devenv/devenv/templates"
)

// factory builds the dependencies commands share, lazily: `devenv version` or `--help` must
// work with no engine running and no devenv.yaml around.
type factory struct {
	streams Streams
	build   BuildInfo
	engine  *engine.Client // connected on first use

	// Global flags.
	file     string   // -f/--file: devenv.yaml or a compose file; default: found from the working dir
	profiles []string // --profile
	// projectName (-p/--project-name) replaces the configured name; devenv test sets it to the
	// job's own name.
	projectName string
	// getwd and environ are the process's, swappable in tests.
	getwd   func() (string, error)
	environ func() []string
	// askInit is init's interactive form; tests answer it themselves.
	askInit func(ctx context.Context, in io.Reader, out io.Writer, services []tui.ServiceChoice, deps []tui.DependencyChoice) ([]tui.ServiceChoice, []string, error)
}

func newFactory(streams Streams, build BuildInfo) *factory {
	return &factory{streams: streams, build: build, getwd: os.Getwd, environ: os.Environ, askInit: tui.AskInit}
}

// Engine returns the shared engine client, connecting on first use.
func (f *factory) Engine(ctx context.Context) (*engine.Client, error) {
	if f.engine != nil {
		return f.engine, nil
	}
	c, err := engine.Connect(ctx)
	if err != nil {
		return nil, err
	}
	f.engine = c
	return c, nil
}

func (f *factory) close() {
	if f.engine != nil {
		_ = f.engine.Close()
	}
}

// Config finds and loads the project's configuration.
func (f *factory) Config() (*config.Config, error) {
	path, composeOnly, err := f.findConfig()
	if err != nil {
		return nil, err
	}
	cfg, _, err := f.loadWithTemplates(path, composeOnly)
	return cfg, err
}

// loadWithTemplates loads the configuration and the template catalog it can use. The catalog
// depends on templates_dir, which only the file says, so the file is read once to learn it and
// again to check every `template:` against the catalog.
func (f *factory) loadWithTemplates(path string, composeOnly bool) (*config.Config, catalog.Catalog, error) {
	cfg, err := config.Load(path, composeOnly, f.environ(), nil)
	if err != nil {
		return nil, nil, err
	}
	dir := cfg.TemplatesDir
	if dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(cfg.Dir, dir)
	}
	cat, err := catalog.Load(templates.FS(), dir)
	if err != nil {
		return nil, nil, err
	}
	if composeOnly {
		return f.named(cfg, cat)
	}
	cfg, err = config.Load(path, composeOnly, f.environ(), cat.Names())
	if err != nil {
		return nil, nil, err
	}
	return f.named(cfg, cat)
}

// named applies -p/--project-name, checked by the rule the configuration's name: follows.
func (f *factory) named(cfg *config.Config, cat catalog.Catalog) (*config.Config, catalog.Catalog, error) {
	n := f.projectName
	if n == "" {
		return cfg, cat, nil
	}
	if n != config.NormalizeProjectName(n) {
		fix := ""
		if alt := config.NormalizeProjectName(n); alt != "" {
			fix = fmt.Sprintf(", e.g. -p %s", alt)
		}
		return nil, nil, &usageError{fmt.Errorf("invalid --project-name %q: lower-case letters, digits, '-' and '_' only, starting with a letter or digit%s", n, fix)}
	}
	cfg.Name = n
	return cfg, cat, nil
}

// findConfig returns the configuration file for this run: -f, or found from the working dir.
func (f *factory) findConfig() (string, bool, error) {
	if f.file != "" {
		abs, err := filepath.Abs(f.file)
		if err != nil {
			return "", false, err
		}
		return abs, !strings.HasPrefix(filepath.Base(abs), "devenv."), nil
	}
	wd, err := f.getwd()
	if err != nil {
		return "", false, err
	}
	return config.Find(wd)
}

// Project loads the configuration and resolves it into the compose project devenv runs.
func (f *factory) Project(ctx context.Context) (*config.Config, *types.Project, error) {
	path, composeOnly, err := f.findConfig()
	if err != nil {
		return nil, nil, err
	}
	cfg, cat, err := f.loadWithTemplates(path, composeOnly)
	if err != nil {
		return nil, nil, err
	}
	env := map[string]string{}
	for _, kv := range f.environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	p, err := project.Resolve(ctx, cfg, project.Options{Env: env, Profiles: f.profiles, Templates: cat})
	if err != nil {
		return nil, nil, err
	}
	return cfg, p, nil
}

// Orchestrator connects to the engine and builds an orchestrator that reports to sink.
func (f *factory) Orchestrator(ctx context.Context, sink events.Sink) (*orchestrator.Orchestrator, error) {
	e, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := orchestrator.DefaultStateDir()
	if err != nil {
		return nil, err
	}
	o := orchestrator.New(e, sink, &orchestrator.FilePortMemory{Dir: dir})
	// Without its own path devenv cannot put its supervisor in containers; reloads then
	// restart containers, which is slower but as correct.
	if exe, err := os.Executable(); err == nil {
		o.Supervise(exe)
	}
	return o, nil
}

// ProjectOrchestrator loads the project and builds an orchestrator that reports its progress
// (JSON lines on stdout with json): what every command acting on a running stack starts with.
func (f *factory) ProjectOrchestrator(ctx context.Context, json bool) (*types.Project, *orchestrator.Orchestrator, error) {
	_, p, err := f.Project(ctx)
	if err != nil {
		return nil, nil, err
	}
	o, err := f.Orchestrator(ctx, f.progressSink(json))
	if err != nil {
		return nil, nil, err
	}
	return p, o, nil
}

// isTerminal reports whether w is a terminal, for choosing colours and the dashboard.
func isTerminal(w any) bool {
	file, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// interactive reports whether devenv may ask questions: stdin and stderr are both terminals and
// this is not CI.
func (f *factory) interactive() bool {
	return isTerminal(f.streams.In) && isTerminal(f.streams.ErrOut) && !f.isCI()
}

// noColor honours https://no-color.org.
func (f *factory) colorOK(w any) bool {
	for _, kv := range f.environ() {
		if strings.HasPrefix(kv, "NO_COLOR=") && len(kv) > len("NO_COLOR=") {
			return false
		}
	}
	return isTerminal(w)
}

func (f *factory) isCI() bool {
	for _, kv := range f.environ() {
		if kv == "CI=true" || kv == "CI=1" {
			return true
		}
	}
	return false
}
