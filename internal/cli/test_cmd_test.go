package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTestParsesTheCommandAfterItsFlags(t *testing.T) {
	tests := []struct {
		args    []string
		cmd     string
		service string
		oneOff  bool
		junit   string
	}{
		{[]string{"--", "go", "test", "./..."}, "go test ./...", "", false, ""},
		// The command's own flags are its own, with or without --.
		{[]string{"go", "test", "-v", "./..."}, "go test -v ./...", "", false, ""},
		{[]string{"-s", "api", "--junit", "r.xml", "--", "sh", "-c", "exit 3"}, "sh -c exit 3", "api", false, "r.xml"},
		{[]string{"--service", "api", "--one-off", "--", "go", "test"}, "go test", "api", true, ""},
	}
	for _, tt := range tests {
		streams, _, _ := testStreams()
		var got *TestOptions
		cmd := NewCmdTest(newFactory(streams, BuildInfo{}), func(_ context.Context, o *TestOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if strings.Join(got.Cmd, " ") != tt.cmd || got.Service != tt.service || got.OneOff != tt.oneOff || got.JUnit != tt.junit {
			t.Errorf("%v: %+v", tt.args, got)
		}
	}
}

func TestTestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"test"},
		{"test", "--one-off", "--", "true"},
		{"-p", "Not Valid!", "test", "--", "true"},
	} {
		streams, _, errOut := testStreams()
		dir := t.TempDir()
		writeTestFile(t, filepath.Join(dir, "devenv.yaml"), "name: shop\ndependencies: {redis: {}}\n")
		f := newFactory(streams, BuildInfo{})
		f.getwd = func() (string, error) { return dir, nil }
		root := NewCmdRoot(f)
		root.SetArgs(args)
		root.SetOut(streams.Out)
		root.SetErr(streams.ErrOut)
		if code := report(errOut, root.ExecuteContext(context.Background())); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d; stderr %s", args, code, ExitUsage, errOut)
		}
	}
}

// -p replaces the configured name everywhere the project is loaded.
func TestProjectNameFlagRenamesTheProject(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "devenv.yaml"), "name: shop\ndependencies: {redis: {}}\n")
	streams, _, _ := testStreams()
	f := newFactory(streams, BuildInfo{})
	f.getwd = func() (string, error) { return dir, nil }
	f.environ = func() []string { return []string{"DEVENV_NAME=from-env"} }
	f.projectName = "job-42"
	cfg, p, err := f.Project(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "job-42" || p.Name != "job-42" {
		t.Fatalf("config name %q, project name %q", cfg.Name, p.Name)
	}
	if _, ok := p.Volumes["redis-data"]; !ok || p.Volumes["redis-data"].Name != "job-42_redis-data" {
		t.Errorf("volumes are not the renamed project's: %+v", p.Volumes)
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
