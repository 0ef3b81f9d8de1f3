package supervise

import (
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestCommandFollowsTheEngineRules(t *testing.T) {
	imgEP, imgCmd := []string{"docker-entrypoint.sh"}, []string{"node"}
	for _, c := range []struct {
		name                string
		entrypoint, command []string
		want                []string
	}{
		{"image's own", nil, nil, []string{"docker-entrypoint.sh", "node"}},
		{"service command keeps the image entrypoint", nil, []string{"npm", "start"}, []string{"docker-entrypoint.sh", "npm", "start"}},
		{"service entrypoint drops the image command", []string{"/app"}, nil, []string{"/app"}},
		{"both the service's", []string{"/app"}, []string{"-v"}, []string{"/app", "-v"}},
		{"an empty entrypoint still replaces the image's", []string{}, []string{"sh"}, []string{"sh"}},
	} {
		if got := Command(c.entrypoint, c.command, imgEP, imgCmd); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestEntrypointNamesTheSocketAndStopSignal(t *testing.T) {
	got := Entrypoint("shop-api-1", "SIGINT")
	want := []string{Binary, "supervise", "run", "--socket", "devenv-supervise-shop-api-1", "--stop-signal", "SIGINT", "--"}
	if !slices.Equal(got, want) {
		t.Errorf("%q, want %q", got, want)
	}
	if got := Entrypoint("a", ""); slices.Contains(got, "--stop-signal") || got[len(got)-1] != "--" {
		t.Errorf("without a stop signal: %q", got)
	}
}

func TestSocketNameFitsASocketAddress(t *testing.T) {
	if got := SocketName("shop-api-1"); got != "devenv-supervise-shop-api-1" {
		t.Errorf("short name: %q", got)
	}
	long := strings.Repeat("a-very-long-project-name-", 8) + "api-1"
	got := SocketName(long)
	if len(got) > maxSocketName || got == SocketName(long+"x") || got != SocketName(long) {
		t.Errorf("long name: %q (%d bytes)", got, len(got))
	}
}

func TestParseAnswer(t *testing.T) {
	if pid, err := parseAnswer("ok 42\n"); err != nil || pid != 42 {
		t.Errorf("ok 42: %d, %v", pid, err)
	}
	if _, err := parseAnswer("error the container is stopping\n"); err == nil || err.Error() != "the container is stopping" {
		t.Errorf("error answer: %v", err)
	}
	for _, bad := range []string{"", "ok", "ok x", "hello"} {
		if _, err := parseAnswer(bad); err == nil {
			t.Errorf("%q was taken for an answer", bad)
		}
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"": syscall.SIGTERM, "SIGINT": syscall.SIGINT, "quit": syscall.SIGQUIT, "HUP": syscall.SIGHUP, "9": syscall.SIGKILL} {
		if got, err := ParseSignal(in); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseSignal("SIGNOPE"); err == nil || !strings.Contains(err.Error(), "SIGNOPE") {
		t.Errorf("unknown name: %v", err)
	}
}
