package cijob

import (
	"bytes"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/config"
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

func TestCommandLine(t *testing.T) {
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
