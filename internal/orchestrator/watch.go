package orchestrator

import (
	"context"
	"fmt"
	"sync"

	"github.com/devenv/devenv/internal/engine"
)

// containerWatch fans the project's engine events out to the readiness waits, so a container
// that dies or turns healthy is noticed the moment the engine says so, with no polling.
type containerWatch struct {
	mu   sync.Mutex
	subs map[string][]chan error // container ID → verdict channels of waiting ops
}

func newContainerWatch() *containerWatch {
	return &containerWatch{subs: map[string][]chan error{}}
}

// verdicts returns a channel that receives nil when the engine reports id healthy, or an error
// when id dies; cancel stops the subscription.
func (w *containerWatch) verdicts(id string) (<-chan error, func()) {
	ch := make(chan error, 1)
	w.mu.Lock()
	w.subs[id] = append(w.subs[id], ch)
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		list := w.subs[id]
		for i, c := range list {
			if c == ch {
				w.subs[id] = append(list[:i], list[i+1:]...)
				break
			}
		}
	}
}

// dispatch delivers events until the stream closes. A verdict channel holds one value: the first
// verdict is the one that matters, later ones are dropped rather than block the stream.
func (w *containerWatch) dispatch(events <-chan engine.ContainerEvent) {
	for ev := range events {
		var verdict error
		switch {
		case ev.Action == "die":
			verdict = fmt.Errorf("container exited with code %d while starting", ev.ExitCode)
		case ev.Action == "oom":
			verdict = fmt.Errorf("container ran out of memory while starting (raise resources.memory)")
		case ev.Action == engine.ActionHealthStatus && ev.Health == engine.HealthHealthy:
			verdict = nil
		default:
			continue
		}
		w.mu.Lock()
		for _, ch := range w.subs[ev.ID] {
			select {
			case ch <- verdict:
			default:
			}
		}
		w.mu.Unlock()
	}
}

// watchProject starts the event stream of project; stop ends it and waits for the dispatcher.
func (o *Orchestrator) watchProject(ctx context.Context, project string) (*containerWatch, func()) {
	ctx, cancel := context.WithCancel(ctx)
	w := newContainerWatch()
	events, _ := o.engine.ContainerEvents(ctx, project)
	done := make(chan struct{})
	go func() { // ends when the stream closes, which cancel causes
		defer close(done)
		w.dispatch(events)
	}()
	return w, func() {
		cancel()
		<-done
	}
}
