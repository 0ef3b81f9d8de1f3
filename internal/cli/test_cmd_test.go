package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/dependency"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/project"
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

func TestJobProjectName(t *testing.T) {
	random := func() *bytes.Reader { return bytes.NewReader([]byte{0xab, 0xcd, 0xef}) }
	tests := []struct {
		env  []string
		want string
	}{
		{nil, "shop-abcdef"},
		{[]string{"CI_JOB_ID=123456"}, "shop-123456-abcdef"},
		{[]string{"GITHUB_RUN_ID=987", "GITHUB_RUN_ATTEMPT=2"}, "shop-987-2-abcdef"},
		{[]string{"BUILD_TAG=jenkins-My Job-7"}, "shop-jenkins-myjob-7-abcdef"},
	}
	for _, tt := range tests {
		got := jobProjectName("shop", tt.env, random())
		if got != tt.want {
			t.Errorf("%v: %q, want %q", tt.env, got, tt.want)
		}
		if got != config.NormalizeProjectName(got) {
			t.Errorf("%q is not a valid project name", got)
		}
	}
	long := jobProjectName(strings.Repeat("a", 60), []string{"CI_JOB_ID=1"}, random())
	if len(long) > 48 || !strings.HasSuffix(long, "-abcdef") {
		t.Errorf("long name %q (%d)", long, len(long))
	}
	if a, b := jobProjectName("shop", nil, strings.NewReader("\x01\x02\x03")), jobProjectName("shop", nil, strings.NewReader("\x04\x05\x06")); a == b {
		t.Errorf("two jobs got the same name %q", a)
	}
}

func TestEnvNameAndCommandLine(t *testing.T) {
	if got := envName("web-app.2"); got != "WEB_APP_2" {
		t.Errorf("envName = %q", got)
	}
	if got := commandLine([]string{"sh", "-c", "echo 'hi' $X", ""}); got != `sh -c 'echo '\''hi'\'' $X' ''` {
		t.Errorf("commandLine = %s", got)
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	b := &tailBuffer{max: 5}
	for _, s := range []string{"abc", "defg", "h"} {
		_, _ = b.Write([]byte(s))
	}
	if got := b.String(); got != "defgh" {
		t.Errorf("tail = %q", got)
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHostVarsPointAtThePublishedPorts(t *testing.T) {
	deps := []project.Dependency{
		{Kind: "mysql", ContainerPort: 3306, Settings: dependency.Settings{"user": "app", "password": "s3cret", "database": "shop"}},
		{Kind: "redis", ContainerPort: 6379},
	}
	cs := []engine.Container{
		{Service: "api", State: "running", Ports: []engine.PublishedPort{{ContainerPort: 8080, HostPort: 49001, Protocol: "tcp"}, {ContainerPort: 9090, HostPort: 49002, Protocol: "tcp"}}},
		{Service: "mysql", State: "running", Ports: []engine.PublishedPort{{ContainerPort: 3306, HostPort: 49003, Protocol: "tcp"}}},
		{Service: "redis", State: "running", Ports: []engine.PublishedPort{{ContainerPort: 6379, HostPort: 49004, Protocol: "tcp"}}},
		{Service: "web-ui", State: "exited", Ports: []engine.PublishedPort{{ContainerPort: 5173, HostPort: 49005}}},
		{Name: "shop-1-reaper", State: "running", Labels: map[string]string{engine.LabelReaper: "true"}, Ports: []engine.PublishedPort{{ContainerPort: 8080, HostPort: 49006}}},
	}
	got := hostVars("shop-1", cs, deps)
	want := map[string]string{
		"DEVENV_PROJECT": "shop-1",
		"API_URL":        "http://127.0.0.1:49001", "API_PORT_8080": "49001", "API_PORT_9090": "49002",
		"DATABASE_URL": "mysql://app:s3cret@127.0.0.1:49003/shop", "MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": "49003",
		"MYSQL_URL": "mysql://app:s3cret@127.0.0.1:49003/shop", "MYSQL_PORT_3306": "49003",
		"REDIS_URL": "redis://127.0.0.1:49004/0", "REDIS_PORT": "49004", "REDIS_PORT_6379": "49004",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "WEB_UI_") || strings.Contains(got[k], "49006") {
			t.Errorf("%s=%s comes from a stopped container or the reaper", k, got[k])
		}
	}
}
