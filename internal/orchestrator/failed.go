package orchestrator

import (
	"errors"
	"time"

	"github.com/devenv/devenv/internal/events"
)

// FailedEvent is a failed operation as a `--json` pipeline reads it: with the service and the
// step (pull, build, create, start, health, job, seed) when one service failed.
func FailedEvent(err error) events.Event {
	ev := events.Event{Time: time.Now(), Kind: events.Failed, Err: err}
	var se *ServiceError
	if errors.As(err, &se) {
		ev.Service, ev.Message = se.Service, se.Step
	}
	return ev
}
