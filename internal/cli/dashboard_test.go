package cli

import (
	"context"
	"errors"
	"testing"
)

func TestTUINeedsATerminal(t *testing.T) {
	streams, _, _ := testStreams()
	f := newFactory(streams, BuildInfo{})
	err := runTUI(context.Background(), f, &TUIOptions{})
	var usage *usageError
	if !errors.As(err, &usage) || report(new(discard), err) != ExitUsage {
		t.Fatalf("devenv tui without a terminal: %v", err)
	}
}

func TestUpWithoutATerminalKeepsPlainOutput(t *testing.T) {
	streams, _, _ := testStreams()
	f := newFactory(streams, BuildInfo{})
	if f.dashboardOK() {
		t.Fatal("buffers count as a terminal")
	}
	f.environ = func() []string { return []string{"TERM=xterm-256color"} }
	if !f.linksOK() {
		t.Error("xterm gets no hyperlinks")
	}
	for _, env := range [][]string{{"TERM=dumb"}, {"TERM=linux"}, {"TERM=xterm-256color", "TERM_PROGRAM=Apple_Terminal"}, nil} {
		f.environ = func() []string { return env }
		if f.linksOK() {
			t.Errorf("%v gets hyperlinks", env)
		}
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
