package cijob

import (
	"bytes"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/dependency"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/project"
)

func TestProjectName(t *testing.T) {
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
		got := ProjectName("shop", tt.env, random())
		if got != tt.want {
			t.Errorf("%v: %q, want %q", tt.env, got, tt.want)
		}
		if got != config.NormalizeProjectName(got) {
			t.Errorf("%q is not a valid project name", got)
		}
	}
	long := ProjectName(strings.Repeat("a", 60), []string{"CI_JOB_ID=1"}, random())
	if len(long) > 48 || !strings.HasSuffix(long, "-abcdef") {
		t.Errorf("long name %q (%d)", long, len(long))
	}
	if a, b := ProjectName("shop", nil, strings.NewReader("\x01\x02\x03")), ProjectName("shop", nil, strings.NewReader("\x04\x05\x06")); a == b {
		t.Errorf("two jobs got the same name %q", a)
	}
}

func TestEnvNameAndCommandLine(t *testing.T) {
	if got := envName("web-app.2"); got != "WEB_APP_2" {
		t.Errorf("envName = %q", got)
	}
	if got := CommandLine([]string{"sh", "-c", "echo 'hi' $X", ""}); got != `sh -c 'echo '\''hi'\'' $X' ''` {
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
	got := HostVars("shop-1", cs, deps)
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
