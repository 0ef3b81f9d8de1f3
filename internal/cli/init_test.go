package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/catalog"
	"github.com/devenv/devenv/internal/dependency"
	"github.com/devenv/devenv/internal/tui"
	"github.com/devenv/devenv/templates"
)

func initFactory(t *testing.T) (*factory, string, interface{ String() string }) {
	t.Helper()
	dir := t.TempDir()
	streams, _, errOut := testStreams()
	f := newFactory(streams, BuildInfo{})
	f.getwd = func() (string, error) { return dir, nil }
	f.environ = func() []string { return nil }
	return f, dir, errOut
}

func TestInitWritesOnceAndSaysSo(t *testing.T) {
	f, dir, errOut := initFactory(t)
	opts := &InitOptions{Services: []string{"api=backend"}, With: []string{"redis", "mysql"}}
	if err := runInit(context.Background(), f, opts); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "devenv.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Dependencies in devenv's fixed order, whatever order the flags gave.
	if !strings.Contains(string(data), "dependencies:\n  mysql: {}\n  redis: {}\n") || !strings.Contains(string(data), "  api:\n    template: backend\n    path: ./api\n") {
		t.Errorf("devenv.yaml:\n%s", data)
	}
	if !strings.Contains(errOut.String(), "created  api/main.go") {
		t.Errorf("init did not list what it created:\n%s", errOut)
	}
	before := errOut.String()
	if err := runInit(context.Background(), f, opts); err != nil {
		t.Fatal(err)
	}
	if again := strings.TrimPrefix(errOut.String(), before); !strings.Contains(again, "nothing to do") {
		t.Errorf("second init: %q", again)
	}
}

func TestInitRejectsBadFlags(t *testing.T) {
	for _, opts := range []*InitOptions{
		{},
		{Services: []string{"api"}},
		{Services: []string{"api=nosuch"}},
		{Services: []string{"api=backend", "api=worker"}},
		{With: []string{"couchdb"}},
	} {
		f, dir, _ := initFactory(t)
		err := runInit(context.Background(), f, opts)
		if report(io.Discard, err) != ExitUsage {
			t.Errorf("%+v: err = %v, want a usage error", opts, err)
		}
		if _, statErr := os.Stat(filepath.Join(dir, "devenv.yaml")); statErr == nil {
			t.Errorf("%+v: wrote devenv.yaml despite the error", opts)
		}
	}
}

func TestInitFormAnswersBecomeOptions(t *testing.T) {
	f, _, _ := initFactory(t)
	var offered []tui.ServiceChoice
	var offeredDeps []tui.DependencyChoice
	f.askInit = func(_ context.Context, _ io.Reader, _ io.Writer, services []tui.ServiceChoice, deps []tui.DependencyChoice) ([]tui.ServiceChoice, []string, error) {
		offered, offeredDeps = services, deps
		return services[1:], []string{deps[0].Name}, nil
	}
	cat, err := catalog.Load(templates.FS(), "")
	if err != nil {
		t.Fatal(err)
	}
	opts := &InitOptions{}
	if err := askInit(context.Background(), f, cat, opts); err != nil {
		t.Fatal(err)
	}
	if len(offered) != 3 || offered[0].Name != "web" || offered[0].Description == "" {
		t.Errorf("offered %+v", offered)
	}
	if len(offeredDeps) != len(dependency.Kinds()) || offeredDeps[0].Name != "mysql" || offeredDeps[0].Title == "" || offeredDeps[0].Summary == "" {
		t.Errorf("offered dependencies %+v, want every kind with its title and summary", offeredDeps)
	}
	if strings.Join(opts.Services, ",") != "api=backend,jobs=worker" || strings.Join(opts.With, ",") != "mysql" {
		t.Errorf("options from the answers: %+v", opts)
	}
}
