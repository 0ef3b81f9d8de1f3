package tui

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/devenv/devenv/internal/events"
)

// The dashboard as a running program (teatest): reports queued on the inbox reach the screen
// through the re-armed commands, keys select and filter, actions reach the controller, q quits.
func TestProgramEndToEnd(t *testing.T) {
	ctrl := &fakeController{services: exampleServices()}
	inbox := NewInbox(1000)
	m := NewModel(context.Background(), ctrl, inbox, Options{Project: "shop", NoColor: true, Now: func() time.Time { return base }, Location: time.UTC})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	t.Cleanup(inbox.close)

	// WaitFor consumes what it reads: keep everything drawn so far, and wait for text that only
	// the awaited state draws.
	var drawn []byte
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { // b: all this call has read
			all := append(slices.Clip(drawn), b...)
			if !bytes.Contains(all, []byte(what)) {
				return false
			}
			drawn = all
			return true
		}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	go func() { // the controller's side: events and logs arrive from other goroutines
		inbox.Container(ContainerState{Service: "api", ID: "a1", State: "running", StartedAt: base.Add(-time.Minute)})
		inbox.Event(events.Event{Time: base, Service: "api", Kind: events.Healthy})
		inbox.Log("api", base, "listening on :8080")
		inbox.Log("web", base.Add(time.Millisecond), "compiled in 80ms")
	}()
	waitFor("listening on :8080")
	waitFor("compiled in 80ms")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Type("/listen")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Type("r")
	// The frames are drawn as differences from the one before, so the rest is checked on the
	// controller and on the final model's frame.
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(ctrl.Calls(), "restart api") {
		if time.Now().After(deadline) {
			t.Fatalf("r never reached the controller: %q", ctrl.Calls())
		}
		time.Sleep(10 * time.Millisecond)
	}
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	frame := screen(final)
	for _, want := range []string{`─ logs: api · filter "listen"`, "api     │ listening on :8080", "> api ", "api: restart"} {
		if !strings.Contains(frame, want) {
			t.Errorf("final frame lacks %q:\n%s", want, frame)
		}
	}
	if strings.Contains(frame, "compiled in 80ms") {
		t.Errorf("web's line shows in api's filtered logs:\n%s", frame)
	}
	if final.filter != "listen" || !final.only || final.Down() {
		t.Fatalf("final state: filter %q, only %v, down %v", final.filter, final.only, final.Down())
	}
}
