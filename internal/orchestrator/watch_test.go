package orchestrator

import (
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/engine"
)

func TestContainerWatchDeliversVerdicts(t *testing.T) {
	w := newContainerWatch()
	dbV, _ := w.verdicts("db")
	apiV, _ := w.verdicts("api")
	gone, unsubscribe := w.verdicts("cache")
	unsubscribe()
	events := make(chan engine.ContainerEvent, 4)
	events <- engine.ContainerEvent{ID: "db", Action: "start"}
	events <- engine.ContainerEvent{ID: "db", Action: "die", ExitCode: 3}
	events <- engine.ContainerEvent{ID: "api", Action: "health_status", Health: "healthy"}
	events <- engine.ContainerEvent{ID: "cache", Action: "die"}
	close(events)
	w.dispatch(events)

	if err := <-dbV; err == nil || !strings.Contains(err.Error(), "exited with code 3") {
		t.Errorf("db verdict = %v, want its exit", err)
	}
	if err := <-apiV; err != nil {
		t.Errorf("api verdict = %v, want healthy (nil)", err)
	}
	select {
	case v := <-gone:
		t.Errorf("an unsubscribed wait got %v", v)
	default:
	}
}
