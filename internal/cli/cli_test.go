package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/engine"
)

func testStreams() (Streams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, &out, &errOut
}

type hintedErr struct{}

func (hintedErr) Error() string { return "cannot reach the Docker engine at unix:///x.sock" }
func (hintedErr) Hint() string  { return "start the engine" }

func TestReportExitCodes(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     int
		contains []string
	}{
		{"success", nil, ExitOK, nil},
		{"plain error", errors.New("boom"), ExitError, []string{"devenv: boom"}},
		{"hinted error", fmt.Errorf("up: %w", hintedErr{}), ExitError, []string{"unix:///x.sock", "fix: start the engine"}},
		{"usage", &usageError{errors.New("unknown flag: --nope")}, ExitUsage, []string{"--nope", "devenv --help"}},
		{"ctrl-c", fmt.Errorf("start db: %w", context.Canceled), ExitCanceled, []string{"interrupted"}},
		{"timeout", fmt.Errorf("wait for db: %w", context.DeadlineExceeded), ExitTimeout, []string{"timed out", "wait for db"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if got := report(&buf, tt.err); got != tt.code {
				t.Errorf("exit code = %d, want %d", got, tt.code)
			}
			for _, s := range tt.contains {
				if !strings.Contains(buf.String(), s) {
					t.Errorf("output %q lacks %q", buf.String(), s)
				}
			}
		})
	}
}

func TestVersionPrintsEngineOrWhyNot(t *testing.T) {
	tests := []struct {
		name   string
		engine func(context.Context) (engine.Version, string, error)
		want   []string
	}{
		{
			name: "engine answers",
			engine: func(context.Context) (engine.Version, string, error) {
				return engine.Version{Server: "20.10.24", ServerAPI: "1.41", NegotiatedAPI: "1.41"}, "unix:///var/run/docker.sock", nil
			},
			want: []string{"devenv:", "1.2.3", "abc1234", "20.10.24 at unix:///var/run/docker.sock", "1.41"},
		},
		{
			name: "engine down",
			engine: func(context.Context) (engine.Version, string, error) {
				return engine.Version{}, "", hintedErr{}
			},
			want: []string{"1.2.3", "not reachable", "unix:///x.sock", "fix: start the engine"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			streams, out, _ := testStreams()
			opts := &VersionOptions{Streams: streams, Build: BuildInfo{Version: "1.2.3", Commit: "abc1234"}, EngineVersion: tt.engine}
			if err := runVersion(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.want {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestVersionCommandParsesFlags(t *testing.T) {
	streams, _, _ := testStreams()
	f := newFactory(streams, BuildInfo{Version: "1.2.3"})
	var got *VersionOptions
	cmd := NewCmdVersion(f, func(_ context.Context, o *VersionOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.JSON || got.EngineVersion == nil || got.Build.Version != "1.2.3" {
		t.Fatalf("options = %+v", got)
	}
}

func TestMainRejectsUnknownFlagAsUsage(t *testing.T) {
	streams, _, errOut := testStreams()
	code := Main(context.Background(), []string{"version", "--bogus"}, streams, BuildInfo{})
	if code != ExitUsage {
		t.Fatalf("exit code = %d, want %d; stderr: %s", code, ExitUsage, errOut)
	}
	if !strings.Contains(errOut.String(), "--bogus") {
		t.Errorf("stderr does not name the bad flag: %s", errOut)
	}
}

func TestExecParsesCommandAfterService(t *testing.T) {
	tests := []struct {
		args    []string
		service string
		cmd     string
		user    string
	}{
		{[]string{"api", "ls", "-la"}, "api", "ls -la", ""},
		{[]string{"api", "--", "sh", "-c", "exit 7"}, "api", "sh -c exit 7", ""},
		{[]string{"-u", "root", "api", "--", "id", "-u"}, "api", "id -u", "root"},
	}
	for _, tt := range tests {
		streams, _, _ := testStreams()
		var got *ExecOptions
		cmd := NewCmdExec(newFactory(streams, BuildInfo{}), func(_ context.Context, o *ExecOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if got.Service != tt.service || strings.Join(got.Cmd, " ") != tt.cmd || got.User != tt.user {
			t.Errorf("%v: service %q cmd %q user %q", tt.args, got.Service, got.Cmd, got.User)
		}
	}
}

// Every command must build its flag set without clashes (cobra panics at run time otherwise),
// and `logs -f` must mean follow while `--file` still works there.
func TestEveryCommandParsesHelp(t *testing.T) {
	streams, _, _ := testStreams()
	root := NewCmdRoot(newFactory(streams, BuildInfo{}))
	for _, c := range root.Commands() {
		if err := c.ParseFlags([]string{"--help"}); err != nil && err.Error() != "pflag: help requested" {
			t.Errorf("%s: %v", c.Name(), err)
		}
	}
	var got *LogsOptions
	f := newFactory(streams, BuildInfo{})
	cmd := NewCmdLogs(f, func(_ context.Context, o *LogsOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-f", "--file", "x/devenv.yaml", "api"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.Follow || f.file != "x/devenv.yaml" || got.Services[0] != "api" {
		t.Errorf("logs options %+v, file %q", got, f.file)
	}
}
